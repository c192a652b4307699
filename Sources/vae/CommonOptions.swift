import ArgumentParser
import Foundation
import VAE
import VAECompute
import VAEVulkan

/// Options every command that computes shares.
struct DeviceOptions: ParsableArguments {
    @Option(name: .long, help: "auto | cpu | vulkan | vulkan:N | part of a Vulkan device's name (see `vae devices`).")
    var device = "auto"

    @Flag(name: .long, help: "Enable the Khronos validation layer (when installed) on Vulkan.")
    var validate = false

    func open() throws -> any ComputeDevice {
        try DeviceSpecifier(parsing: device).open(validation: validate)
    }

    /// With --validate, prints what the validation layer reported (to stderr) and fails if it reported
    /// anything, so a driver or kernel bug does not pass silently.
    func checkValidation(_ device: any ComputeDevice) throws {
        guard validate, let vulkan = device as? VulkanDevice else { return }
        if !vulkan.validationEnabled {
            note("vae: note: --validate: the Khronos validation layer is not installed (vulkan-validationlayers)")
        }
        guard vulkan.validationMessages.isEmpty else {
            for message in vulkan.validationMessages.prefix(20) { note("validation: \(message)") }
            throw ComputeError.deviceFailure(
                "the Vulkan validation layer reported \(vulkan.validationMessages.count) problem(s)")
        }
    }
}

struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "A directory with MNIST-format files (gzip or raw).")
    var data = MNIST.bundledDirectory

    func load() throws -> MNIST { try MNIST(directory: data) }

    /// The data, checked to have the image size of the model in `checkpoint` (the error names both).
    func load(for model: VAEModel, checkpoint: String) throws -> MNIST {
        let mnist = try load()
        let c = model.configuration
        guard mnist.test.pixelsPerImage == c.inputSize else {
            throw DataError.mismatch(
                "\(data) has \(mnist.test.height)×\(mnist.test.width) images but \(checkpoint) takes "
                    + c.imageSize)
        }
        return mnist
    }
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
