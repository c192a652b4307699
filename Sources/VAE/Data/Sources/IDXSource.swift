import Foundation
import VAEFormats

extension ImageDataset {
    /// Reads an IDX images file (N×H×W) and, when there is one, its labels file, checking that they agree.
    public init(imagesPath: String, labelsPath: String?) throws {
        let images = try IDXFile(contentsOf: imagesPath, expectedRank: 3)
        let n = images.dimensions[0]
        var labels = [UInt8](repeating: 0, count: n)
        if let labelsPath {
            let file = try IDXFile(contentsOf: labelsPath, expectedRank: 1)
            guard file.dimensions[0] == n else {
                throw DataError.mismatch(
                    "\(imagesPath) has \(n) images but \(labelsPath) has \(file.dimensions[0]) labels")
            }
            labels = file.bytes
        }
        self.init(
            images: images.bytes, labels: labels, count: n, height: images.dimensions[1],
            width: images.dimensions[2], labelled: labelsPath != nil)
    }
}

/// MNIST-format files in a directory: the training images, and optionally their labels, the test images
/// and theirs, each gzip (`name.gz`) or raw, under MNIST's names (`train-images-idx3-ubyte`) or the
/// variants downloads use (`train-images.idx3-ubyte`). Fashion-MNIST and KMNIST use the same names.
public struct MNIST: Sendable {
    public var train: ImageDataset
    /// The test images; nil when the directory has none (`TrainingData.load` then holds out a test part).
    public var test: ImageDataset?

    /// The copy shipped with the project, relative to the working directory.
    public static let bundledDirectory = "Data/mnist"

    /// Whether `directory` holds MNIST-format training images.
    public static func recognises(_ directory: String) -> Bool {
        find(directory, "train-images", "idx3") != nil
    }

    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.missing(file: directory)
        }
        guard let trainImages = MNIST.find(directory, "train-images", "idx3") else {
            throw DataError.missing(file: (directory as NSString).appendingPathComponent("train-images-idx3-ubyte"))
        }
        train = try ImageDataset(
            imagesPath: trainImages, labelsPath: MNIST.find(directory, "train-labels", "idx1"))
        if let testImages = MNIST.find(directory, "t10k-images", "idx3") {
            let found = try ImageDataset(
                imagesPath: testImages, labelsPath: MNIST.find(directory, "t10k-labels", "idx1"))
            guard train.height == found.height, train.width == found.width else {
                throw DataError.mismatch(
                    "\(directory): training images are \(train.height)×\(train.width) but test images \(found.height)×\(found.width)"
                )
            }
            test = found
        } else {
            test = nil
        }
    }

    /// The path of `stem-idxN-ubyte` or `stem.idxN-ubyte`, gzip preferred, or nil when neither is there.
    static func find(_ directory: String, _ stem: String, _ idx: String) -> String? {
        for name in ["\(stem)-\(idx)-ubyte", "\(stem).\(idx)-ubyte"] {
            for suffix in [".gz", ""] {
                let path = (directory as NSString).appendingPathComponent(name + suffix)
                if FileManager.default.fileExists(atPath: path) { return path }
            }
        }
        return nil
    }
}
