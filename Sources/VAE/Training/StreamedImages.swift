import Foundation
import VAECompute

/// Images kept in host memory, for sets that do not fit the device beside the model: each minibatch's
/// images are copied, in the pass's order, into one of a few device tensors of one minibatch each and
/// gathered and scaled from there. The copy is recorded in the stream like a launch, so the host prepares
/// minibatch i + 1 while the device still works on minibatch i, and no step waits for the device.
///
/// The ring has more slots than the backends keep submissions in flight (Vulkan: 3), so a slot is
/// usually free again when its turn comes and the copy goes straight into mapped memory; when it is still
/// in use the backend stages the copy instead, and the order of work keeps it correct either way.
final class StreamedImages: ImageFeed {
    /// Minibatch tensors used in turn.
    static let ringDepth = 4

    let images: ImageDataset
    let batchSize: Int
    let device: any ComputeDevice
    private let ring: [Tensor]
    /// 0, 1, …, batchSize − 1: a minibatch tensor already holds its images in order.
    private let identity: Tensor
    private var order: [UInt32]
    private var next = 0
    /// Where a minibatch is assembled before its upload (kept to avoid an allocation per step).
    private var assembly: [UInt8]

    var count: Int { images.count }

    /// Device bytes the ring and its index take for minibatches of `batchSize` images.
    static func deviceBytes(batchSize: Int, valuesPerImage: Int) throws -> Int {
        let batch = try CheckedSize.multiply(batchSize, valuesPerImage, "a minibatch")
        return try CheckedSize.add(
            try CheckedSize.multiply(batch, ringDepth, "the minibatch ring"),
            try CheckedSize.multiply(batchSize, 4, "the minibatch ring"), "the minibatch ring")
    }

    init(_ images: ImageDataset, batchSize: Int, on device: any ComputeDevice) throws {
        precondition(batchSize > 0)
        self.images = images
        self.batchSize = batchSize
        self.device = device
        let row = images.valuesPerImage
        ring = try (0..<Self.ringDepth).map { _ in try device.makeTensor(shape: [batchSize, row], elementType: .uint8) }
        identity = try device.makeTensor(shape: [batchSize], elementType: .uint32)
        try device.upload((0..<UInt32(batchSize)).map { $0 }, to: identity)
        order = (0..<UInt32(images.count)).map { $0 }
        assembly = [UInt8](repeating: 0, count: try CheckedSize.multiply(batchSize, row, "a minibatch"))
    }

    func setOrder(_ order: [UInt32]) throws {
        precondition(order.count == images.count && order.allSatisfy { Int($0) < images.count })
        self.order = order
    }

    func gather(first: Int, into x: Tensor, scale: Float) throws {
        let rows = x.shape[0], row = images.valuesPerImage
        guard rows <= batchSize, first >= 0, first + rows <= order.count, x.count == rows * row else {
            throw ComputeError.invalidArguments(
                kernel: "stream images",
                reason: "rows \(first)..<\(first + rows) of \(order.count) into \(x) (minibatches of \(batchSize))")
        }
        let slot = ring[next]
        next = (next + 1) % ring.count
        let bytes = rows * row
        assembly.withUnsafeMutableBytes { out in
            images.images.withUnsafeBytes { all in
                for r in 0..<rows {
                    let source = Int(order[first + r]) * row
                    out.baseAddress!.advanced(by: r * row).copyMemory(
                        from: all.baseAddress!.advanced(by: source), byteCount: row)
                }
            }
        }
        try assembly.withUnsafeBytes { try device.write(UnsafeRawBufferPointer(rebasing: $0[0..<bytes]), to: slot) }
        try device.launch(.gatherRows(src: slot, indices: identity, first: 0, dst: x, scale: scale))
    }
}
