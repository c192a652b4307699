import ArgumentParser
import VAE

/// What every exploration command takes: a checkpoint, the data (for test images), a device, an output.
struct ExploreOptions: ParsableArguments {
    @Option(help: "A model.safetensors, or the run folder that holds it.", transform: checkpointInRunFolder)
    var checkpoint: String
    @Option(help: "The PNG to write.") var out: String
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions

    func explorer() throws -> Explorer {
        try checkPictureOutput(out, inputs: [checkpoint])
        let file = try SafeTensors(contentsOf: checkpoint)
        let model = try Checkpoint.load(file, name: checkpoint, device: try deviceOptions.open())
        let data = try dataOptions.load(for: model, checkpoint: checkpoint, recorded: file.metadata)
        return try Explorer(model: model, images: data.test)
    }
}
