/// The element types a device buffer can hold.
///
/// `uint8` exists for datasets kept resident on a device as bytes (MNIST is 47 MB as bytes, 188 MB as
/// float32, more than one 128 MiB storage binding on some drivers). Shaders read it packed four to a word,
/// so its storage is rounded up to whole 32-bit words.
public enum ElementType: String, Sendable, CustomStringConvertible {
    case float32, uint32, uint8

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float32, .uint32: return 4
        case .uint8: return 1
        }
    }

    /// Bytes of storage for `count` elements, rounded up to whole 32-bit words.
    public func storageBytes(count: Int) -> Int { (count * size + 3) / 4 * 4 }

    public var description: String { rawValue }
}
