import Foundation
import VAECompute

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
/// JSON mapping each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the
/// data section) plus an optional "__metadata__" of string → string, then the raw little-endian data.
///
/// Reading treats the file as hostile: the header length, every offset and every shape is checked with
/// overflow-checked arithmetic before any data is touched; tensors may not overlap or leave gaps, a name
/// may not appear twice (JSON parsers keep one of the two silently), and nothing may follow the data.
public struct SafeTensors: Sendable {
    /// The element types this project reads and writes: float32 for parameters, int64 for PyTorch's
    /// integer buffers (BatchNorm2d's `num_batches_tracked`).
    public enum DType: String, Sendable, Equatable {
        case f32 = "F32", i64 = "I64"
        var size: Int { self == .f32 ? 4 : 8 }
    }

    public struct Entry: Sendable, Equatable {
        public var shape: [Int]
        public var dtype: DType
        /// The elements of an F32 tensor (empty for I64).
        public var values: [Float]
        /// The elements of an I64 tensor (empty for F32).
        public var integers: [Int64]

        /// A float32 tensor.
        public init(shape: [Int], values: [Float]) {
            self.shape = shape; dtype = .f32; self.values = values; integers = []
        }

        /// An int64 tensor.
        public init(shape: [Int], integers: [Int64]) {
            self.shape = shape; dtype = .i64; values = []; self.integers = integers
        }

        var count: Int { dtype == .f32 ? values.count : integers.count }
    }

    /// Tensors by name (float32, and int64 for integer buffers).
    public var tensors: [String: Entry]
    public var metadata: [String: String]

    public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The largest header accepted (the reference implementation's limit is 100 MB).
    public static let maxHeaderBytes = 100_000_000

    public init(contentsOf path: String) throws {
        try self.init(data: try InputFile.contents(of: path), name: path)
    }

    public init(data: Data, name: String) throws {
        func bad(_ reason: String) -> DataError {
            .corrupt(file: name, reason: "not a valid safetensors file: \(reason)")
        }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw bad("\(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * UInt64($1.0)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else {
            throw bad("header length \(headerLength) is implausibly large")
        }
        let dataStart = 8 + Int(headerLength)
        guard dataStart <= bytes.count else {
            throw bad("header length \(headerLength) runs past the end of the file (truncated?)")
        }
        let headerBytes = bytes[8..<dataStart]
        guard headerBytes.first == UInt8(ascii: "{") else { throw bad("the header does not start with '{'") }
        guard String(validating: headerBytes, as: UTF8.self) != nil else { throw bad("the header is not UTF-8") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        if let duplicate = Self.duplicateTopLevelKey(in: headerBytes) {
            throw bad("the name '\(duplicate)' appears twice in the header")
        }
        let dataBytes = bytes.count - dataStart
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(begin: Int, end: Int, name: String)] = []
        for (key, value) in json {
            if key == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = Self.integers(info["shape"]), let offsets = Self.integers(info["data_offsets"]),
                offsets.count == 2
            else {
                throw bad("tensor '\(key)' lacks dtype, shape or data_offsets (or they are not whole numbers)")
            }
            guard let type = DType(rawValue: dtype) else {
                throw bad("tensor '\(key)' has dtype \(dtype); only F32 and I64 are supported")
            }
            let count: Int, byteCount: Int
            do {
                count = try CheckedSize.tensorElements(shape)
                byteCount = try CheckedSize.multiply(count, type.size, "tensor '\(key)'")
            } catch {
                throw bad("tensor '\(key)' has shape \(shape): \(error)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataBytes else {
                throw bad("tensor '\(key)' has offsets \(offsets) outside the \(dataBytes) data bytes")
            }
            guard end - begin == byteCount else {
                throw bad("tensor '\(key)' of shape \(shape) needs \(byteCount) bytes, its offsets span \(end - begin)")
            }
            ranges.append((begin, end, key))
            let start = dataStart + begin
            tensors[key] = bytes.withUnsafeBytes { raw in
                switch type {
                case .f32:
                    Entry(
                        shape: shape,
                        values: (0..<count).map {
                            Float(
                                bitPattern: UInt32(
                                    littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * $0, as: UInt32.self)))
                        })
                case .i64:
                    Entry(
                        shape: shape,
                        integers: (0..<count).map {
                            Int64(littleEndian: raw.loadUnaligned(fromByteOffset: start + 8 * $0, as: Int64.self))
                        })
                }
            }
        }
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for r in ranges {
            guard r.begin == cursor else {
                throw bad(r.begin < cursor ? "tensor '\(r.name)' overlaps another" : "a gap before tensor '\(r.name)'")
            }
            cursor = r.end
        }
        guard cursor == dataBytes else { throw bad("\(dataBytes - cursor) bytes after the last tensor") }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// A JSON array of whole numbers as Ints (nil for anything else: fractions, booleans, huge values).
    static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for element in array {
            // Foundation's JSON numbers say what they hold in objCType: "c" is a boolean, "d" a double,
            // "Q" an unsigned value beyond Int64, the rest signed integers.
            guard let number = element as? NSNumber else { return nil }
            switch String(cString: number.objCType) {
            case "c": return nil
            case "d", "f":
                guard let exact = Int(exactly: number.doubleValue) else { return nil }
                result.append(exact)
            case "Q":
                guard let exact = Int(exactly: number.uint64Value) else { return nil }
                result.append(exact)
            default: result.append(Int(number.int64Value))
            }
        }
        return result
    }

    /// The first name that appears twice among the keys of the header's top-level object (JSON parsers keep
    /// one of the two silently, which would let a second tensor definition hide behind the first). The
    /// header has already been parsed as valid JSON, so a scan of strings and nesting suffices; keys are
    /// compared after decoding their escapes.
    static func duplicateTopLevelKey(in header: ArraySlice<UInt8>) -> String? {
        var seen = Set<String>()
        var depth = 0, inString = false, escaped = false, expectKey = false
        var keyStart: Int?
        for i in header.indices {
            let c = header[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == UInt8(ascii: "\\") {
                    escaped = true
                } else if c == UInt8(ascii: "\"") {
                    inString = false
                    if let start = keyStart {
                        keyStart = nil
                        let literal = Data(header[start...i])
                        guard
                            let key = try? JSONSerialization.jsonObject(with: literal, options: .fragmentsAllowed)
                                as? String
                        else { continue }
                        if !seen.insert(key).inserted { return key }
                    }
                }
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                inString = true
                if depth == 1 && expectKey { keyStart = i; expectKey = false }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth == 1 { expectKey = true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            case UInt8(ascii: ","): if depth == 1 { expectKey = true }
            default: break
            }
        }
        return nil
    }

    /// The file's bytes: tensors sorted by name, the header padded with spaces to a multiple of 8.
    public func encoded() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let e = tensors[name]!
            let bytes = e.dtype.size * e.count
            header[name] =
                ["dtype": e.dtype.rawValue, "shape": e.shape, "data_offsets": [offset, offset + bytes]]
                as [String: Any]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            let e = tensors[name]!
            for v in e.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            for v in e.integers { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        }
        return out
    }

    /// Writes atomically: to a temporary file in the same directory, flushed to disk, then renamed over
    /// `path`, so a crash leaves either the old file or the new one, never half of one.
    public func write(to path: String) throws {
        try AtomicFile.write(try encoded(), to: path)
    }
}
