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
    /// Whether `labels` are classes from the source (false: all zero, the source had none).
    public var labelled: Bool

    /// Bytes per image: channels × height × width.
    public var valuesPerImage: Int { channels * height * width }

    public init(
        images: [UInt8], labels: [UInt8], count: Int, height: Int, width: Int, channels: Int = 1, labelled: Bool = true
    ) {
        self.images = images; self.labels = labels; self.count = count; self.height = height; self.width = width
        self.channels = channels; self.labelled = labelled
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
            images: out, labels: labels, count: count, height: height, width: width, channels: channels,
            labelled: labelled)
    }

    /// The first `n` images (for quick runs and tests).
    public func prefix(_ n: Int) -> ImageDataset {
        let n = min(n, count)
        return ImageDataset(
            images: Array(images[0..<(n * valuesPerImage)]), labels: Array(labels[0..<n]), count: n, height: height,
            width: width, channels: channels, labelled: labelled)
    }
}
