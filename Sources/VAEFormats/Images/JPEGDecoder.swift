import CTurboJPEG
import Foundation

/// JPEG through libjpeg-turbo's TurboJPEG API, which returns errors instead of longjmp'ing. Warnings (a
/// truncated file, corrupt data) are errors here: a half-grey image would train silently. Progressive
/// files are limited to libjpeg-turbo's 500 scans, its defence against files made to take forever.
enum JPEGDecoder {
    /// The header and, when `pixels`, the image.
    static func read(_ data: Data, name: String, pixels: Bool) throws -> (header: ImageHeader, pixels: [UInt8]) {
        guard let handle = tjInitDecompress() else {
            throw DataError.corrupt(file: name, reason: "libjpeg-turbo could not start a decoder")
        }
        defer { tjDestroy(handle) }
        return try data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let base = bytes.baseAddress, let size = UInt(exactly: bytes.count) else {
                throw DataError.corrupt(file: name, reason: "is empty")
            }
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colourspace: Int32 = 0
            guard tjDecompressHeader3(handle, base, size, &width, &height, &subsampling, &colourspace) == 0 else {
                throw failure(handle, name: name)
            }
            let h = try ImageDecoder.check(
                ImageHeader(
                    width: Int(width), height: Int(height), channels: colourspace == Int32(TJCS_GRAY.rawValue) ? 1 : 3),
                name: name)
            guard pixels else { return (h, []) }
            var out = [UInt8](repeating: 0, count: h.width * h.height * h.channels)
            let format = h.channels == 1 ? TJPF_GRAY : TJPF_RGB
            let flags = TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS
            let status = out.withUnsafeMutableBufferPointer {
                tjDecompress2(handle, base, size, $0.baseAddress, width, 0, height, Int32(format.rawValue), flags)
            }
            guard status == 0 else { throw failure(handle, name: name) }
            return (h, out)
        }
    }

    private static func failure(_ handle: tjhandle, name: String) -> DataError {
        let text = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "libjpeg-turbo failed"
        return DataError.corrupt(file: name, reason: "unreadable JPEG (\(text))")
    }
}
