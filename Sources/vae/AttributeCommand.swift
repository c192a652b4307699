import ArgumentParser
import VAE

/// `vae attribute`: the attribute vector between two labels, applied to images of the first.
struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute", abstract: "Apply the attribute vector from one label to another.")
    @OptionGroup var options: ExploreOptions
    @Option(name: .customLong("from-label"), help: "The label whose images are changed.") var fromLabel: UInt8
    @Option(name: .customLong("to-label"), help: "The label they are moved toward.") var toLabel: UInt8
    @Option(parsing: .unconditional, help: "Images of --from-label, one per row.") var count = 8
    @Option(parsing: .unconditional, help: "Strengths from 0 to 1.") var steps = 8

    func run() throws {
        try reportingErrors {
            try require(count, atLeast: 1, "--count")
            try require(steps, atLeast: 2, "--steps")
            let explorer = try options.explorer()
            let result = try explorer.attribute(
                labels: explorer.images.labels, from: fromLabel, to: toLabel, count: count, steps: steps)
            try result.image.write(to: options.out)
            print("wrote \(options.out); attribute vector \(fromLabel) → \(toLabel) has norm \(result.norm)")
        }
    }
}
