import ArgumentParser
import CSignals
import Foundation

/// `vae`: train, evaluate and sample variational autoencoders on Vulkan GPUs or the CPU.
@main
struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train, evaluate and sample variational autoencoders on any Vulkan GPU, or on the CPU.",
        subcommands: [TrainCommand.self, EvalCommand.self, SampleCommand.self, ReconstructCommand.self, InterpolateCommand.self,
                      JDiagramCommand.self, AttributeCommand.self, TraverseCommand.self, ManifoldCommand.self, PlotCommand.self,
                      BenchCommand.self, DevicesCommand.self])

    /// Refuses arguments that are not valid UTF-8 before parsing: Swift's strings would replace the bad
    /// bytes, and a path would silently name another file.
    static func main() {
        if let index = firstArgumentNotUTF8() {
            note("vae: error: argument \(index) is not valid UTF-8 (a path with such bytes cannot be used as given; rename the file)")
            Glibc.exit(1)
        }
        vae_line_buffer_stdout()
        main(nil)
    }
}
