import ArgumentParser
import Foundation
import VAE

/// `vae eval`: the test loss (negative ELBO per image, z sampled) of a checkpoint, and its parts.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate a checkpoint on the test set.")

    @Option(help: "A model.safetensors written by `vae train` (or PyTorch's VAE example, saved with safetensors).")
    var checkpoint: String
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @Option(help: "test | train") var split = "test"
    @Option(name: .long, help: "Images per evaluation batch.") var batchSize = 128
    @Option(help: "Seed of the sampled z.") var seed: UInt64 = 1
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try reportingErrors {
            guard ["test", "train"].contains(split) else { throw ConfigurationError("--split must be test or train, got '\(split)'") }
            let model = try Checkpoint.load(from: checkpoint, device: try deviceOptions.open())
            let mnist = try dataOptions.load()
            let images = split == "test" ? mnist.test : mnist.train
            var options = TrainingOptions()
            options.batchSize = batchSize
            options.seed = seed
            let trainer = try Trainer(model: model, train: images.prefix(1), test: images, options: options)
            let result = try trainer.evaluateTestSet()
            if json {
                let object: [String: Any] = ["test_loss": result.loss, "reconstruction": result.reconstruction, "kl": result.kl,
                                             "split": split, "images": images.count, "checkpoint": checkpoint]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(String(format: "%@ loss %.4f (reconstruction %.4f, kl %.4f) over %d images", split, result.loss,
                             result.reconstruction, result.kl, images.count))
            }
        }
    }
}
