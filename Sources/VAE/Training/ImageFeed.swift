import Foundation
import VAECompute

/// Where a dataset's images are kept while a model trains on or is evaluated with them.
public enum DataPlacement: String, CaseIterable, Sendable {
    /// On the device when the images fit there beside the model, else in host memory.
    case automatic = "auto"
    /// Uploaded once and kept on the device (in shards where one tensor cannot hold them).
    case device
    /// Kept in host memory: each minibatch's images are gathered there and uploaded while the device
    /// still works on the steps before it.
    case host
}

/// A dataset's images as minibatches for a device: an order set once per pass (an epoch's shuffle), then
/// minibatches of consecutive positions in it gathered into a model's input and scaled. Both kinds give
/// the same input to the bit, so where the images live never changes a result.
protocol ImageFeed: AnyObject {
    /// Images in the dataset.
    var count: Int { get }
    /// The images' positions for the coming pass (a permutation of 0..<count).
    func setOrder(_ order: [UInt32]) throws
    /// Launches what fills `x` with `scale` × the images at positions `first..<first + x.rows` of the order.
    func gather(first: Int, into x: Tensor, scale: Float) throws
}

extension ImageFeed {
    func gather(first: Int, into x: Tensor) throws { try gather(first: first, into: x, scale: 1 / 255) }
}

/// Chooses where datasets live and makes their feeds.
enum ImageFeeds {
    /// Device bytes to keep `images` resident: their bytes and one order of uint32 indices.
    static func residentBytes(_ images: ImageDataset) throws -> Int {
        try CheckedSize.add(
            try CheckedSize.multiply(images.count, images.valuesPerImage, "the data"),
            try CheckedSize.multiply(images.count, 4, "the data"), "the data")
    }

    /// Bytes of the workspaces `model` still needs for passes over `sets` in batches of `batchSize`: one
    /// per minibatch size a pass meets (the full size and each set's remainder) that it does not have yet.
    static func workspaceBytes(_ model: VAEModel, sets: [ImageDataset], batchSize: Int) throws -> Int {
        var sizes = Set<Int>()
        for set in sets where set.count > 0 {
            sizes.insert(min(batchSize, set.count))
            if set.count % batchSize != 0 { sizes.insert(set.count % batchSize) }
        }
        return try sizes.filter { model.workspaces[$0] == nil }.reduce(0) {
            try CheckedSize.add($0, try model.configuration.workspaceBytes(batchSize: $1), "training")
        }
    }

    /// Resolves `placement` for `sets` trained in batches of `batchSize` beside `modelBytes` of model
    /// tensors: `.automatic` keeps the images on the device when everything fits there, else streams
    /// them. The chosen placement must fit, or the error says what was asked and what the device has.
    static func resolve(
        _ placement: DataPlacement, sets: [ImageDataset], batchSize: Int, modelBytes: Int,
        on device: any ComputeDevice, what: @autoclosure () -> String
    ) throws -> DataPlacement {
        var resident = modelBytes, streamed = modelBytes
        for set in sets {
            resident = try CheckedSize.add(resident, try residentBytes(set), "the data")
            let ring = try StreamedImages.deviceBytes(
                batchSize: min(batchSize, set.count), valuesPerImage: set.valuesPerImage)
            streamed = try CheckedSize.add(streamed, ring, "the data")
        }
        switch placement {
        case .device:
            do {
                try device.requireCapacity(resident, for: what())
            } catch let e as SizeError where (try? device.requireCapacity(streamed, for: "")) != nil {
                throw SizeError("\(e) (--data-placement host streams the images from host memory instead)")
            }
            return .device
        case .host:
            try device.requireCapacity(streamed, for: what() + " (images streamed from host memory)")
            return .host
        case .automatic:
            if (try? device.requireCapacity(resident, for: "")) != nil { return .device }
            try device.requireCapacity(streamed, for: what() + " (images streamed from host memory)")
            return .host
        }
    }

    /// The feed for `images` at a resolved placement (`.device` or `.host`).
    static func make(
        _ images: ImageDataset, placement: DataPlacement, batchSize: Int, on device: any ComputeDevice,
        maxShardBytes: Int? = nil
    ) throws -> any ImageFeed {
        switch placement {
        case .host:
            return try StreamedImages(images, batchSize: min(batchSize, max(images.count, 1)), on: device)
        case .device, .automatic:
            return try ResidentImages(images, on: device, maxShardBytes: maxShardBytes)
        }
    }
}
