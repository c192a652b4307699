import Foundation

/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
/// JSON mapping each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to the
/// data section) plus an optional "__metadata__" of string → string, then the raw little-endian data.
///
/// Reading treats the file as hostile: the header length, every offset and every shape is checked before
/// any data is touched, and tensors may not overlap or leave gaps.
public struct SafeTensors: Sendable {
    public struct Entry: Sendable, Equatable {
        public var shape: [Int]
        public var values: [Float]
    }

    /// Tensors by name (float32 only: that is all this project stores).
    public var tensors: [String: Entry]
    public var metadata: [String: String]

    public init(tensors: [String: Entry] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The largest header accepted (the reference implementation's limit is 100 MB).
    static let maxHeaderBytes = 100_000_000

    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw DataError.missing(file: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError.corrupt(file: path, reason: "cannot be read") }
        try self.init(data: data, name: path)
    }

    public init(data: Data, name: String) throws {
        func bad(_ reason: String) -> DataError { .corrupt(file: name, reason: "not a valid safetensors file: \(reason)") }
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { throw bad("\(bytes.count) bytes, shorter than the 8-byte header length") }
        let headerLength = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * UInt64($1.0)) }
        guard headerLength <= UInt64(Self.maxHeaderBytes) else { throw bad("header length \(headerLength) is implausibly large") }
        guard 8 + Int(headerLength) <= bytes.count else { throw bad("header length \(headerLength) runs past the end of the file (truncated?)") }
        let dataStart = 8 + Int(headerLength)
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes[8..<dataStart])) as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var ranges: [(Int, Int, String)] = []
        for (key, value) in json {
            if key == "__metadata__" {
                guard let m = value as? [String: String] else { throw bad("__metadata__ must map strings to strings") }
                metadata = m
                continue
            }
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("tensor '\(key)' lacks dtype, shape or data_offsets")
            }
            guard dtype == "F32" else { throw bad("tensor '\(key)' has dtype \(dtype); only F32 is supported") }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 31 }) else { throw bad("tensor '\(key)' has shape \(shape)") }
            let count = shape.reduce(1) { $0.multipliedReportingOverflow(by: $1).partialValue }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= bytes.count - dataStart else {
                throw bad("tensor '\(key)' has offsets \(offsets) outside the \(bytes.count - dataStart) data bytes")
            }
            guard end - begin == count * 4 else { throw bad("tensor '\(key)' of shape \(shape) needs \(count * 4) bytes, its offsets span \(end - begin)") }
            ranges.append((begin, end, key))
            let values = bytes.withUnsafeBytes { raw in
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: dataStart + begin + 4 * $0, as: UInt32.self))) }
            }
            tensors[key] = Entry(shape: shape, values: values)
        }
        ranges.sort { $0.0 < $1.0 }
        var cursor = 0
        for (begin, end, key) in ranges {
            guard begin == cursor else { throw bad(begin < cursor ? "tensor '\(key)' overlaps another" : "a gap before tensor '\(key)'") }
            cursor = end
        }
        guard cursor == bytes.count - dataStart else { throw bad("\(bytes.count - dataStart - cursor) bytes after the last tensor") }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The file's bytes: tensors sorted by name, the header padded with spaces to a multiple of 8.
    public func encoded() throws -> Data {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        let names = tensors.keys.sorted()
        for name in names {
            let e = tensors[name]!
            header[name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [offset, offset + 4 * e.values.count]] as [String: Any]
            offset += 4 * e.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        for name in names {
            tensors[name]!.values.withUnsafeBufferPointer { values in
                for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
            }
        }
        return out
    }

    /// Writes atomically: to a temporary file in the same directory, flushed to disk, then renamed over
    /// `path`, so a crash leaves either the old file or the new one, never half of one.
    public func write(to path: String) throws {
        try AtomicFile.write(try encoded(), to: path)
    }
}

/// Whole-file writes that never leave a partial file behind.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(filePath: path)
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appending(path: ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw DataError.corrupt(file: temporary.path, reason: "cannot be created")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary.path, url.path) == 0 else {
                throw DataError.corrupt(file: path, reason: "cannot be replaced (\(String(cString: strerror(errno))))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
