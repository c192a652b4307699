import ArgumentParser
import Foundation
import VAE
import VAECompute

/// Options every command that computes shares.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "auto | cpu | vulkan | vulkan:N | part of a Vulkan device's name (see `vae devices`).")
    var device = "auto"

    @Flag(name: .long, help: "Enable the Khronos validation layer (when installed) on Vulkan.")
    var validate = false

    func open() throws -> any ComputeDevice {
        try DeviceSpecifier(parsing: device).open(validation: validate)
    }
}

struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "A directory with MNIST-format files (gzip or raw).")
    var data = MNIST.bundledDirectory

    func load() throws -> MNIST { try MNIST(directory: data) }
}

/// Runs a command body, turning any error into one line on stderr and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        FileHandle.standardError.write(Data("vae: error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Writes a line to standard error.
func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
