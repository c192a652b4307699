/// The pictures a run writes.
public enum Pictures {
    /// The magnification pictures use unless asked otherwise: an image at least about 84 pixels on its
    /// longer side (a 28×28 digit 3×, a 64×64 image 2×), so a picture is made to be looked at.
    public static func defaultScale(for c: VAEConfiguration) -> Int {
        let side = max(1, c.imageHeight, c.imageWidth)
        return max(1, (84 + side - 1) / side)
    }

    /// The largest `--scale`.
    public static let maxScale = 16
    /// The most images `vae sample` and `vae reconstruct` draw (`--count`).
    public static let maxCount = 1024

    /// Throws a one-line error unless `scale` is in 1…`maxScale`.
    public static func checkScale(_ scale: Int) throws {
        guard (1...maxScale).contains(scale) else {
            throw ConfigurationError("--scale must be from 1 to \(maxScale), got \(scale)")
        }
    }

    /// `count` decoded draws from the prior, 8 per row.
    public static func samples(
        _ model: VAEModel, count: Int = 64, seed: UInt64, scale: Int? = nil
    ) throws
        -> PNGImage
    {
        let c = model.configuration
        return try LabelledGrid(
            cells: try model.sample(count: count, seed: seed), columns: 8, configuration: c,
            scale: scale ?? defaultScale(for: c)
        ).draw()
    }

    /// The first `count` images of `images` over their reconstructions: rows of up to 8 originals, each
    /// followed by a row of their reconstructions, labelled at the left.
    public static func reconstructions(
        _ model: VAEModel, images: ImageDataset, count: Int = 8, scale: Int? = nil
    ) throws -> PNGImage {
        let originals = (0..<min(count, images.count)).map { images.image($0) }
        let reconstructed = try model.reconstruct(originals)
        let perRow = min(8, max(1, originals.count))
        var cells: [[Float]] = [], rows: [String] = []
        for start in stride(from: 0, to: originals.count, by: perRow) {
            let end = min(start + perRow, originals.count)
            // A short last row is filled out with black, so each reconstruction sits under its original.
            let blank = [Float](repeating: 0, count: originals[0].count)
            cells += originals[start..<end] + Array(repeating: blank, count: perRow - (end - start))
            cells += reconstructed[start..<end] + Array(repeating: blank, count: perRow - (end - start))
            rows += ["IN", "OUT"]
        }
        let c = model.configuration
        return try LabelledGrid(
            cells: cells, columns: perRow, configuration: c, scale: scale ?? defaultScale(for: c), rowLabels: rows
        ).draw()
    }
}
