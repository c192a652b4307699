import Foundation
import VAEFormats

/// The MNIST shipped with VulkanVAE, found wherever `vae` runs from: the default `--data`.
public enum BundledData {
    /// The environment variable naming the folder that holds the bundled data sets (`$VAE_DATA/mnist`).
    public static let environmentVariable = "VAE_DATA"

    /// The running executable's real path (symbolic links resolved), when the system says.
    public static var executablePath: String? {
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        return path == "/proc/self/exe" ? nil : path
    }

    /// Where the bundled MNIST is looked for, in order: `$VAE_DATA/mnist`; `Data/mnist` in the working
    /// directory (a checkout); `Data/mnist` beside the executable or up to three folders above it (the
    /// portable `dist/`, and a checkout's `.build/<platform>/<configuration>/vae`); and an installed
    /// prefix's `share/vulkanvae/mnist` (for `PREFIX/bin/vae`).
    public static func mnistCandidates(
        environment: [String: String] = ProcessInfo.processInfo.environment, executable: String? = executablePath,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) -> [String] {
        var list: [String] = []
        if let root = environment[environmentVariable], !root.isEmpty {
            list.append((root as NSString).appendingPathComponent("mnist"))
        }
        list.append((workingDirectory as NSString).appendingPathComponent(MNIST.bundledDirectory))
        if let executable {
            var folder = (executable as NSString).deletingLastPathComponent
            for level in 0...3 {
                list.append((folder as NSString).appendingPathComponent(MNIST.bundledDirectory))
                if level == 1 { list.append((folder as NSString).appendingPathComponent("share/vulkanvae/mnist")) }
                folder = (folder as NSString).deletingLastPathComponent
            }
        }
        var seen = Set<String>()
        return list.map { ($0 as NSString).standardizingPath }.filter { seen.insert($0).inserted }
    }

    /// The first candidate that holds MNIST training images; otherwise an error naming every place tried
    /// and the ways to say where the data is.
    public static func mnist(
        environment: [String: String] = ProcessInfo.processInfo.environment, executable: String? = executablePath,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws -> String {
        let candidates = mnistCandidates(
            environment: environment, executable: executable, workingDirectory: workingDirectory)
        if let found = candidates.first(where: MNIST.recognises) { return found }
        throw DataError.mismatch(
            "the bundled MNIST is not in \(candidates.joined(separator: ", ")); pass --data with your data "
                + "(a folder of images, MNIST or CIFAR files, or a .npy/.npz) or set \(environmentVariable) to the folder holding mnist/"
        )
    }
}
