import Foundation
import VAECompute

/// Images of one byte per value with labels: MNIST (grey) or any set in its format, or colour images
/// stored as channel planes (C×H×W per image, NCHW as the models read them).
public struct ImageDataset: Sendable {
    public var images: [UInt8]
    public var labels: [UInt8]
    public var count: Int
    public var height: Int
    public var width: Int
    /// 1 for grey, 3 for RGB.
    public var channels: Int

    /// Bytes per image: channels × height × width.
    public var valuesPerImage: Int { channels * height * width }

    public init(images: [UInt8], labels: [UInt8], count: Int, height: Int, width: Int, channels: Int = 1) {
        self.images = images; self.labels = labels; self.count = count; self.height = height; self.width = width
        self.channels = channels
    }

    /// The size of the images as messages name them: "28×28" (grey), "3×64×64" otherwise.
    public var imageSize: String { channels == 1 ? "\(height)×\(width)" : "\(channels)×\(height)×\(width)" }

    /// The values of image `i` scaled to [0, 1].
    public func image(_ i: Int) -> [Float] {
        images[(i * valuesPerImage)..<((i + 1) * valuesPerImage)].map { Float($0) / 255 }
    }

    /// The same images with each pixel drawn once as black or white, white with probability equal to its
    /// grey level, from Philox under `seed` (a fixed binarized set, reproducible anywhere).
    public func binarized(seed: UInt64) -> ImageDataset {
        let bits = Philox.words(count: images.count, counter: (0, 0, 0xB1_4A2E, 0), key: Philox.key(seed: seed))
        let out = zip(images, bits).map { pixel, word in Philox.uniform(word) < Double(pixel) / 255 ? UInt8(255) : 0 }
        return ImageDataset(
            images: out, labels: labels, count: count, height: height, width: width, channels: channels)
    }

    /// The first `n` images (for quick runs and tests).
    public func prefix(_ n: Int) -> ImageDataset {
        let n = min(n, count)
        return ImageDataset(
            images: Array(images[0..<(n * valuesPerImage)]), labels: Array(labels[0..<n]), count: n, height: height,
            width: width, channels: channels)
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
