/// Errors a device or a kernel launch reports. Each says in one line what went wrong and where.
public enum ComputeError: Error, CustomStringConvertible, Equatable {
    /// A kernel got tensors whose shapes or types do not fit together.
    case invalidArguments(kernel: String, reason: String)
    /// The device could not allocate memory.
    case outOfMemory(device: String, requestedBytes: Int)
    /// A single buffer is larger than the device can bind.
    case bufferTooLarge(device: String, requestedBytes: Int, limit: Int)
    /// No device matched a request, or none exists.
    case noDevice(String)
    /// The device failed (a driver error, a lost device).
    case deviceFailure(String)
    /// A tensor made by another device was passed.
    case foreignTensor(kernel: String)

    public var description: String {
        switch self {
        case let .invalidArguments(kernel, reason): return "\(kernel): \(reason)"
        case let .outOfMemory(device, bytes):
            return "\(device): out of device memory allocating \(MemoryBudget.describe(bytes))"
        case let .bufferTooLarge(device, bytes, limit):
            return
                "\(device): a tensor of \(MemoryBudget.describe(bytes)) exceeds the device's limit of \(MemoryBudget.describe(limit)) "
                + "per buffer (maxStorageBufferRange)"
        case let .noDevice(message): return message
        case let .deviceFailure(message): return message
        case let .foreignTensor(kernel): return "\(kernel): a tensor belongs to another device"
        }
    }
}
