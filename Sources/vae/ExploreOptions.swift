import ArgumentParser
import VAE

/// What every exploration command takes: a checkpoint, the data (for test images), a device, an output.
struct ExploreOptions: ParsableArguments {
    @Option(help: "A model.safetensors, or the run folder that holds it.", transform: checkpointInRunFolder)
    var checkpoint: String
    @Option(help: "The PNG to write.") var out: String
    @Option(
        parsing: .unconditional,
        help: "Magnify every pixel N×N (1–16; default: an image about 84 pixels across, 3× for 28×28).")
    var scale: Int?
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func explorer() throws -> Explorer {
        if let scale { try Pictures.checkScale(scale) }
        try checkPictureOutput(out, inputs: [checkpoint])
        let file = try SafeTensors(contentsOf: checkpoint)
        let model = try Checkpoint.load(file, name: checkpoint, device: try deviceOptions.open())
        let data = try dataOptions.load(for: model, checkpoint: checkpoint, recorded: file.metadata)
        var explorer = try Explorer(model: model, images: data.test)
        explorer.scale = scale
        return explorer
    }
}
