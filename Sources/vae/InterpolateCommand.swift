import ArgumentParser
import VAE

/// `vae interpolate`: decode the path between the latents of two test images.
struct InterpolateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "interpolate", abstract: "Interpolate between two test images in latent space.")
    @OptionGroup var options: ExploreOptions
    @Option(parsing: .unconditional, help: "Index of the first test image.") var from: Int
    @Option(parsing: .unconditional, help: "Index of the second test image.") var to: Int
    @Option(parsing: .unconditional, help: "Points on the path, endpoints included.") var steps = 10
    @Option(help: "slerp | lerp") var method = "slerp"

    func run() throws {
        try reportingErrors {
            guard let m = Explorer.Method(rawValue: method) else {
                throw ConfigurationError("--method must be slerp or lerp, got '\(method)'")
            }
            let result = try options.explorer().interpolation(from: from, to: to, steps: steps, method: m)
            try result.image.write(to: options.out)
            print("wrote \(options.out): image \(from), \(steps) \(method) steps, image \(to)")
        }
    }
}
