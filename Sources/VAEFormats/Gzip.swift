import CZlib
import Foundation
import VAECompute

/// gzip and zlib through the system zlib.
enum Gzip {
    /// Whether `data` starts with the gzip magic bytes.
    static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// Slack allowed beyond the size a gzip trailer records (it is the size modulo 2³²).
    static let trailerMargin = 1 << 16

    /// Inflates a gzip stream. Throws `DataError.corrupt` on a truncated or damaged stream, and stops as
    /// soon as the output grows past what the stream's trailer says it holds (plus a small margin) or past
    /// `limit`, so a small hostile file cannot expand to gigabytes.
    static func decompress(_ data: Data, name: String, limit: Int = MemoryBudget.physicalBytes) throws -> Data {
        guard data.count >= 18 else {
            throw DataError.corrupt(file: name, reason: "gzip stream is truncated (\(data.count) bytes)")
        }
        let trailer = data.suffix(4).enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        let bound = min(trailer + trailerMargin, limit)
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError.corrupt(file: name, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var status: Int32 = Z_OK
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                status = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                guard output.count + produced <= bound else {
                    throw DataError.corrupt(
                        file: name,
                        reason: bound == limit && trailer + trailerMargin > limit
                            ? "inflates past \(MemoryBudget.describe(limit)), more than it may hold"
                            : "inflates past the \(trailer) bytes its gzip trailer records (damaged, or not one gzip stream)"
                    )
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_BUF_ERROR && stream.avail_in == 0 {
                    throw DataError.corrupt(file: name, reason: "gzip stream is truncated")
                }
                if status != Z_OK && status != Z_STREAM_END && status != Z_BUF_ERROR {
                    throw DataError.corrupt(file: name, reason: "gzip data is damaged (zlib status \(status))")
                }
            } while status != Z_STREAM_END
        }
        return output
    }

    static func crc(_ bytes: [UInt8], initial: UInt32 = 0) -> UInt32 {
        UInt32(crc32(uLong(initial), bytes, uInt(bytes.count)))
    }
}
