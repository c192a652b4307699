import ArgumentParser
import CSignals
import Foundation
import VAEBuildInfo

/// `vae`: train, evaluate and sample variational autoencoders on Vulkan GPUs or the CPU.
@main
struct VAECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vae",
        abstract: "Train, evaluate and sample variational autoencoders on any Vulkan GPU, or on the CPU.",
        version: "vae \(BuildInfo.version)",
        subcommands: [
            TrainCommand.self, EvalCommand.self, SampleCommand.self, ReconstructCommand.self, InterpolateCommand.self,
            JDiagramCommand.self, AttributeCommand.self, TraverseCommand.self, ManifoldCommand.self, PlotCommand.self,
            BenchCommand.self, DevicesCommand.self, SelfTestCommand.self,
        ])

    /// Refuses arguments that are not valid UTF-8 before parsing (Swift's strings would replace the bad
    /// bytes, and a path would silently name another file), and reports a command line that does not parse
    /// in one line, as every other bad input is, rather than the parser's message followed by the usage.
    static func main() {
        if let index = firstArgumentNotUTF8() {
            note(
                "vae: error: argument \(index) is not valid UTF-8 (a path with such bytes cannot be used as given; rename the file)"
            )
            Glibc.exit(1)
        }
        vae_line_buffer_stdout()
        let command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            let code = exitCode(for: error)
            guard code != .success else { exit(withError: error) }  // --help, --version: the parser prints them
            let names = configuration.subcommands.compactMap { $0.configuration.commandName }
            let subcommand =
                CommandLine.arguments.dropFirst().first.flatMap { names.contains($0) ? " " + $0 : nil } ?? ""
            let hint = Suggestion.hint(
                arguments: Array(CommandLine.arguments.dropFirst()), subcommands: configuration.subcommands)
            note("vae: error: \(message(for: error)) (\(hint.map { $0 + "; " } ?? "")see 'vae\(subcommand) --help')")
            Glibc.exit(code.rawValue)
        }
        do {
            var runnable = command
            try runnable.run()
        } catch {
            exit(withError: error)
        }
    }
}
