import Foundation
import VAEFormats

extension ImageDataset {
    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) -> ImageDataset {
        var out = [UInt8]()
        out.reserveCapacity(indices.count * valuesPerImage)
        for i in indices { out.append(contentsOf: images[(i * valuesPerImage)..<((i + 1) * valuesPerImage)]) }
        return ImageDataset(
            images: out, labels: indices.map { labels[$0] }, count: indices.count, height: height, width: width,
            channels: channels, labelled: labelled)
    }

    /// The images with `transform` applied (each named `name` in errors), in parallel.
    public func transformed(_ transform: ImageTransform, name: String) throws -> ImageDataset {
        guard !transform.isIdentity, count > 0 else { return self }
        let (c, h, w) = try transform.outputShape(channels: channels, height: height, width: width, name: name)
        let size = c * h * w
        var out = [UInt8](repeating: 0, count: count * size)
        let source = self
        try out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let buffer = buffer
            let failure = LockedFirstError()
            DispatchQueue.concurrentPerform(iterations: min(count, 64)) { part in
                var i = part
                while i < source.count {
                    do {
                        let image = try transform.apply(
                            Array(source.images[(i * source.valuesPerImage)..<((i + 1) * source.valuesPerImage)]),
                            channels: source.channels, height: source.height, width: source.width, name: name)
                        for (k, v) in image.enumerated() { buffer[i * size + k] = v }
                    } catch { failure.record(error) }
                    i += 64
                }
            }
            try failure.rethrow()
        }
        return ImageDataset(
            images: out, labels: labels, count: count, height: h, width: w, channels: c, labelled: labelled)
    }

    /// Splits off a test part of `fraction` of the images (at least one, at most all but one), chosen by a
    /// fixed Philox permutation so that it is the same on every run and machine whatever `--seed` is;
    /// both parts keep the source's order.
    public func heldOut(fraction: Double) -> (train: ImageDataset, test: ImageDataset) {
        let n = count
        let testCount = min(max(Int((Double(n) * fraction).rounded()), 1), max(n - 1, 1))
        let order = Trainer.permutation(count: n, seed: 0x7E57_5B11, epoch: 0).map(Int.init)
        let test = order.prefix(testCount).sorted(), chosen = Set(test)
        return (subset((0..<n).filter { !chosen.contains($0) }), subset(test))
    }
}

/// The first error any of several threads met, kept under a lock.
final class LockedFirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var first: Error?
    func record(_ error: Error) { lock.withLock { if first == nil { first = error } } }
    func rethrow() throws { if let error = lock.withLock({ first }) { throw error } }
}
