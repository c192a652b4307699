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
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A directory with MNIST-format files (gzip or raw), or synthetic:shapes (3×64×64 coloured shapes, for --arch conv64).",
            discussion:
                "Default: for train and bench, the bundled MNIST; for commands that read a checkpoint, the data it was trained on (when that is still there), else the bundled MNIST."
        ))
    var data: String?

    /// What `--data` names, or the bundled MNIST.
    var source: String { data ?? MNIST.bundledDirectory }

    /// `--data`, else the data a run or checkpoint whose metadata is `recorded` was trained on (a synthetic
    /// set, or a folder that still exists), else the bundled MNIST.
    func source(recorded: [String: String]) -> String {
        if data == nil, let trained = recorded["train.data"],
            trained.hasPrefix("synthetic:") || FileManager.default.fileExists(atPath: trained)
        {
            return trained
        }
        return source
    }

    /// The data for the model in `checkpoint`, whose metadata is `recorded` (see `source(recorded:)`),
    /// checked to have the model's image size (the error names both).
    func load(for model: VAEModel, checkpoint: String, recorded: [String: String]) throws -> TrainingData {
        let chosen = source(recorded: recorded)
        let loaded = try TrainingData.load(chosen)
        let c = model.configuration
        guard loaded.test.fits(c) else {
            throw DataError.mismatch(
                "\(chosen) has \(loaded.test.imageSize) images but \(checkpoint) takes \(c.imageSize) (see --data)")
        }
        return loaded
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
