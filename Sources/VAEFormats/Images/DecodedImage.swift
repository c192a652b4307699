import Foundation

/// An image as a decoder gives it: 8-bit samples, rows top to bottom, channels interleaved per pixel
/// (HWC), 1 channel for grey and 3 for RGB.
public struct DecodedImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "decoded images are grey or RGB")
        precondition(pixels.count == width * height * channels)
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }
}

/// What an image file's header says, read before any pixel is decoded so that sizes can be checked and
/// a whole folder's images agreed on first.
public struct ImageHeader: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// 1 when the file is grey (with or without alpha), 3 when it is colour.
    public var channels: Int

    public init(width: Int, height: Int, channels: Int) {
        self.width = width; self.height = height; self.channels = channels
    }
}

/// The image formats read through Debian's libraries: PNG (libpng) and JPEG (libjpeg-turbo).
public enum ImageFormat: String, Sendable, CaseIterable {
    case png, jpeg

    /// The format a file's first bytes announce, or nil.
    public static func sniff(_ data: Data) -> ImageFormat? {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if data.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// The file name extensions (lower case) a folder source takes as images.
    public static let extensions: Set<String> = ["png", "jpg", "jpeg", "jpe", "jfif"]
}

/// Decodes PNG and JPEG files with every size checked before memory is allocated for pixels.
public enum ImageDecoder {
    /// The most pixels an image may have (width × height): about the 89 megapixels Pillow warns at,
    /// rounded up; a header that claims more is refused before decoding (a "decompression bomb").
    public static let maxPixels = 100_000_000

    /// Reads the header of `data` (from the file `name`).
    public static func header(_ data: Data, name: String) throws -> ImageHeader {
        try read(data, name: name, pixels: false).header
    }

    /// The header of the image file at `path`, from its first 128 KiB where the header lies there (PNG's
    /// is at the start; JPEG's frame header follows any metadata segments, which are rarely larger), else
    /// from the whole file; so a folder's header pass does not read every file twice.
    public static func header(ofFile path: String) throws -> ImageHeader {
        let start = try InputFile.prefix(of: path, bytes: 128 << 10)
        if start.count < 128 << 10 { return try header(start, name: path) }
        if let found = try? header(start, name: path) { return found }
        return try header(InputFile.contents(of: path), name: path)
    }

    /// Decodes `data` (from the file `name`) to grey or RGB as the file is, alpha composited onto black.
    public static func decode(_ data: Data, name: String) throws -> DecodedImage {
        let (h, pixels) = try read(data, name: name, pixels: true)
        return DecodedImage(width: h.width, height: h.height, channels: h.channels, pixels: pixels)
    }

    /// The header and, when `pixels`, the pixels, from the decoder the file's first bytes name.
    private static func read(_ data: Data, name: String, pixels: Bool) throws -> (header: ImageHeader, pixels: [UInt8])
    {
        switch ImageFormat.sniff(data) {
        case .png: return try PNGDecoder.read(data, name: name, pixels: pixels)
        case .jpeg: return try JPEGDecoder.read(data, name: name, pixels: pixels)
        case nil: throw DataError.corrupt(file: name, reason: "is not a PNG or JPEG image")
        }
    }

    /// Checks a header's dimensions against `maxPixels`, naming the file.
    static func check(_ header: ImageHeader, name: String) throws -> ImageHeader {
        guard header.width > 0, header.height > 0 else {
            throw DataError.corrupt(file: name, reason: "has no pixels (\(header.width)×\(header.height))")
        }
        let (pixels, overflow) = header.width.multipliedReportingOverflow(by: header.height)
        guard !overflow, pixels <= maxPixels else {
            throw DataError.corrupt(
                file: name,
                reason:
                    "claims \(header.width)×\(header.height) pixels, more than the \(maxPixels / 1_000_000) megapixels an image may have"
            )
        }
        return header
    }
}
