import Foundation
import VAECompute

/// A file in the IDX format of MNIST (and Fashion-MNIST): a big-endian header (magic 0x0000_08NN with
/// NN the number of dimensions, type 0x08 = unsigned byte), the dimensions, then the bytes.
/// Read from gzip or raw files, with every field checked.
public struct IDXFile: Sendable {
    /// The dimensions, outermost first (e.g. [60000, 28, 28]).
    public var dimensions: [Int]
    /// The bytes, row-major.
    public var bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) {
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Reads `path`, inflating it if it is gzip, and checks that it has `expectedRank` dimensions.
    public init(contentsOf path: String, expectedRank: Int) throws {
        try self.init(data: try InputFile.contents(of: path), name: path, expectedRank: expectedRank)
    }

    /// Parses a file's bytes, inflating them first if they are gzip (at most `limit` bytes inflated).
    public init(data: Data, name: String, expectedRank: Int, limit: Int = MemoryBudget.physicalBytes) throws {
        let raw = Gzip.isGzip(data) ? try Gzip.decompress(data, name: name, limit: limit) : data
        try self.init(parsing: raw, name: name, expectedRank: expectedRank)
    }

    init(parsing data: Data, name: String, expectedRank: Int) throws {
        let b = [UInt8](data)
        func word(_ at: Int) -> Int { Int(b[at]) << 24 | Int(b[at + 1]) << 16 | Int(b[at + 2]) << 8 | Int(b[at + 3]) }
        guard b.count >= 4 else {
            throw DataError.corrupt(file: name, reason: "too short for an IDX header (\(b.count) bytes)")
        }
        guard b[0] == 0, b[1] == 0, b[2] == 0x08 else {
            throw DataError.corrupt(
                file: name,
                reason: String(
                    format: "not an IDX file of unsigned bytes (magic 0x%02x%02x%02x%02x)", b[0], b[1], b[2], b[3]))
        }
        let rank = Int(b[3])
        guard rank == expectedRank else {
            throw DataError.corrupt(file: name, reason: "expected \(expectedRank) dimensions, the header says \(rank)")
        }
        let header = 4 + 4 * rank
        guard b.count >= header else { throw DataError.corrupt(file: name, reason: "truncated header") }
        dimensions = (0..<rank).map { word(4 + 4 * $0) }
        guard dimensions.allSatisfy({ $0 > 0 }), let count = try? CheckedSize.product(dimensions, name) else {
            throw DataError.corrupt(file: name, reason: "implausible dimensions \(dimensions)")
        }
        guard b.count - header >= count else {
            throw DataError.corrupt(
                file: name,
                reason: "truncated: dimensions \(dimensions) need \(count) bytes, the file has \(b.count - header)")
        }
        guard b.count - header == count else {
            throw DataError.corrupt(file: name, reason: "\(b.count - header - count) unexpected bytes after the data")
        }
        bytes = Array(b[header...])
    }
}
