import ArgumentParser
import Foundation
import VAE
import VAECompute
import VAEVulkan

/// Options every command that computes shares.
struct DeviceOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "auto | cpu | vulkan (or gpu) | vulkan:N | part of a Vulkan device's name (see `vae devices`; auto never picks a CPU-emulated Vulkan device)."
    )
    var device = "auto"

    @Flag(name: .long, help: "Enable the Khronos validation layer (when installed) on Vulkan.")
    var validate = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Matrix products in full (f32) or mixed precision (f16 operands, f32 sums, on cooperative matrices).",
            discussion:
                "mixed needs a Vulkan device with VK_KHR_cooperative_matrix (`vae devices` lists its shapes) and a build "
                + "whose shader compiler knew the extension. It changes the numbers (operands keep 11 significant bits) "
                + "and is never chosen by itself; convolutions stay f32."))
    var precision: MatmulPrecision = .full

    /// Opens the device. `ranksOnThisMachine` > 1 (a data-parallel job): the CPU backend's threads are
    /// shared among the machine's ranks, and `auto` spreads the ranks over the machine's GPUs.
    func open(localRank: Int? = nil, ranksOnThisMachine: Int = 1) throws -> any ComputeDevice {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return try DeviceSpecifier(parsing: device).open(
            validation: validate, pipelineCache: DeviceSpecifier.pipelineCacheDirectory,
            cpuThreads: ranksOnThisMachine > 1 ? max(1, cores / ranksOnThisMachine) : nil, localRank: localRank,
            precision: precision)
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
            "A folder of PNG/JPEG images, MNIST-format IDX files or CIFAR batches, a .npy/.npz file, or synthetic:shapes.",
            discussion:
                "Default: for train and bench, the bundled MNIST; for commands that read a checkpoint, the data it was trained on (when that is still there), else the bundled MNIST. See README's \"Your own data\"."
        ))
    var data: String?

    @Option(
        name: .long, help: "idx | folder | cifar | npy: read --data as this (default: recognised from what it holds).")
    var format: String?

    @Option(name: .customLong("image-size"), help: "N or HxW: resize every image to this (antialiased).")
    var imageSize: String?

    @Option(
        name: .customLong("center-crop"), parsing: .unconditional,
        help: "N: keep the centred N×N square of each image, before resizing (CelebA: 148).")
    var centerCrop: Int?

    @Option(name: .long, parsing: .unconditional, help: "1 | 3: convert the images to grey or to RGB.")
    var channels: Int?

    @Option(
        name: .customLong("test-split"), parsing: .unconditional,
        help:
            "The fraction held out as the test set when the data has no test part (default 0.1; the same on every run)."
    )
    var testSplit: Double?

    @Option(
        name: .long, help: "nhwc | nchw: the axis order of a 4-dimensional NumPy array, when its shape does not say.")
    var layout: String?

    @Flag(name: .customLong("no-cache"), help: "Decode an image folder afresh and keep no cache of it.")
    var noCache = false

    /// What `--data` names, or the bundled MNIST (found wherever `vae` runs from; see `BundledData`).
    func source() throws -> String { try data ?? BundledData.mnist() }

    /// `--data`, else the data a run or checkpoint whose metadata is `recorded` was trained on (a synthetic
    /// set, or a folder that still exists), else the bundled MNIST.
    func source(recorded: [String: String]) throws -> String {
        if data == nil, let trained = recorded["train.data"],
            trained.hasPrefix("synthetic:") || FileManager.default.fileExists(atPath: trained)
        {
            return trained
        }
        return try source()
    }

    /// The request for `source(recorded:)`: the options a run recorded (`train.data_options`, so a model
    /// sees its images as it was trained on them), each overridden by the one given here.
    func request(recorded: [String: String] = [:], trainLimit: Int? = nil, testLimit: Int? = nil) throws -> DataRequest
    {
        var r = DataRequest(source: try source(recorded: recorded))
        if let options = recorded["train.data_options"], !options.isEmpty {
            let words = options.split(separator: " ").map(String.init)
            for pair in stride(from: 0, to: words.count - 1, by: 2) {
                try apply(words[pair], words[pair + 1], to: &r)
            }
        }
        if let format { try apply("--format", format, to: &r) }
        if let imageSize { try apply("--image-size", imageSize, to: &r) }
        if let centerCrop { try apply("--center-crop", String(centerCrop), to: &r) }
        if let channels { try apply("--channels", String(channels), to: &r) }
        if let testSplit { try apply("--test-split", String(testSplit), to: &r) }
        if let layout { try apply("--layout", layout, to: &r) }
        r.cacheDirectory = noCache ? nil : DataRequest.defaultCacheDirectory
        r.trainLimit = trainLimit; r.testLimit = testLimit
        return r
    }

    /// Sets one option of `r`, checked.
    private func apply(_ option: String, _ value: String, to r: inout DataRequest) throws {
        switch option {
        case "--format":
            guard let f = DataFormat(rawValue: value) else {
                throw ConfigurationError("--format must be idx, folder, cifar or npy, got '\(value)'")
            }
            r.format = f
        case "--image-size":
            let parts = value.lowercased().split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(parts.count), parts.allSatisfy({ ($0 ?? 0) > 0 && $0! <= 16_384 }) else {
                throw ConfigurationError("--image-size takes N or HxW, each 1 to 16384, got '\(value)'")
            }
            r.transform.size = .init(height: parts[0]!, width: parts.last!!)
        case "--center-crop":
            guard let n = Int(value), n > 0, n <= 16_384 else {
                throw ConfigurationError("--center-crop takes a side from 1 to 16384, got '\(value)'")
            }
            r.transform.centerCrop = n
        case "--channels":
            guard let n = Int(value), n == 1 || n == 3 else {
                throw ConfigurationError("--channels must be 1 (grey) or 3 (RGB), got '\(value)'")
            }
            r.transform.channels = n
        case "--test-split":
            guard let f = Double(value), f > 0, f < 1 else {
                throw ConfigurationError("--test-split must be a fraction between 0 and 1, got '\(value)'")
            }
            r.testSplit = f
        case "--layout":
            guard let l = ArrayLayout(rawValue: value) else {
                throw ConfigurationError("--layout must be nhwc or nchw, got '\(value)'")
            }
            r.layout = l
        default:
            throw ConfigurationError("the recorded data option \(option) is not one this vae knows")
        }
    }

    /// Loads what `request` asks for, with notes and a decoding progress line on stderr.
    /// `--data-placement`'s value.
    static func placement(_ name: String) throws -> DataPlacement {
        guard let p = DataPlacement(rawValue: name) else {
            throw ConfigurationError("--data-placement must be auto, device or host, got '\(name)'")
        }
        return p
    }

    static func load(_ request: DataRequest) throws -> TrainingData {
        let progress = CountProgress(decoding: request.source)
        defer { progress.finish() }
        return try TrainingData.load(request, progress: { progress.update($0, $1) }, note: { note($0) })
    }

    /// The data for the model in `checkpoint`, whose metadata is `recorded` (see `request(recorded:)`),
    /// checked to have the model's image size (the error names both). Commands that show test images only
    /// (`needsTraining` false) skip drawing the synthetic set's 10,000 training images.
    func load(
        for model: VAEModel, checkpoint: String, recorded: [String: String], needsTraining: Bool = false
    ) throws -> TrainingData {
        var r = try request(recorded: recorded)
        if !needsTraining && r.source == SyntheticShapes.sourceName { r.trainLimit = 1 }
        let loaded = try Self.load(r)
        let c = model.configuration
        guard loaded.test.fits(c) else {
            throw DataError.mismatch(
                "\(r.source) has \(loaded.test.imageSize) images but \(checkpoint) takes \(c.imageSize) (see --data and --image-size)"
            )
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

/// `--checkpoint` takes a run folder for its model.safetensors (`vae eval --checkpoint runs/x`), as well as the
/// file itself.
func checkpointInRunFolder(_ path: String) -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
        return path
    }
    return (path as NSString).appendingPathComponent("model.safetensors")
}

extension MatmulPrecision: ExpressibleByArgument {}
