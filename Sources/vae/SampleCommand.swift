import ArgumentParser
import VAE

/// `vae sample`: decode draws from the prior N(0, I) into a PNG grid.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Draw images from a trained model's prior.")

    @Option(help: "A model.safetensors, or the run folder that holds it.", transform: checkpointInRunFolder)
    var checkpoint: String
    @Option(help: "The PNG to write.") var out: String
    @Option(help: "How many images (8 per row).") var count = 64
    @Option(help: "Seed of the latent draws.") var seed: UInt64 = 1
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try reportingErrors {
            try require(count, atLeast: 1, "--count")
            try checkPictureOutput(out, inputs: [checkpoint])
            let model = try Checkpoint.load(from: checkpoint, device: try deviceOptions.open())
            let image = try Pictures.samples(model, count: count, seed: seed)
            try image.write(to: out)
            print("wrote \(out) (\(count) samples, \(image.width)×\(image.height))")
        }
    }
}
