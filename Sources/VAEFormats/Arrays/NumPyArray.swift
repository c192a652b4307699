import Foundation
import VAECompute

/// An array read from NumPy's `.npy` format (versions 1–3): a magic string, a header that is a Python
/// dict literal (`descr`, `fortran_order`, `shape`), then the values in C order. Only what image data
/// needs is read: unsigned bytes, integers (for labels) and floats, in either byte order.
public struct NumPyArray: Sendable {
    /// The element types read, with their sizes in bytes.
    public enum ElementType: String, Sendable {
        case uint8, int16, int32, int64, uint16, uint32, uint64, float32, float64

        var size: Int {
            switch self {
            case .uint8: return 1
            case .int16, .uint16: return 2
            case .int32, .uint32, .float32: return 4
            case .int64, .uint64, .float64: return 8
            }
        }
        var isFloat: Bool { self == .float32 || self == .float64 }
    }

    public var shape: [Int]
    public var elementType: ElementType
    /// The values' bytes, little-endian whatever the file's order was.
    public var payload: [UInt8]

    public var count: Int { shape.reduce(1, *) }

    public init(shape: [Int], elementType: ElementType, payload: [UInt8]) {
        self.shape = shape; self.elementType = elementType; self.payload = payload
    }

    /// Reads the `.npy` file at `path`.
    public init(contentsOf path: String) throws {
        try self.init(data: try InputFile.contents(of: path), name: path)
    }

    /// Parses the bytes of a `.npy` file called `name` (in messages).
    public init(data: Data, name: String) throws {
        let b = [UInt8](data)
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard b.count >= 10, Array(b[0..<6]) == magic else {
            throw DataError.corrupt(file: name, reason: "is not a NumPy .npy file (no \\x93NUMPY magic)")
        }
        let major = b[6]
        let headerLength: Int, start: Int
        switch major {
        case 1:
            headerLength = Int(b[8]) | Int(b[9]) << 8; start = 10
        case 2, 3:
            guard b.count >= 12 else { throw DataError.corrupt(file: name, reason: "truncated .npy header") }
            headerLength = Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24; start = 12
        default:
            throw DataError.corrupt(
                file: name, reason: ".npy format version \(major) is not one this reader knows (1–3)")
        }
        guard headerLength <= b.count - start else {
            throw DataError.corrupt(file: name, reason: "truncated .npy header")
        }
        let text = String(decoding: b[start..<(start + headerLength)], as: UTF8.self)
        let header = try NumPyHeader(parsing: text, name: name)
        guard !header.fortranOrder else {
            throw DataError.corrupt(
                file: name, reason: "is in Fortran order; save np.ascontiguousarray(a) instead")
        }
        guard let (type, bigEndian) = NumPyArray.elementType(header.descr) else {
            throw DataError.corrupt(
                file: name,
                reason:
                    "has elements of type '\(header.descr)'; accepted are unsigned bytes (uint8), float32 or float64 values in [0, 1], and integer labels"
            )
        }
        let count = try CheckedSize.product(header.shape, "\(name): shape \(header.shape)")
        let bytes = try CheckedSize.multiply(count, type.size, "\(name): shape \(header.shape)")
        let available = b.count - start - headerLength
        guard available == bytes else {
            throw DataError.corrupt(
                file: name,
                reason: available < bytes
                    ? "truncated: shape \(header.shape) of \(header.descr) needs \(bytes) bytes, the file has \(available)"
                    : "\(available - bytes) unexpected bytes after the data")
        }
        var payload = Array(b[(start + headerLength)...])
        if bigEndian && type.size > 1 {
            for i in stride(from: 0, to: payload.count, by: type.size) {
                payload[i..<(i + type.size)].reverse()
            }
        }
        self.init(shape: header.shape, elementType: type, payload: payload)
    }

    /// The element type a `descr` names and whether it is big-endian, or nil when not one read here.
    static func elementType(_ descr: String) -> (ElementType, Bool)? {
        var d = Substring(descr), bigEndian = false
        if let first = d.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            d = d.dropFirst()
        }
        let types: [String: ElementType] = [
            "u1": .uint8, "i2": .int16, "i4": .int32, "i8": .int64, "u2": .uint16, "u4": .uint32,
            "u8": .uint64, "f4": .float32, "f8": .float64,
        ]
        return types[String(d)].map { ($0, bigEndian) }
    }

    /// Calls `body` with each element's index and value as a Double (floats and integers alike), the
    /// element type switched on once rather than per value.
    func forEachValue(_ body: (Int, Double) -> Void) {
        payload.withUnsafeBytes { raw in
            func each<T: FixedWidthInteger>(_: T.Type, _ convert: (T) -> Double) {
                for i in 0..<count {
                    body(i, convert(T(littleEndian: raw.loadUnaligned(fromByteOffset: i * T.bitWidth / 8, as: T.self))))
                }
            }
            switch elementType {
            case .uint8: each(UInt8.self) { Double($0) }
            case .uint16: each(UInt16.self) { Double($0) }
            case .uint32: each(UInt32.self) { Double($0) }
            case .uint64: each(UInt64.self) { Double($0) }
            case .int16: each(Int16.self) { Double($0) }
            case .int32: each(Int32.self) { Double($0) }
            case .int64: each(Int64.self) { Double($0) }
            case .float32: each(UInt32.self) { Double(Float(bitPattern: $0)) }
            case .float64: each(UInt64.self) { Double(bitPattern: $0) }
            }
        }
    }

    /// The values as pixels: unsigned bytes as they are, floats in [0, 1] scaled by 255 and rounded.
    /// Anything else, or a float outside [0, 1] (or NaN), is refused naming `name`.
    public func pixels(name: String) throws -> [UInt8] {
        if elementType == .uint8 { return payload }
        guard elementType.isFloat else {
            throw DataError.corrupt(
                file: name, reason: "holds \(elementType.rawValue) values; images must be uint8, or floats in [0, 1]")
        }
        var out = [UInt8](repeating: 0, count: count)
        var low = Double.infinity, high = -Double.infinity, bad = false
        forEachValue { i, v in
            if v.isNaN { bad = true; return }
            low = min(low, v); high = max(high, v)
            out[i] = UInt8((min(max(v, 0), 1) * 255).rounded())
        }
        guard !bad else { throw DataError.corrupt(file: name, reason: "holds NaN values") }
        // A little slack for values that went through arithmetic (x / 255 in float32).
        guard low >= -1e-6, high <= 1 + 1e-6 else {
            let hint =
                high > 1 && high <= 255 && low >= 0 ? " (they look like 0–255: divide by 255 or save as uint8)" : ""
            throw DataError.corrupt(
                file: name, reason: "holds values from \(low) to \(high); float images must lie in [0, 1]\(hint)")
        }
        return out
    }

    /// The values as labels 0…255 (integers, or floats with integer values), or nil when they are not.
    public func labels() -> [UInt8]? {
        var out = [UInt8](repeating: 0, count: count), fits = true
        forEachValue { i, v in
            if v >= 0, v <= 255, v == v.rounded() { out[i] = UInt8(v) } else { fits = false }
        }
        return fits ? out : nil
    }
}

/// The dict literal at the head of a `.npy` file, e.g. `{'descr': '<f4', 'fortran_order': False,
/// 'shape': (60000, 28, 28), }`, read by a tokenizer small enough to trust: strings, True/False, and
/// tuples of non-negative integers.
struct NumPyHeader {
    var descr = ""
    var fortranOrder = false
    var shape: [Int] = []

    init(parsing text: String, name: String) throws {
        var s = Substring(text)
        func fail(_ why: String) -> DataError { DataError.corrupt(file: name, reason: "bad .npy header: \(why)") }
        func skipSpace() { s = s.drop { $0 == " " || $0 == "\n" || $0 == "\t" } }
        func expect(_ c: Character) throws {
            skipSpace()
            guard s.first == c else { throw fail("expected '\(c)'") }
            s = s.dropFirst()
        }
        func string() throws -> String {
            skipSpace()
            guard let q = s.first, q == "'" || q == "\"" else { throw fail("expected a string") }
            s = s.dropFirst()
            guard let end = s.firstIndex(of: q) else { throw fail("unterminated string") }
            defer { s = s[s.index(after: end)...] }
            return String(s[..<end])
        }
        func integer() throws -> Int {
            skipSpace()
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            s = s.dropFirst(digits.count)
            if s.first == "L" { s = s.dropFirst() }  // Python 2's long literals
            guard !digits.isEmpty, digits.count <= 18, let v = Int(digits) else { throw fail("bad dimension") }
            return v
        }
        var seen = Set<String>()
        try expect("{")
        while true {
            skipSpace()
            if s.first == "}" { break }
            let key = try string()
            try expect(":")
            skipSpace()
            switch key {
            case "descr":
                descr = try string()
            case "fortran_order":
                if s.hasPrefix("True") {
                    fortranOrder = true; s = s.dropFirst(4)
                } else if s.hasPrefix("False") {
                    fortranOrder = false; s = s.dropFirst(5)
                } else {
                    throw fail("fortran_order must be True or False")
                }
            case "shape":
                try expect("(")
                shape = []
                while true {
                    skipSpace()
                    if s.first == ")" { s = s.dropFirst(); break }
                    shape.append(try integer())
                    guard shape.count <= 32 else { throw fail("more than 32 dimensions") }
                    skipSpace()
                    if s.first == "," { s = s.dropFirst() } else if s.first != ")" { throw fail("bad shape") }
                }
            default:
                throw fail("unexpected key '\(key)' (a structured array?)")
            }
            seen.insert(key)
            skipSpace()
            if s.first == "," { s = s.dropFirst() } else if s.first != "}" { throw fail("expected ',' or '}'") }
        }
        guard seen == ["descr", "fortran_order", "shape"] else {
            throw fail("needs descr, fortran_order and shape, has \(seen.sorted().joined(separator: ", "))")
        }
    }
}

extension NumPyArray {
    /// The bytes of a version-1 `.npy` file holding unsigned bytes of `shape` in C order.
    public static func encoded(bytes: [UInt8], shape: [Int]) -> Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        var header = "{'descr': '|u1', 'fortran_order': False, 'shape': (\(dims)), }"
        // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64, ending in \n.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(contentsOf: bytes)
        return data
    }
}
