import VAECompute

/// A grid of the model's images, magnified, with labels in a margin where the grid has axes: a title, a
/// label over each column and one left of each row (traverse's latent and sweep values, the manifold's z
/// values, interpolation and attribute strengths). Labels are drawn in the pixel font, light on the black
/// of the grid's padding; a grey grid stays grey.
struct LabelledGrid {
    var cells: [[Float]]
    var columns: Int
    var configuration: VAEConfiguration
    var scale: Int
    var padding = 2
    var title: String?
    var columnLabels: [String] = []
    var rowLabels: [String] = []

    static let ink: Canvas.Colour = (225, 225, 225)

    /// The largest picture drawn, in pixels (its bytes are held in memory, three per pixel).
    static let maxPixels = 100_000_000

    /// The picture; throws a one-line error when it would be larger than `maxPixels`.
    func draw() throws -> PNGImage {
        let c = configuration
        let cols = max(1, min(columns, cells.count)), rows = max(1, (cells.count + cols - 1) / cols)
        let (cellW, cellH, pad) = (c.imageWidth * scale, c.imageHeight * scale, padding * scale)
        let textScale = min(cellW, cellH) >= 48 ? 2 : 1
        let line = (PixelFont.height + 3) * textScale
        let top = (title == nil ? 0 : line + 2 * textScale) + (columnLabels.isEmpty ? 0 : line)
        let labelWidth = rowLabels.map { PixelFont.width($0, scale: textScale) }.max() ?? 0
        let left = labelWidth == 0 ? 0 : labelWidth + 6 * textScale
        let gridW = try CheckedSize.add(
            try CheckedSize.multiply(cols, try CheckedSize.add(cellW, pad, "a picture"), "a picture"), pad, "a picture")
        let gridH = try CheckedSize.add(
            try CheckedSize.multiply(rows, try CheckedSize.add(cellH, pad, "a picture"), "a picture"), pad, "a picture")
        let (width, height) = (gridW + left, gridH + top)
        guard width.multipliedReportingOverflow(by: height).partialValue <= Self.maxPixels, width < 1 << 20,
            height < 1 << 20
        else {
            throw ConfigurationError(
                "the picture would be \(width)×\(height) pixels, more than the \(Self.maxPixels / 1_000_000) million drawn; lower --count, --steps, --size or --scale"
            )
        }
        let grid = PNGImage.grid(
            cells, imageHeight: c.imageHeight, imageWidth: c.imageWidth, channels: c.imageChannels, columns: cols,
            padding: padding, scale: scale)
        if top == 0 && left == 0 { return grid }
        var canvas = Canvas(width: width, height: height, background: (0, 0, 0))
        canvas.draw(grid, left, top)
        if let title { canvas.text(title, left + pad, 2 * textScale, Self.ink, scale: textScale) }
        for (k, label) in columnLabels.prefix(cols).enumerated() {
            let x = left + pad + k * (cellW + pad) + cellW / 2
            canvas.text(label, centredOn: x, top - line + textScale, Self.ink, scale: textScale)
        }
        for (r, label) in rowLabels.prefix(rows).enumerated() {
            let y = top + pad + r * (cellH + pad) + cellH / 2 - PixelFont.height * textScale / 2
            canvas.text(label, right: left - 3 * textScale, y, Self.ink, scale: textScale)
        }
        return c.imageChannels == 1 ? canvas.grey : canvas.image
    }
}

extension Canvas {
    /// The picture as grey levels (its red channel: labels and grey grids have equal channels).
    var grey: PNGImage {
        PNGImage(
            width: width, height: height, channels: 1,
            pixels: stride(from: 0, to: image.pixels.count, by: 3).map { image.pixels[$0] })
    }
}
