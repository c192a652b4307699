import VAECompute

/// Tensor contents on the host, for building kernel inputs and reading results.
public enum HostData: Equatable, Sendable {
    case floats([Float])
    case words([UInt32])
    case bytes([UInt8])

    public var elementType: ElementType {
        switch self {
        case .floats: return .float32
        case .words: return .uint32
        case .bytes: return .uint8
        }
    }

    public var floats: [Float] { if case let .floats(v) = self { return v } else { return [] } }
    public var words: [UInt32] { if case let .words(v) = self { return v } else { return [] } }

    var count: Int {
        switch self {
        case let .floats(v): return v.count
        case let .words(v): return v.count
        case let .bytes(v): return v.count
        }
    }
}

/// A shape and its contents.
public struct HostTensor: Sendable {
    public var shape: [Int]
    public var data: HostData

    public init(_ shape: [Int], _ data: HostData) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not match the data")
        self.shape = shape
        self.data = data
    }

    /// Uniform values in [lower, upper) from a fixed seed (Philox, so reproducible everywhere).
    public static func uniform(_ shape: [Int], _ lower: Float = -1, _ upper: Float = 1, seed: UInt64) -> HostTensor {
        HostTensor(shape, .floats(SeededRandom.uniform(count: shape.reduce(1, *), lower, upper, seed: seed)))
    }

    public static func filled(_ shape: [Int], _ value: Float) -> HostTensor {
        HostTensor(shape, .floats([Float](repeating: value, count: shape.reduce(1, *))))
    }

    /// Outputs start as NaN, so an element a kernel fails to write fails the comparison.
    public static func unwritten(_ shape: [Int]) -> HostTensor { filled(shape, .nan) }

    /// A tensor of this shape and contents on `device`.
    public func make(on device: any ComputeDevice) throws -> Tensor {
        let t = try device.makeTensor(shape: shape, elementType: data.elementType)
        switch data {
        case let .floats(v): try device.upload(v, to: t)
        case let .words(v): try device.upload(v, to: t)
        case let .bytes(v): try device.upload(v, to: t)
        }
        return t
    }
}

/// Seeded data from Philox (never the system generator: runs must repeat exactly, on every machine).
public enum SeededRandom {
    public static func words(count: Int, seed: UInt64) -> [UInt32] {
        Philox.words(count: count, counter: (0, 0xC0FFEE, 0, 0), key: Philox.key(seed: seed))
    }

    public static func uniform(count: Int, _ lower: Float, _ upper: Float, seed: UInt64) -> [Float] {
        words(count: count, seed: seed).map { lower + (upper - lower) * Float(Philox.uniform($0)) }
    }
}
