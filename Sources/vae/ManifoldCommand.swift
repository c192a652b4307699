import ArgumentParser
import VAE

/// `vae manifold`: the decoded 2-D latent manifold.
struct ManifoldCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifold", abstract: "Draw the learned manifold of a 2-latent model.")
    @Option(
        help: "A model.safetensors with 2 latent dimensions, or the run folder that holds it.",
        transform: checkpointInRunFolder)
    var checkpoint: String
    @Option(help: "The PNG to write.") var out: String
    @Option(
        parsing: .unconditional,
        help: "Magnify every pixel N×N (1–16; default: an image about 84 pixels across, 3× for 28×28).")
    var scale: Int?
    @Option(parsing: .unconditional, help: "Images per side.") var size = 20
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try reportingErrors {
            if let scale { try Pictures.checkScale(scale) }
            try checkPictureOutput(out, inputs: [checkpoint])
            let model = try Checkpoint.load(from: checkpoint, device: try deviceOptions.open())
            try Explorer.manifold(model, size: size, scale: scale).write(to: out)
            print("wrote \(out): \(size)×\(size) manifold")
        }
    }
}
