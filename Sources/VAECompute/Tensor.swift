/// A shaped buffer that lives on one device.
///
/// A tensor is a handle: the device that made it owns the memory, and only that device's kernels may use
/// it. Shapes are row-major; a 2-D tensor `[rows, cols]` stores row `r` at elements `r*cols ..< (r+1)*cols`.
/// Identity matters (the Vulkan backend tracks hazards per tensor), so this is a class.
public final class Tensor: @unchecked Sendable, CustomStringConvertible {
    /// The dimensions, outermost first.
    public let shape: [Int]
    /// The element type.
    public let elementType: ElementType
    /// The number of elements (the product of `shape`).
    public let count: Int
    /// The backend's storage object; only the owning backend looks inside.
    public let storage: AnyObject
    /// The device that made this tensor.
    public let deviceID: ObjectIdentifier

    /// Made by backends only: model code asks a device for tensors with `ComputeDevice.makeTensor`.
    public init(shape: [Int], elementType: ElementType, storage: AnyObject, deviceID: ObjectIdentifier) {
        self.shape = shape
        self.elementType = elementType
        self.count = shape.reduce(1, *)
        self.storage = storage
        self.deviceID = deviceID
    }

    /// Rows of the tensor seen as a matrix: every dimension but the last (1 for a scalar or a vector).
    public var rows: Int { shape.count <= 1 ? 1 : shape.dropLast().reduce(1, *) }
    /// Columns of the tensor seen as a matrix: the last dimension (the element count for a vector).
    public var columns: Int { shape.last ?? 1 }

    public var description: String { "Tensor(\(elementType) \(shape))" }
}
