import ArgumentParser
import VAE

/// `vae reconstruct`: test images over their reconstructions.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct", abstract: "Show test images over their reconstructions.")

    @Option(help: "A model.safetensors, or the run folder that holds it.", transform: checkpointInRunFolder)
    var checkpoint: String
    @Option(help: "The PNG to write.") var out: String
    @Option(
        parsing: .unconditional,
        help: "Magnify every pixel N×N (1–16; default: an image about 84 pixels across, 3× for 28×28).")
    var scale: Int?
    @Option(
        parsing: .unconditional,
        help: "How many test images, from the first (8 per row, each over its reconstruction; at most 1024).")
    var count = 8
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func run() throws {
        try reportingErrors {
            try require(count, atLeast: 1, "--count")
            try requireCount(count)
            if let scale { try Pictures.checkScale(scale) }
            try checkPictureOutput(out, inputs: [checkpoint])
            let file = try SafeTensors(contentsOf: checkpoint)
            let model = try Checkpoint.load(file, name: checkpoint, device: try deviceOptions.open())
            let test = try dataOptions.load(for: model, checkpoint: checkpoint, recorded: file.metadata).test
            let image = try Pictures.reconstructions(model, images: test, count: count, scale: scale)
            try image.write(to: out)
            print("wrote \(out) (\(min(count, test.count)) test images over their reconstructions)")
        }
    }
}
