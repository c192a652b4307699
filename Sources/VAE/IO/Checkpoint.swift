import Foundation
import VAECompute

/// Model checkpoints as safetensors files.
///
/// Tensor names: a model with one hidden layer uses the state_dict names of PyTorch's VAE example —
/// `fc1` (encoder), `fc21` (mu), `fc22` (logvar), `fc3` (decoder), `fc4` (output), each `.weight`
/// [out, in] and `.bias` [out] — so checkpoints move between this tool and PyTorch both ways. Other depths
/// name hidden layers `encoder.N` and `decoder.N` (N from 0, input side first) and keep `fc21`, `fc22`,
/// `fc4` for the heads and the output. The convolutional architectures use the names of their PyTorch
/// modules' `state_dict` (`encoder.0.weight`, `mu.bias`, `decoder.7.weight`, …; docs/architectures.md).
/// The configuration goes in `__metadata__` (`vae.*` keys, `vae.arch` naming the architecture; files
/// from before it are MLPs); a file without it (saved by PyTorch) is read by inferring the architecture
/// from the names and shapes.
///
/// Adam's moments and the step counter live beside it in `optimizer.safetensors`, so `--resume`
/// continues exactly where training stopped.
public enum Checkpoint {
    static func layerName(_ role: LayerRole, depth: Int) -> String {
        switch role {
        case let .encoder(i): return depth == 1 ? "fc1" : "encoder.\(i)"
        case .mu: return "fc21"
        case .logvar: return "fc22"
        case .heads: return "fc21+fc22"  // (run as one layer; saved as the two above)
        case let .decoder(i): return depth == 1 ? "fc3" : "decoder.\(i)"
        case .output: return "fc4"
        }
    }

    /// The model's parameters and configuration.
    public static func contents(of model: VAEModel, metadata extra: [String: String] = [:]) throws -> SafeTensors {
        let c = model.configuration
        var file = SafeTensors()
        for p in model.trainedParameters {
            file.tensors[p.name] = .init(shape: p.value.shape, values: try model.device.download(p.value))
        }
        for b in model.bufferTensors {
            file.tensors[b.name] = .init(shape: b.tensor.shape, values: try model.device.download(b.tensor))
        }
        // PyTorch counts BatchNorm2d's training forward passes in an int64 scalar; here every one is a step.
        let counters = try batchCounterNames(c)
        if !counters.isEmpty {
            let steps = Int64(try model.step())
            for name in counters { file.tensors[name] = .init(shape: [], integers: [steps]) }
        }
        file.metadata = [
            "format": "vulkanvae", "vae.arch": c.architecture.rawValue,
            "vae.input": String(c.inputSize), "vae.hidden": c.hidden.map(String.init).joined(separator: ","),
            "vae.channels": String(c.imageChannels),
            "vae.conv_channels": c.convChannels.map(String.init).joined(separator: ","),
            "vae.latent": String(c.latent), "vae.likelihood": c.likelihood.rawValue,
            "vae.activation": c.activation.description,
            "vae.batch_norm": c.batchNorm ? "1" : "0",
            "vae.gaussian_log_variance": String(c.gaussianLogVariance),
            "vae.learned_variance": c.learnedVariance ? "1" : "0",
            "vae.image_height": String(c.imageHeight),
            "vae.image_width": String(c.imageWidth),
        ].merging(extra) { $1 }
        return file
    }

    /// Writes the model (atomically) to `path`.
    public static func save(_ model: VAEModel, to path: String, metadata: [String: String] = [:]) throws {
        try contents(of: model, metadata: metadata).write(to: path)
    }

    /// Reads a checkpoint's configuration: from its metadata, else inferred from its tensor shapes.
    public static func configuration(of file: SafeTensors, name: String) throws -> VAEConfiguration {
        func bad(_ reason: String) -> DataError {
            .corrupt(file: name, reason: "not a VAE checkpoint this tool can read: \(reason)")
        }
        let m = file.metadata
        if m["format"] == "vulkanvae" {
            func size(_ key: String) throws -> Int {
                guard let text = m[key] else { throw bad("incomplete vae.* metadata (no \(key))") }
                guard let value = Int(text), value > 0 else { throw bad("\(key) is '\(text)', not a positive size") }
                return value
            }
            let (input, latent) = (try size("vae.input"), try size("vae.latent"))
            let (height, width) = (try size("vae.image_height"), try size("vae.image_width"))
            let channels = m["vae.channels"] == nil ? 1 : try size("vae.channels")
            guard let architecture = Architecture(rawValue: m["vae.arch"] ?? "mlp") else {
                throw bad(
                    "vae.arch is '\(m["vae.arch"] ?? "")'; this tool knows \(Architecture.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            guard let hiddenText = m["vae.hidden"] else { throw bad("incomplete vae.* metadata (no vae.hidden)") }
            let hidden: [Int], convChannels: [Int]
            do { hidden = try VAEConfiguration.parseSizes(hiddenText, option: "vae.hidden") } catch {
                throw bad("\(error)")
            }
            do {
                convChannels = try VAEConfiguration.parseSizes(
                    m["vae.conv_channels"] ?? "", option: "vae.conv_channels")
            } catch {
                throw bad("\(error)")
            }
            guard let likelihood = Likelihood(rawValue: m["vae.likelihood"] ?? "bernoulli") else {
                throw bad("unknown likelihood")
            }
            guard
                let activation = Activation.allCases.first(where: { $0.description == (m["vae.activation"] ?? "relu") })
            else {
                throw bad("unknown activation \(m["vae.activation"] ?? "")")
            }
            let logVarianceText = m["vae.gaussian_log_variance"] ?? "0"
            guard let logVariance = Float(logVarianceText), logVariance.isFinite else {
                throw bad("vae.gaussian_log_variance is '\(logVarianceText)', not a finite number")
            }
            guard let learned = ["0": false, "1": true][m["vae.learned_variance"] ?? "0"] else {
                throw bad("vae.learned_variance is '\(m["vae.learned_variance"] ?? "")', not 0 or 1")
            }
            guard let batchNorm = ["0": false, "1": true][m["vae.batch_norm"] ?? "0"] else {
                throw bad("vae.batch_norm is '\(m["vae.batch_norm"] ?? "")', not 0 or 1")
            }
            return VAEConfiguration(
                architecture: architecture, inputSize: input, hidden: hidden, convChannels: convChannels,
                latent: latent,
                likelihood: likelihood, activation: activation, batchNorm: batchNorm, gaussianLogVariance: logVariance,
                learnedVariance: learned,
                imageChannels: channels, imageHeight: height, imageWidth: width)
        }
        if let first = file.tensors["encoder.0.weight"], first.shape.count == 4 {
            return try convolutional(file, bad: bad)
        }
        // A PyTorch state_dict: read the architecture off the shapes.
        guard let mu = file.tensors["fc21.weight"], mu.shape.count == 2 else {
            throw bad("no fc21.weight (the mu head)")
        }
        var hidden: [Int] = []
        if let fc1 = file.tensors["fc1.weight"], fc1.shape.count == 2 {
            hidden = [fc1.shape[0]]
        } else {
            var i = 0
            while let e = file.tensors["encoder.\(i).weight"], e.shape.count == 2 { hidden.append(e.shape[0]); i += 1 }
        }
        guard let out = file.tensors["fc4.weight"], out.shape.count == 2 else {
            throw bad("no fc4.weight (the output layer)")
        }
        let input = out.shape[0]
        let side = Int(Double(input).squareRoot().rounded())
        let (h, w) = side * side == input ? (side, side) : (1, input)
        return VAEConfiguration(inputSize: input, hidden: hidden, latent: mu.shape[0], imageHeight: h, imageWidth: w)
    }

    /// A PyTorch `state_dict` of a convolutional preset: the architecture from its Sequential's names and
    /// shapes (conv28: 4×4 Conv2d weights, then Linear ones, in `encoder`; conv64: 3×3 Conv2d weights, each
    /// followed by a BatchNorm2d when `encoder.1.running_mean` is there); `load` then checks every tensor.
    /// A conv64 state_dict does not say which activation it was trained with: LeakyReLU, its default, is assumed.
    static func convolutional(_ file: SafeTensors, bad: (String) -> DataError) throws -> VAEConfiguration {
        var convChannels: [Int] = [], hidden: [Int] = [], channels = 0, kernel = 0
        let batchNorm = file.tensors["encoder.1.running_mean"] != nil
        let positions = file.tensors.keys.compactMap { key -> Int? in
            guard key.hasPrefix("encoder."), key.hasSuffix(".weight") else { return nil }
            return Int(key.dropFirst("encoder.".count).dropLast(".weight".count))
        }.sorted()
        for position in positions {
            let w = file.tensors["encoder.\(position).weight"]!
            if w.shape.count == 4 {
                if convChannels.isEmpty { (channels, kernel) = (w.shape[1], w.shape[2]) }
                guard hidden.isEmpty, [3, 4].contains(kernel), w.shape[2] == kernel, w.shape[3] == kernel else {
                    throw bad("encoder.\(position).weight \(w.shape) fits no preset")
                }
                convChannels.append(w.shape[0])
            } else if w.shape.count == 2 {
                hidden.append(w.shape[0])
            } else if w.shape.count != 1 || !batchNorm {  // (BatchNorm2d weights are vectors)
                throw bad("encoder.\(position).weight has shape \(w.shape)")
            }
        }
        guard let mu = file.tensors["mu.weight"], mu.shape.count == 2 else { throw bad("no mu.weight (the mu head)") }
        guard channels > 0, channels <= 1 << 16 else { throw bad("encoder.0.weight has \(channels) input channels") }
        let architecture: Architecture = kernel == 3 ? .conv64 : .conv28
        let side = architecture.imageSide!
        let (input, overflow) = (side * side).multipliedReportingOverflow(by: channels)
        guard !overflow else { throw bad("encoder.0.weight has \(channels) input channels") }
        return VAEConfiguration(
            architecture: architecture, inputSize: input, hidden: hidden, convChannels: convChannels,
            latent: mu.shape[0], batchNorm: batchNorm, imageChannels: channels, imageHeight: side, imageWidth: side)
    }

    /// A checkpoint's `__metadata__` (what training recorded: epoch, seed, binarization, …).
    public static func metadata(at path: String) throws -> [String: String] {
        try SafeTensors(contentsOf: path).metadata
    }

    /// Loads a checkpoint onto `device`, checking that every tensor is present with the right shape and
    /// that nothing else is in the file.
    ///
    /// The model the metadata describes is checked against the tensors in the file before anything is
    /// made: every parameter must be there with its shape (so the model is no larger than the file), and
    /// every value must be finite (a NaN or infinite weight would draw black pictures or NaN losses).
    public static func load(from path: String, device: any ComputeDevice) throws -> VAEModel {
        try load(try SafeTensors(contentsOf: path), name: path, device: device)
    }

    /// `load(from:device:)` for a file already read (callers that also want its metadata read it once);
    /// `path` names it in errors.
    public static func load(_ file: SafeTensors, name path: String, device: any ComputeDevice) throws -> VAEModel {
        let config = try configuration(of: file, name: path)
        do { try config.validate() } catch {
            throw DataError.corrupt(file: path, reason: "describes a model that cannot be built (\(error))")
        }
        let floats = try parameterShapes(config) + bufferShapes(config), counters = try batchCounterNames(config)
        func present(_ name: String, _ shape: [Int], _ dtype: SafeTensors.DType) throws -> SafeTensors.Entry {
            guard let entry = file.tensors[name] else {
                throw DataError.corrupt(file: path, reason: "missing tensor \(name) for a \(describe(config)) model")
            }
            guard entry.shape == shape else {
                throw DataError.corrupt(
                    file: path,
                    reason: "tensor \(name) has shape \(entry.shape), a \(describe(config)) model needs \(shape)")
            }
            guard entry.dtype == dtype else {
                throw DataError.corrupt(
                    file: path, reason: "tensor \(name) is \(entry.dtype.rawValue), it must be \(dtype.rawValue)")
            }
            return entry
        }
        for (name, shape) in floats {
            let entry = try present(name, shape, .f32)
            if let bad = entry.values.firstIndex(where: { !$0.isFinite }) {
                throw DataError.corrupt(
                    file: path,
                    reason: "tensor \(name) holds a non-finite value (\(entry.values[bad]) at element \(bad)): "
                        + "the model diverged or the file is damaged")
            }
            // A variance below zero would make batch norm divide by the square root of a negative number.
            if name.hasSuffix(".running_var"), let bad = entry.values.firstIndex(where: { $0 < 0 }) {
                throw DataError.corrupt(
                    file: path,
                    reason: "tensor \(name) holds a negative variance (\(entry.values[bad]) at element \(bad))")
            }
        }
        for name in counters {
            let count = try present(name, [], .i64).integers[0]
            guard count >= 0 else {
                throw DataError.corrupt(file: path, reason: "tensor \(name) counts \(count) batches")
            }
        }
        let expected = Set(floats.map(\.name) + counters)
        if let extra = Set(file.tensors.keys).subtracting(expected).sorted().first {
            throw DataError.corrupt(
                file: path, reason: "unexpected tensor \(extra): not a checkpoint of a \(describe(config)) model")
        }
        let model = try VAEModel(config, device: device, seed: 0)
        for p in model.trainedParameters { try device.upload(file.tensors[p.name]!.values, to: p.value) }
        for b in model.bufferTensors { try device.upload(file.tensors[b.name]!.values, to: b.tensor) }
        return model
    }

    /// The name and shape of every trained tensor of a model of `config`, in the model's order, from the
    /// configuration alone (nothing is allocated).
    static func parameterShapes(_ config: VAEConfiguration) throws -> [(name: String, shape: [Int])] {
        try config.plan().all.flatMap { layer -> [(name: String, shape: [Int])] in
            [("\(layer.name).weight", layer.weightShape), ("\(layer.name).bias", [layer.biasCount])]
        } + (config.learnedVariance ? [(PixelLogVariance.checkpointName, [config.inputSize])] : [])
    }

    /// The name and shape of every saved float tensor that is not trained (BatchNorm2d's running mean and
    /// variance), from the configuration alone.
    static func bufferShapes(_ config: VAEConfiguration) throws -> [(name: String, shape: [Int])] {
        try config.plan().all.filter(\.isBatchNorm).flatMap { layer -> [(name: String, shape: [Int])] in
            [("\(layer.name).running_mean", [layer.biasCount]), ("\(layer.name).running_var", [layer.biasCount])]
        }
    }

    /// BatchNorm2d's `num_batches_tracked` scalars (int64, as PyTorch saves them).
    static func batchCounterNames(_ config: VAEConfiguration) throws -> [String] {
        try config.plan().all.filter(\.isBatchNorm).map { "\($0.name).num_batches_tracked" }
    }

    /// The architecture in a few words: layer sizes for an MLP ("784-400-20"), the preset with its
    /// sizes otherwise ("conv28 1×28×28, channels 32,64, dense 256, latent 20"; conv64 says whether it
    /// has batch norm).
    public static func describe(_ c: VAEConfiguration) -> String {
        func list(_ v: [Int]) -> String { v.isEmpty ? "none" : v.map(String.init).joined(separator: ",") }
        switch c.architecture {
        case .mlp: return ([c.inputSize] + c.hidden + [c.latent]).map(String.init).joined(separator: "-")
        case .conv28, .conv64:
            let extras = c.architecture == .conv64 ? (c.batchNorm ? ", batch norm" : ", no batch norm") : ""
            return
                "\(c.architecture.rawValue) \(c.imageChannels)×\(c.imageHeight)×\(c.imageWidth), channels \(list(c.convChannels)), dense \(list(c.hidden)), latent \(c.latent)\(extras)"
        }
    }

    // MARK: Optimizer state

    /// The optimizer file that goes with a checkpoint at `path`.
    public static func optimizerPath(for path: String) -> String {
        (URL(filePath: path).deletingLastPathComponent().appending(path: "optimizer.safetensors")).path
    }

    /// Saves Adam's moments, the step counter and the learning rate, plus `metadata` (the epoch).
    public static func saveOptimizer(_ model: VAEModel, to path: String, metadata: [String: String]) throws {
        try optimizerContents(of: model, metadata: metadata).write(to: path)
    }

    /// Adam's moments, the step counter and the learning rate as a safetensors file.
    public static func optimizerContents(of model: VAEModel, metadata: [String: String]) throws -> SafeTensors {
        var file = SafeTensors()
        for p in model.trainedParameters {
            file.tensors["\(p.name).exp_avg"] = .init(shape: p.m.shape, values: try model.device.download(p.m))
            file.tensors["\(p.name).exp_avg_sq"] = .init(shape: p.v.shape, values: try model.device.download(p.v))
        }
        let schedule = try model.device.downloadUInt32(model.schedule)
        file.metadata = metadata.merging([
            "step": String(schedule[0]), "learning_rate": String(Float(bitPattern: schedule[1])),
        ]) { $1 }
        return file
    }

    /// Restores what `saveOptimizer` wrote; returns its metadata.
    public static func loadOptimizer(from path: String, into model: VAEModel) throws -> [String: String] {
        let file = try SafeTensors(contentsOf: path)
        var checked: [(SafeTensors.Entry, TensorSlice)] = []
        for p in model.trainedParameters {
            for (suffix, tensor) in [("exp_avg", p.m), ("exp_avg_sq", p.v)] {
                guard let e = file.tensors["\(p.name).\(suffix)"], e.shape == tensor.shape else {
                    throw DataError.corrupt(
                        file: path, reason: "optimizer state does not match the model (\(p.name).\(suffix))")
                }
                // Adam's second moment is a running mean of squares: never negative.
                guard e.values.allSatisfy({ $0.isFinite && (suffix == "exp_avg" || $0 >= 0) }) else {
                    throw DataError.corrupt(
                        file: path,
                        reason: "tensor \(p.name).\(suffix) holds values Adam cannot have (non-finite or negative)")
                }
                checked.append((e, tensor))
            }
        }
        guard let step = file.metadata["step"].flatMap(UInt32.init),
            let lr = file.metadata["learning_rate"].flatMap(Float.init),
            lr >= 0, lr.isFinite
        else {
            throw DataError.corrupt(
                file: path, reason: "optimizer state lacks its step or a learning rate (a finite number ≥ 0)")
        }
        for (e, tensor) in checked { try model.device.upload(e.values, to: tensor) }
        try model.device.upload([step, lr.bitPattern], to: model.schedule)
        model.scheduledRate = lr
        return file.metadata
    }
}
