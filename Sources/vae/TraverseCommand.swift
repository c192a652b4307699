import ArgumentParser
import VAE

/// `vae traverse`: each latent dimension swept over [−3, 3], most informative first.
struct TraverseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "traverse", abstract: "Sweep each latent dimension (rows sorted by KL, largest first).")
    @OptionGroup var options: ExploreOptions
    @Option(parsing: .unconditional, help: "The test image whose latent mean the other dimensions hold.") var image = 0
    @Option(parsing: .unconditional, help: "Values per dimension over [-3, 3].") var steps = 9

    func run() throws {
        try reportingErrors {
            let result = try options.explorer().traversal(image: image, steps: steps)
            try result.image.write(to: options.out)
            print("wrote \(options.out); rows are dimensions \(result.order.map(String.init).joined(separator: ","))")
        }
    }
}
