import Foundation

/// An 8-bit greyscale or RGB picture the tool draws, written as PNG.
public struct PNGImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 (grey) or 3 (RGB).
    public var channels: Int
    /// Row-major pixels, 0 = black; RGB interleaved per pixel when `channels` is 3.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int = 1, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "PNG pictures are grey or RGB")
        precondition(pixels.count == width * height * channels)
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    /// A grid of images with values in [0, 1] (clamped), `padding` black pixels between and around them,
    /// like torchvision's save_image: `columns` per row, as many rows as needed. Each image holds
    /// `channels` planes of h×w values (NCHW rows, as the model sees them): 1 for grey, 3 for RGB. `scale`
    /// magnifies every pixel (and the padding) to scale×scale, so small images are drawn big enough to see.
    public static func grid(
        _ images: [[Float]], imageHeight h: Int, imageWidth w: Int, channels: Int = 1, columns: Int, padding: Int = 2,
        scale: Int = 1
    ) -> PNGImage {
        let cols = max(1, min(columns, images.count)), rows = max(1, (images.count + cols - 1) / cols)
        let (sh, sw, pad) = (h * scale, w * scale, padding * scale)
        let width = cols * (sw + pad) + pad, height = rows * (sh + pad) + pad
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for (k, image) in images.enumerated() {
            let top = pad + (k / cols) * (sh + pad), left = pad + (k % cols) * (sw + pad)
            for c in 0..<channels {
                for y in 0..<h {
                    for x in 0..<w {
                        let v = image[(c * h + y) * w + x]
                        let byte = UInt8((min(max(v.isNaN ? 0 : v, 0), 1) * 255).rounded())
                        for dy in 0..<scale {
                            let row = (top + y * scale + dy) * width + left + x * scale
                            for dx in 0..<scale { pixels[(row + dx) * channels + c] = byte }
                        }
                    }
                }
            }
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The PNG file's bytes, written by libpng.
    public func encoded() throws -> Data {
        try ImageEncoder.png(DecodedImage(width: width, height: height, channels: channels, pixels: pixels))
    }

    public func write(to path: String) throws { try AtomicFile.write(try encoded(), to: path) }
}
