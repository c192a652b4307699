/// An RGB raster with the few drawing operations plots and labelled pictures need.
struct Canvas {
    typealias Colour = (r: UInt8, g: UInt8, b: UInt8)
    var image: PNGImage

    init(width: Int, height: Int, background: Colour = (255, 255, 255)) {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b
        }
        image = PNGImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    var width: Int { image.width }
    var height: Int { image.height }

    mutating func set(_ x: Int, _ y: Int, _ c: Colour) {
        guard x >= 0, y >= 0, x < image.width, y < image.height else { return }
        let i = 3 * (y * image.width + x)
        image.pixels[i] = c.r; image.pixels[i + 1] = c.g; image.pixels[i + 2] = c.b
    }

    mutating func fill(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Colour) {
        for y in max(0, y0)..<min(image.height, y1) { for x in max(0, x0)..<min(image.width, x1) { set(x, y, c) } }
    }

    /// Bresenham's line, `thickness` pixels wide (a square pen).
    mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, _ c: Colour, thickness: Int = 1) {
        var (x, y) = (x0, y0)
        let dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let lo = -(thickness - 1) / 2, hi = thickness / 2
        while true {
            for oy in lo...hi { for ox in lo...hi { set(x + ox, y + oy, c) } }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    mutating func dot(_ x: Int, _ y: Int, _ c: Colour, radius: Int = 2) {
        for dy in -radius...radius {
            for dx in -radius...radius where dx * dx + dy * dy <= radius * radius { set(x + dx, y + dy, c) }
        }
    }

    /// `text` in the pixel font with its top-left corner at (x, y).
    mutating func text(_ text: String, _ x: Int, _ y: Int, _ c: Colour, scale: Int = 2) {
        PixelFont.draw(text, x: x, y: y, scale: scale) { set($0, $1, c) }
    }

    /// `text` ending at `right`.
    mutating func text(_ text: String, right: Int, _ y: Int, _ c: Colour, scale: Int = 2) {
        self.text(text, right - PixelFont.width(text, scale: scale), y, c, scale: scale)
    }

    /// `text` centred on `x`.
    mutating func text(_ text: String, centredOn x: Int, _ y: Int, _ c: Colour, scale: Int = 2) {
        self.text(text, x - PixelFont.width(text, scale: scale) / 2, y, c, scale: scale)
    }

    /// Copies `picture` (grey or RGB) with its top-left corner at (x, y).
    mutating func draw(_ picture: PNGImage, _ x: Int, _ y: Int) {
        for py in 0..<picture.height {
            for px in 0..<picture.width {
                let i = (py * picture.width + px) * picture.channels
                let p = picture.pixels
                set(x + px, y + py, picture.channels >= 3 ? (p[i], p[i + 1], p[i + 2]) : (p[i], p[i], p[i]))
            }
        }
    }
}
