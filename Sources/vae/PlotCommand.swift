import ArgumentParser
import Foundation
import VAE

/// `vae plot`: redraw a run's loss curves from its metrics.csv, or compare several runs' on shared axes.
struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Draw a run's loss curves (loss.png) from its metrics.csv, or compare runs.",
        discussion: """
            One run: writes RUN/loss.png (train blue, test orange). Several runs: one colour per run, test thick \
            and train thin, named in a legend; --out is needed. Each run is its folder or its metrics.csv.
            """)
    @Argument(help: "Run folders (holding metrics.csv) or metrics.csv files.") var runs: [String]
    @Option(help: "The PNG to write (default RUN/loss.png for one run).") var out: String?

    func run() throws {
        try reportingErrors {
            guard !runs.isEmpty else { throw ConfigurationError("plot needs a run folder or a metrics.csv") }
            var curves: [(name: String, records: [EpochRecord])] = []
            var inputs: [String] = []
            for run in runs {
                var isDirectory: ObjCBool = false
                let exists = FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory)
                // A name that is nowhere is taken as a run folder unless it names a .csv, so the error names
                // the metrics.csv that was looked for.
                let isFolder = exists ? isDirectory.boolValue : !run.lowercased().hasSuffix(".csv")
                let path = isFolder ? (run as NSString).appendingPathComponent("metrics.csv") : run
                let log = try MetricsLog(contentsOf: path)
                guard !log.records.isEmpty else { throw DataError.missing(file: path) }
                let folder = (path as NSString).deletingLastPathComponent
                curves.append(((folder.isEmpty ? "." : folder as NSString).lastPathComponent, log.records))
                inputs += [path, folder + "/model.safetensors", folder + "/optimizer.safetensors"]
            }
            guard
                let target = out
                    ?? (runs.count == 1 ? (inputs[0] as NSString).deletingLastPathComponent + "/loss.png" : nil)
            else {
                throw ConfigurationError("plot of \(runs.count) runs needs --out naming the PNG to write")
            }
            try checkPictureOutput(target, inputs: inputs)
            try LossCurve.draw(runs: curves).write(to: target)
            let epochs = curves.map { String($0.records.count) }.joined(separator: ", ")
            print("wrote \(target) (\(curves.count == 1 ? "" : "\(curves.count) runs, ")\(epochs) epochs)")
        }
    }
}
