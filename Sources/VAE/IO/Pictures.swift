/// The pictures a run writes.
public enum Pictures {
    /// `count` decoded draws from the prior, 8 per row.
    public static func samples(_ model: VAEModel, count: Int = 64, seed: UInt64) throws -> PNGImage {
        let c = model.configuration
        return PNGImage.grid(try model.sample(count: count, seed: seed), of: c, columns: 8)
    }

    /// The first `count` images of `images` in one row, their reconstructions in the row below.
    public static func reconstructions(_ model: VAEModel, images: ImageDataset, count: Int = 8) throws -> PNGImage {
        let originals = (0..<min(count, images.count)).map { images.image($0) }
        let c = model.configuration
        return PNGImage.grid(originals + (try model.reconstruct(originals)), of: c, columns: originals.count)
    }
}

extension PNGImage {
    /// A grid of images the model `c` takes or makes (grey or colour, as its images are).
    static func grid(_ images: [[Float]], of c: VAEConfiguration, columns: Int, padding: Int = 2) -> PNGImage {
        grid(
            images, imageHeight: c.imageHeight, imageWidth: c.imageWidth, channels: c.imageChannels, columns: columns,
            padding: padding)
    }
}
