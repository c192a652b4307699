import ArgumentParser
import VAE

/// `vae plot`: redraw a run's loss curves from its metrics.csv.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Draw a run's loss curves (loss.png) from its metrics.csv.")
    @Argument(help: "The run directory (with metrics.csv).") var runDirectory: String
    @Option(help: "The PNG to write (default RUN/loss.png).") var out: String?

    func run() throws {
        try reportingErrors {
            let path = runDirectory + "/metrics.csv"
            let log = try MetricsLog(contentsOf: path)
            guard !log.records.isEmpty else { throw DataError.missing(file: path) }
            let target = out ?? runDirectory + "/loss.png"
            try checkPictureOutput(
                target, inputs: [path, runDirectory + "/model.safetensors", runDirectory + "/optimizer.safetensors"])
            try LossCurve.draw(log.records).write(to: target)
            print("wrote \(target) (\(log.records.count) epochs)")
        }
    }
}
