import ArgumentParser
import VAE

/// `vae sample`: decode draws from the prior N(0, I) into a PNG grid.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Draw images from a trained model's prior.")

    @Option(help: "A model.safetensors, or the run folder that holds it.", transform: checkpointInRunFolder)
    var checkpoint: String
    @Option(help: "The PNG to write.") var out: String
    @Option(
        parsing: .unconditional,
        help: "Magnify every pixel N×N (1–16; default: an image about 84 pixels across, 3× for 28×28).")
    var scale: Int?
    @Option(parsing: .unconditional, help: "How many images (8 per row, at most 1024).") var count = 64
    @Option(parsing: .unconditional, help: "Seed of the latent draws.") var seed: UInt64 = 1
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try reportingErrors {
            try require(count, atLeast: 1, "--count")
            try requireCount(count)
            if let scale { try Pictures.checkScale(scale) }
            try checkPictureOutput(out, inputs: [checkpoint])
            let model = try Checkpoint.load(from: checkpoint, device: try deviceOptions.open())
            let image = try Pictures.samples(model, count: count, seed: seed, scale: scale)
            try image.write(to: out)
            print("wrote \(out) (\(count) samples, \(image.width)×\(image.height))")
        }
    }
}
