import Foundation
import VAECompute

/// Grey-level images (one byte per pixel) with labels: MNIST or any set in its format.
public struct ImageDataset: Sendable {
    public var images: [UInt8]
    public var labels: [UInt8]
    public var count: Int
    public var height: Int
    public var width: Int

    public var pixelsPerImage: Int { height * width }

    public init(images: [UInt8], labels: [UInt8], count: Int, height: Int, width: Int) {
        self.images = images; self.labels = labels; self.count = count; self.height = height; self.width = width
    }

    /// The pixels of image `i` scaled to [0, 1].
    public func image(_ i: Int) -> [Float] {
        images[(i * pixelsPerImage)..<((i + 1) * pixelsPerImage)].map { Float($0) / 255 }
    }

    /// The same images with each pixel drawn once as black or white, white with probability equal to its
    /// grey level, from Philox under `seed` (a fixed binarized set, reproducible anywhere).
    public func binarized(seed: UInt64) -> ImageDataset {
        let bits = Philox.words(count: images.count, counter: (0, 0, 0xB1_4A2E, 0), key: Philox.key(seed: seed))
        let out = zip(images, bits).map { pixel, word in Philox.uniform(word) < Double(pixel) / 255 ? UInt8(255) : 0 }
        return ImageDataset(images: out, labels: labels, count: count, height: height, width: width)
    }

    /// The first `n` images (for quick runs and tests).
    public func prefix(_ n: Int) -> ImageDataset {
        let n = min(n, count)
        return ImageDataset(
            images: Array(images[0..<(n * pixelsPerImage)]), labels: Array(labels[0..<n]), count: n, height: height,
            width: width)
    }

    /// Reads an images file and its labels file, checking that they agree.
    public init(imagesPath: String, labelsPath: String) throws {
        let images = try IDXFile(contentsOf: imagesPath, expectedRank: 3)
        let labels = try IDXFile(contentsOf: labelsPath, expectedRank: 1)
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DataError.mismatch(
                "\(imagesPath) has \(images.dimensions[0]) images but \(labelsPath) has \(labels.dimensions[0]) labels")
        }
        self.init(
            images: images.bytes, labels: labels.bytes, count: images.dimensions[0],
            height: images.dimensions[1], width: images.dimensions[2])
    }
}

/// MNIST's four files in a directory, gzip (`name.gz`) or raw (`name`).
public struct MNIST: Sendable {
    public var train: ImageDataset
    public var test: ImageDataset

    /// The copy shipped with the project, relative to the working directory.
    public static let bundledDirectory = "Data/mnist"

    public init(directory: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DataError.missing(file: directory)
        }
        func file(_ base: String) -> String {
            let gz = (directory as NSString).appendingPathComponent(base + ".gz")
            let raw = (directory as NSString).appendingPathComponent(base)
            return FileManager.default.fileExists(atPath: gz) || !FileManager.default.fileExists(atPath: raw) ? gz : raw
        }
        train = try ImageDataset(
            imagesPath: file("train-images-idx3-ubyte"), labelsPath: file("train-labels-idx1-ubyte"))
        test = try ImageDataset(imagesPath: file("t10k-images-idx3-ubyte"), labelsPath: file("t10k-labels-idx1-ubyte"))
        guard train.height == test.height, train.width == test.width else {
            throw DataError.mismatch(
                "\(directory): training images are \(train.height)×\(train.width) but test images \(test.height)×\(test.width)"
            )
        }
    }
}
