import CPNG
import Foundation

/// PNG through libpng's simplified API, which reports errors in the `png_image` structure rather than by
/// longjmp (which Swift frames cannot survive). Any bit depth, palette or transparency comes out as
/// 8-bit grey or RGB.
enum PNGDecoder {
    /// The header and, when `pixels`, the image. libpng keeps a pointer to the bytes from the first call
    /// to the last, so both happen inside one borrow of them.
    static func read(_ data: Data, name: String, pixels: Bool) throws -> (header: ImageHeader, pixels: [UInt8]) {
        try data.withUnsafeBytes { bytes in
            var image = png_image()
            image.version = png_uint_32(PNG_IMAGE_VERSION)
            defer { png_image_free(&image) }
            guard png_image_begin_read_from_memory(&image, bytes.baseAddress, bytes.count) != 0 else {
                throw failure(&image, name: name)
            }
            let h = try ImageDecoder.check(
                ImageHeader(
                    width: Int(image.width), height: Int(image.height),
                    channels: image.format & png_uint_32(PNG_FORMAT_FLAG_COLOR) != 0 ? 3 : 1),
                name: name)
            guard pixels else { return (h, []) }
            image.format = h.channels == 3 ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
            // Zeroed: with no background colour, libpng composites alpha onto the buffer, so onto black.
            var out = [UInt8](repeating: 0, count: h.width * h.height * h.channels)
            let ok = out.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
            guard ok != 0 else { throw failure(&image, name: name) }
            return (h, out)
        }
    }

    private static func failure(_ image: inout png_image, name: String) -> DataError {
        let text = withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return DataError.corrupt(file: name, reason: "unreadable PNG (\(text.isEmpty ? "libpng failed" : text))")
    }
}
