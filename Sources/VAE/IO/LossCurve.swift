/// A picture of a run's curves per epoch, in three stacked panels: loss (−ELBO), reconstruction NLL and
/// KL, each with the training figure in grey and the test figure in white, the panel's y-range and the
/// epoch count written in a small built-in digit font.
public enum LossCurve {
    public static func draw(_ records: [EpochRecord], width: Int = 480, panelHeight: Int = 200) -> PNGImage {
        var canvas = Canvas(width: width, height: 3 * panelHeight)
        let panels: [(String, KeyPath<LossSummary, Double>)] = [
            ("LOSS", \.loss), ("REC", \.reconstruction), ("KL", \.kl),
        ]
        for (index, (title, key)) in panels.enumerated() {
            panel(
                &canvas, records.map { $0.train[keyPath: key] }, records.map { $0.test[keyPath: key] },
                lastEpoch: records.last?.epoch ?? 0, top: index * panelHeight, height: panelHeight, width: width)
            canvas.text(title, 4, index * panelHeight + 40, 255)
        }
        canvas.text("TRAIN", width - 150, panelHeight - 14, 150)
        canvas.text("TEST", width - 100, panelHeight - 14, 255)
        return canvas.image
    }

    static func panel(
        _ canvas: inout Canvas, _ train: [Double], _ test: [Double], lastEpoch: Int, top panelTop: Int, height: Int,
        width: Int
    ) {
        let left = 60, right = width - 16, top = panelTop + 12, bottom = panelTop + height - 26
        canvas.line(left, bottom, right, bottom, 96)
        canvas.line(left, top, left, bottom, 96)
        let values = (train + test).filter(\.isFinite)
        guard let lo = values.min(), let hi = values.max(), !train.isEmpty else { return }
        // Halves first, so the span of two finite values cannot overflow to infinity.
        let halfSpan = max(hi / 2 - lo / 2, 1e-9)
        func x(_ i: Int) -> Int {
            train.count == 1 ? (left + right) / 2 : left + (right - left) * i / (train.count - 1)
        }
        func y(_ v: Double) -> Int {
            // In [0, 1]: no huge or NaN double reaches Int().
            let fraction = min(max((v / 2 - lo / 2) / halfSpan, 0), 1)
            return bottom - Int((Double(bottom - top) * fraction).rounded())
        }
        for (series, shade) in [(train, UInt8(150)), (test, UInt8(255))] {
            for i in series.indices where series[i].isFinite {
                canvas.dot(x(i), y(series[i]), shade)
                if i > 0, series[i - 1].isFinite { canvas.line(x(i - 1), y(series[i - 1]), x(i), y(series[i]), shade) }
            }
        }
        canvas.text(format2(hi), 4, top, 200)
        canvas.text(format2(lo), 4, bottom - 10, 200)
        canvas.text("1", left - 2, bottom + 8, 200)
        canvas.text(String(lastEpoch), right - 12, bottom + 8, 200)
    }

    static func format2(_ v: Double) -> String {
        guard v.isFinite, abs(v) < 1e12 else { return String(format: "%.2g", v) }
        let scaled = Int((v * 10).rounded())
        return "\(scaled / 10).\(abs(scaled % 10))"
    }
}

/// A greyscale raster with the few drawing operations plots need.
struct Canvas {
    var image: PNGImage

    init(width: Int, height: Int) {
        image = PNGImage(width: width, height: height, pixels: [UInt8](repeating: 0, count: width * height))
    }

    mutating func set(_ x: Int, _ y: Int, _ v: UInt8) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        image.pixels[y * image.width + x] = max(image.pixels[y * image.width + x], v)
    }

    /// Bresenham's line.
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ v: UInt8) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        while true {
            set(x, y, v)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    mutating func dot(_ x: Int, _ y: Int, _ v: UInt8) {
        for dy in -2...2 { for dx in -2...2 where dx * dx + dy * dy <= 4 { set(x + dx, y + dy, v) } }
    }

    /// Digits, '.', '-' and the capitals of the panel titles in a 3×5 font scaled ×2.
    mutating func text(_ s: String, _ x: Int, _ y: Int, _ v: UInt8) {
        let glyphs: [Character: [UInt8]] = [
            "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7],
            "4": [5, 5, 7, 1, 1],
            "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 1, 1], "8": [7, 5, 7, 5, 7],
            "9": [7, 5, 7, 1, 7],
            ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0],
            "A": [2, 5, 7, 5, 5], "C": [7, 4, 4, 4, 7], "E": [7, 4, 6, 4, 7], "I": [7, 2, 2, 2, 7],
            "K": [5, 5, 6, 5, 5],
            "L": [4, 4, 4, 4, 7], "N": [5, 7, 7, 7, 5], "O": [7, 5, 5, 5, 7], "R": [6, 5, 6, 5, 5],
            "S": [7, 4, 7, 1, 7],
            "T": [7, 2, 2, 2, 2],
        ]
        for (k, ch) in s.enumerated() {
            guard let rows = glyphs[ch] else { continue }
            for (r, bits) in rows.enumerated() {
                for c in 0..<3 where bits & (4 >> c) != 0 {
                    for sy in 0..<2 { for sx in 0..<2 { set(x + k * 8 + c * 2 + sx, y + r * 2 + sy, v) } }
                }
            }
        }
    }
}
