import Foundation
import VAEFormats

/// The kinds of data `--data` reads; `--format` forces one, otherwise it is recognised from the path.
public enum DataFormat: String, Sendable, CaseIterable {
    /// MNIST-format IDX files (raw or gzip), labels optional.
    case idx
    /// A folder of PNG and JPEG images, searched recursively; class sub-folders are labels.
    case folder
    /// CIFAR-10 or CIFAR-100 binary batches.
    case cifar
    /// A NumPy `.npy` or `.npz` file.
    case npy

    /// What `--data` accepts, for messages.
    public static let accepted =
        "accepted are a folder of MNIST-format IDX files, a folder of PNG/JPEG images, CIFAR-10/100 binary batches, a .npy or .npz file, or synthetic:shapes"
}

/// How the axes of a 4-dimensional NumPy image array are ordered (`--layout`).
public enum ArrayLayout: String, Sendable, CaseIterable {
    /// Images × height × width × channels (Keras, Pillow, `np.stack` of images).
    case nhwc
    /// Images × channels × height × width (PyTorch).
    case nchw
}

/// Everything that decides which images `--data` gives: the source, its format, the transform, how a
/// test part is made when the source has none, and where decoded folders are cached.
public struct DataRequest: Sendable {
    public var source: String
    public var format: DataFormat?
    public var transform = ImageTransform()
    /// The fraction of a source without a test part that is held out as one (`--test-split`).
    public var testSplit = 0.1
    public var layout: ArrayLayout?
    /// Where decoded image folders are cached, or nil for no cache.
    public var cacheDirectory: String?
    public var trainLimit: Int?
    public var testLimit: Int?

    public init(source: String) { self.source = source }

    /// The default cache folder: `$XDG_CACHE_HOME/vulkanvae`, else `~/.cache/vulkanvae`.
    public static var defaultCacheDirectory: String? {
        let env = ProcessInfo.processInfo.environment
        if let xdg = env["XDG_CACHE_HOME"], !xdg.isEmpty {
            return (xdg as NSString).appendingPathComponent("vulkanvae")
        }
        if let home = env["HOME"], !home.isEmpty {
            return (home as NSString).appendingPathComponent(".cache/vulkanvae")
        }
        return nil
    }

    /// The options that change which images a source gives, as a user would type them (recorded with a
    /// run, so that commands reading its checkpoint see the same images): empty for the defaults.
    public var arguments: String {
        var parts: [String] = []
        if let format { parts.append("--format \(format.rawValue)") }
        if !transform.isIdentity { parts.append(transform.arguments) }
        if testSplit != 0.1 { parts.append("--test-split \(testSplit)") }
        if let layout { parts.append("--layout \(layout.rawValue)") }
        return parts.joined(separator: " ")
    }
}

/// A message for the user while data loads (a skipped file, a held-out test part): the CLI prints each
/// on its own line.
public typealias DataNote = @Sendable (String) -> Void
/// Progress of a long load: images done, images in all.
public typealias DataProgress = @Sendable (Int, Int) -> Void
