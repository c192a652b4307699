import ArgumentParser

/// `vae`: train, evaluate and sample variational autoencoders on Vulkan GPUs or the CPU.
@main
struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train, evaluate and sample variational autoencoders on any Vulkan GPU, or on the CPU.",
        subcommands: [TrainCommand.self, EvalCommand.self, SampleCommand.self, ReconstructCommand.self, InterpolateCommand.self,
                      JDiagramCommand.self, AttributeCommand.self, TraverseCommand.self, ManifoldCommand.self, PlotCommand.self,
                      BenchCommand.self, DevicesCommand.self])
}
