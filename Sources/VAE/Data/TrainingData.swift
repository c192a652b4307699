import Foundation
import VAEFormats

/// The training and test images `--data` names (see `DataFormat`), or `synthetic:shapes`
/// (`SyntheticShapes`, 3×64×64, for the 64×64 models), with `DataRequest`'s transform applied and a test
/// part held out when the source has none.
public struct TrainingData: Sendable {
    public var train: ImageDataset
    public var test: ImageDataset

    public init(train: ImageDataset, test: ImageDataset) {
        self.train = train; self.test = test
    }

    /// Loads `source` with no transform, keeping the first `trainLimit` training and `testLimit` test images.
    public static func load(_ source: String, trainLimit: Int? = nil, testLimit: Int? = nil) throws -> TrainingData {
        var request = DataRequest(source: source)
        request.trainLimit = trainLimit; request.testLimit = testLimit
        return try load(request)
    }

    /// Loads what `request` asks for. `note` hears what a user should know (files skipped, a test part
    /// held out, images resized); `progress` hears how far decoding a folder has got.
    public static func load(
        _ request: DataRequest, progress: DataProgress? = nil, note: DataNote? = nil
    ) throws -> TrainingData {
        let source = request.source
        if source.hasPrefix("synthetic:") {
            guard source == SyntheticShapes.sourceName else {
                throw DataError.mismatch(
                    "--data \(source): no such synthetic set (there is \(SyntheticShapes.sourceName))")
            }
            let train = SyntheticShapes.make(
                count: min(request.trainLimit ?? .max, SyntheticShapes.trainCount), test: false)
            let test = SyntheticShapes.make(
                count: min(request.testLimit ?? .max, SyntheticShapes.testCount), test: true)
            return TrainingData(
                train: try train.transformed(request.transform, name: source),
                test: try test.transformed(request.transform, name: source))
        }
        let format = try request.format ?? recognise(source)
        var parts: (train: ImageDataset, test: ImageDataset?)
        var transformed = false
        switch format {
        case .idx:
            let mnist = try MNIST(directory: source)
            parts = (mnist.train, mnist.test)
        case .cifar:
            parts = try CIFARSource.load(source)
        case .npy:
            parts = try NumPySource.load(source, layout: request.layout)
        case .folder:
            parts = try FolderSource.load(request, progress: progress, note: note)
            transformed = true
        }
        if !transformed {
            parts.train = try parts.train.transformed(request.transform, name: source)
            parts.test = try parts.test.map { try $0.transformed(request.transform, name: source) }
        }
        var train = parts.train, test: ImageDataset
        if let t = parts.test {
            test = t
        } else {
            guard train.count >= 2 else {
                throw DataError.mismatch("\(source): \(train.count) image, too few to hold out a test part")
            }
            (train, test) = train.heldOut(fraction: request.testSplit)
            note?(
                "vae: note: \(source) has no test part; \(test.count) of its \(train.count + test.count) images (\(request.testSplit * 100)%) are held out as one (--test-split)"
            )
        }
        return TrainingData(
            train: request.trainLimit.map { train.prefix($0) } ?? train,
            test: request.testLimit.map { test.prefix($0) } ?? test)
    }

    /// The format of what `path` holds, or an error saying what was found and what is accepted.
    public static func recognise(_ path: String) throws -> DataFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError.missing(file: path)
        }
        let ext = (path as NSString).pathExtension.lowercased()
        if !isDirectory.boolValue {
            if ext == "npy" || ext == "npz" { return .npy }
            let what =
                ImageFormat.extensions.contains(ext)
                ? "one image; give the folder that holds the images"
                : ext == "bin"
                    ? "one CIFAR batch; give the folder that holds the batches"
                    : "a file of a kind --data does not read"
            throw DataError.mismatch("\(path) is \(what) (\(DataFormat.accepted))")
        }
        if MNIST.recognises(path) { return .idx }
        if CIFARSource.directory(in: path) != nil { return .cifar }
        if FolderSource.containsImages(path) { return .folder }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path))?.filter { !$0.hasPrefix(".") } ?? []
        let found =
            entries.isEmpty
            ? "nothing"
            : "\(entries.count) entries (\(entries.sorted().prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", …" : ""))"
        throw DataError.mismatch("\(path): found \(found) but no data; \(DataFormat.accepted)")
    }
}

extension ImageDataset {
    /// Whether the images are what the model `c` takes: the same values per image for an MLP (it sees a
    /// flat vector), the same channels, height and width for the convolutional models.
    public func fits(_ c: VAEConfiguration) -> Bool {
        valuesPerImage == c.inputSize
            && (c.architecture == .mlp || (channels, height, width) == (c.imageChannels, c.imageHeight, c.imageWidth))
    }
}
