import Foundation
import VAECompute

/// Images kept on the device as rows of bytes, for minibatches gathered and scaled there. A set larger
/// than the largest tensor the device can bind (`DeviceInfo.maxTensorBytes`: lavapipe's 128 MiB, a
/// GPU's maxStorageBufferRange) is split into shards of whole images; a minibatch is then gathered with
/// one launch per shard, each filling the rows its shard holds, so the minibatch (and training) is the
/// same as from one tensor.
final class ResidentImages: ImageFeed {
    /// Each shard's tensor and the index of its first image.
    let shards: [(tensor: Tensor, base: Int)]
    let count: Int
    /// The pass's order, on the device: uploaded once per pass, so a step sends nothing.
    let order: Tensor
    let device: any ComputeDevice

    /// Uploads `images` to `device`, in shards of at most `maxShardBytes` (default: the device's limit).
    init(_ images: ImageDataset, on device: any ComputeDevice, maxShardBytes: Int? = nil) throws {
        let row = images.valuesPerImage
        let limit = min(device.info.maxTensorBytes, maxShardBytes ?? .max)
        guard row <= limit else {
            throw ComputeError.bufferTooLarge(device: device.info.name, requestedBytes: row, limit: limit)
        }
        let perShard = limit / row
        var shards: [(Tensor, Int)] = []
        for base in stride(from: 0, to: images.count, by: perShard) {
            let n = min(perShard, images.count - base)
            let tensor = try device.makeTensor(shape: [n, row], elementType: .uint8)
            let bytes = n == images.count ? images.images : Array(images.images[(base * row)..<((base + n) * row)])
            try device.upload(bytes, to: tensor)
            shards.append((tensor, base))
        }
        self.shards = shards
        count = images.count
        order = try device.makeTensor(shape: [images.count], elementType: .uint32)
        self.device = device
        try setOrder((0..<UInt32(images.count)).map { $0 })
    }

    func setOrder(_ order: [UInt32]) throws { try device.upload(order, to: self.order) }

    /// Launches the gathers of the minibatch the device's step counter points at: `(schedule[0] − stepBase)`
    /// minibatches of `x.rows` into the order, read when the launches run (for recorded, replayed steps).
    func gatherAtStep(schedule: Tensor, stepBase: Int, into x: Tensor, scale: Float = 1 / 255) throws {
        for (tensor, base) in shards {
            try device.launch(
                .gatherRowsAtStep(
                    src: tensor, indices: order, schedule: schedule, stepBase: stepBase, dst: x, scale: scale,
                    shard: shards.count == 1 ? nil : base))
        }
    }

    func gather(first: Int, into x: Tensor, scale: Float) throws {
        if shards.count == 1 {
            try device.launch(.gatherRows(src: shards[0].tensor, indices: order, first: first, dst: x, scale: scale))
            return
        }
        for (tensor, base) in shards {
            try device.launch(
                .gatherRows(src: tensor, indices: order, first: first, dst: x, scale: scale, shard: base))
        }
    }
}
