import ArgumentParser
import VAE

/// `vae jdiagram`: the J-diagram spanned by three test images.
struct JDiagramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jdiagram",
        abstract: "Draw the J-diagram of three test images (I top-left, J top-right, K bottom-left).")
    @OptionGroup var options: ExploreOptions
    @Option(help: "Three test image indices I,J,K.") var corners: String
    @Option(parsing: .unconditional, help: "Lattice points per side.") var size = 7

    func run() throws {
        try reportingErrors {
            let parts = corners.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 3, let i = parts[0], let j = parts[1], let k = parts[2] else {
                throw ConfigurationError("--corners takes three indices like 3,7,12, got '\(corners)'")
            }
            try options.explorer().jDiagram(corners: (i, j, k), size: size).image.write(to: options.out)
            print("wrote \(options.out): \(size)×\(size) J-diagram of images \(i), \(j), \(k)")
        }
    }
}
