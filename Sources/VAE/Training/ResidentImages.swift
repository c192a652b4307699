import Foundation
import VAECompute

/// Images kept on the device as rows of bytes, for minibatches gathered and scaled there. A set larger
/// than the largest tensor the device can bind (`DeviceInfo.maxTensorBytes`: lavapipe's 128 MiB, a
/// GPU's maxStorageBufferRange) is split into shards of whole images; a minibatch is then gathered with
/// one launch per shard, each filling the rows its shard holds, so the minibatch (and training) is the
/// same as from one tensor.
struct ResidentImages {
    /// Each shard's tensor and the index of its first image.
    let shards: [(tensor: Tensor, base: Int)]
    let count: Int

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
    }

    /// Launches the gathers that fill `x` with `scale` × the images `order[first..<first + x.rows]`.
    func gather(
        order: Tensor, first: Int, into x: Tensor, scale: Float = 1 / 255, on device: any ComputeDevice
    )
        throws
    {
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
