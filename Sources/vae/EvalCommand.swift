import ArgumentParser
import Foundation
import VAE
import VAEBuildInfo

/// `vae eval`: the test loss (negative ELBO per image, z sampled) of a checkpoint, and its parts.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Evaluate a checkpoint on the test set.")

    @Option(
        help:
            "A model.safetensors written by `vae train` (or PyTorch's VAE example, saved with safetensors), or the run folder that holds it.",
        transform: checkpointInRunFolder)
    var checkpoint: String
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @Option(help: "test | train") var split = "test"
    @Option(name: .long, parsing: .unconditional, help: "Images per evaluation batch.") var batchSize = 128
    @Option(parsing: .unconditional, help: "Seed of the sampled z.") var seed: UInt64 = 1
    @Option(help: "Also estimate −log p(x) with K importance samples per image (the literature uses 5000).") var iwae:
        Int?
    @Option(parsing: .unconditional, help: "Evaluate only the first N images.") var limit: Int?
    @Option(
        help:
            "none | static | dynamic: evaluate on the fixed binarized test set (default: as the checkpoint was trained)."
    )
    var binarize: String?
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try reportingErrors {
            guard ["test", "train"].contains(split) else {
                throw ConfigurationError("--split must be test or train, got '\(split)'")
            }
            if let k = iwae { try ImportanceSampling.checkSampleCount(k) }
            if let n = limit { try require(n, atLeast: 1, "--limit") }
            try require(batchSize, atLeast: 1, "--batch-size")
            let device = try deviceOptions.open()
            let file = try SafeTensors(contentsOf: checkpoint)
            let model = try Checkpoint.load(file, name: checkpoint, device: device)
            let mode = binarize ?? file.metadata["vae.binarize"] ?? "none"
            guard let binarization = Binarization(rawValue: mode) else {
                throw ConfigurationError("--binarize must be none, static or dynamic, got '\(mode)'")
            }
            let mnist = try dataOptions.load(
                for: model, checkpoint: checkpoint, recorded: file.metadata, needsTraining: split == "train")
            var images = split == "test" ? mnist.test : mnist.train
            if let n = limit { images = images.prefix(n) }
            // Binarized models are judged on binary data: the fixed binarized set, as the literature does.
            if binarization != .none { images = images.binarized(seed: Binarization.testSetSeed) }
            var options = TrainingOptions()
            options.batchSize = batchSize
            options.seed = seed
            let trainer = try Trainer(model: model, train: images.prefix(1), test: images, options: options)
            let result = try trainer.evaluateTestSet()
            let statistics = try Explorer(model: model, images: images).latentStatistics(count: images.count)
            let active = ImportanceSampling.activeUnits(meanVariance: statistics.meanVariance)
            let perDimension = BitsPerDimension(
                likelihood: model.configuration.likelihood, binary: binarization != .none)
            let dimensions = images.valuesPerImage
            var nll: Double?
            if let k = iwae {
                let display = ProgressDisplay(epochs: 1, label: "IWAE-\(k)")
                let start = Date()
                nll = try ImportanceSampling.negativeLogLikelihood(
                    model, images: images, samples: k, batchSize: batchSize, seed: seed
                ) { done, all in
                    if !json {
                        display.update(
                            TrainingProgress(
                                epoch: 1, step: done, steps: all, samples: done,
                                seconds: Date().timeIntervalSince(start), loss: .nan))
                    }
                }
                display.finishLine()
            }
            if json {
                // The same keys for either split ("test_loss" stays as well, for the test split, as before).
                var object: [String: Any] = [
                    "loss": result.loss, "reconstruction": result.reconstruction, "kl": result.kl,
                    "split": split, "images": images.count, "checkpoint": checkpoint,
                    "kl_per_latent": statistics.kl, "active_units": active, "binarized": binarization != .none,
                    "model": Checkpoint.describe(model.configuration),
                    "likelihood": model.configuration.likelihood.rawValue, "device": "\(device.info)",
                    "version": BuildInfo.version,
                ]
                if split == "test" { object["test_loss"] = result.loss }
                object["bits_per_dim"] = perDimension.bits(nats: result.loss, dimensions: dimensions)
                object["bits_per_dim_note"] = perDimension.remark
                if let nll, let k = iwae {
                    object["iwae_nll"] = nll; object["iwae_samples"] = k
                    object["iwae_bits_per_dim"] = perDimension.bits(nats: nll, dimensions: dimensions)
                }
                let data = try JSONSerialization.data(
                    withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    String(
                        format: "%@ loss (−ELBO) %.4f (reconstruction %.4f, kl %.4f) over %d images", split,
                        result.loss,
                        result.reconstruction, result.kl, images.count))
                if let nll, let k = iwae {
                    print(String(format: "IWAE-%d estimate of −log p(x): %.4f nats per image", k, nll))
                }
                let bits =
                    [("−ELBO", result.loss)] + (iwae.flatMap { k in nll.map { ("IWAE-\(k)", $0) } }.map { [$0] } ?? [])
                print(
                    "bits per dimension (\(dimensions) values per image): "
                        + bits.map {
                            String(format: "%.4f", perDimension.bits(nats: $0.1, dimensions: dimensions)) + " (\($0.0))"
                        }
                        .joined(separator: ", ") + "; \(perDimension.remark)")
                print(
                    "active units: \(active) of \(statistics.kl.count); KL per latent: "
                        + statistics.kl.map { String(format: "%.2f", $0) }.joined(separator: " "))
            }
            try deviceOptions.checkValidation(device)
        }
    }
}
