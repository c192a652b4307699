import CPNG
import CTurboJPEG
import Foundation

/// PNG (libpng) and JPEG (libjpeg-turbo) files from 8-bit grey or RGB pixels, rows top to bottom,
/// channels interleaved: the pictures the tool writes, and test images made with the same libraries
/// that read them.
public enum ImageEncoder {
    /// A PNG file of `image`, compressed by libpng's simplified writer.
    public static func png(_ image: DecodedImage) throws -> Data {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = image.channels == 3 ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
        defer { png_image_free(&png) }
        let stride = png_int_32(image.width * image.channels)
        return try image.pixels.withUnsafeBytes { pixels in
            // First the size, then the bytes (libpng's two-call pattern for writing to memory).
            var size: png_alloc_size_t = 0
            guard png_image_write_to_memory(&png, nil, &size, 0, pixels.baseAddress, stride, nil) != 0 else {
                throw encodeError(&png)
            }
            var out = Data(count: Int(size))
            let ok = out.withUnsafeMutableBytes {
                png_image_write_to_memory(&png, $0.baseAddress, &size, 0, pixels.baseAddress, stride, nil)
            }
            guard ok != 0 else { throw encodeError(&png) }
            return out.prefix(Int(size))
        }
    }

    /// A baseline JPEG file of `image` at `quality` (1–100), 4:4:4 for colour so small test images keep
    /// their colours exact enough to check.
    public static func jpeg(_ image: DecodedImage, quality: Int = 95) throws -> Data {
        guard let handle = tjInitCompress() else { throw DataError.cannotWrite(file: "JPEG", reason: "no encoder") }
        defer { tjDestroy(handle) }
        var buffer: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        defer { if let buffer { tjFree(buffer) } }
        let format = image.channels == 1 ? TJPF_GRAY : TJPF_RGB
        let subsampling = image.channels == 1 ? TJSAMP_GRAY : TJSAMP_444
        let status = image.pixels.withUnsafeBufferPointer {
            tjCompress2(
                handle, $0.baseAddress, Int32(image.width), 0, Int32(image.height), Int32(format.rawValue), &buffer,
                &size, Int32(subsampling.rawValue), Int32(quality), 0)
        }
        guard status == 0, let buffer else {
            let text = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "failed"
            throw DataError.cannotWrite(file: "JPEG", reason: text)
        }
        return Data(bytes: buffer, count: Int(size))
    }

    private static func encodeError(_ image: inout png_image) -> DataError {
        let text = withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return DataError.cannotWrite(file: "PNG", reason: text.isEmpty ? "libpng failed" : text)
    }
}
