extension ComputeDevice {
    /// Devices whose tensors are not host memory (the default): nil, `body` is not called.
    public func withHostMemory<R>(of tensor: Tensor, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R? {
        nil
    }

    /// Makes a float32 tensor holding `values`.
    public func tensor(_ values: [Float], shape: [Int]) throws -> Tensor {
        let t = try makeTensor(shape: shape, elementType: .float32)
        try upload(values, to: t)
        return t
    }

    /// Makes a float32 tensor of zeros (the device is asked for it before any host memory is used).
    public func zeros(_ shape: [Int]) throws -> Tensor {
        let t = try makeTensor(shape: shape, elementType: .float32)
        try upload([Float](repeating: 0, count: t.count), to: t)
        return t
    }

    /// Throws "`what` needs N GB, the device has M" when tensors of `bytes` more would not fit beside
    /// those the device already holds (nothing is checked where the device does not know its memory).
    public func requireCapacity(_ bytes: Int, for what: @autoclosure () -> String) throws {
        let capacity = Int(clamping: info.memoryBytes)
        guard capacity > 0 else { return }
        let total = try CheckedSize.add(counters.allocatedBytes, bytes, what())
        try MemoryBudget.require(total, fitIn: capacity, what(), place: "the device (\(info.name))")
    }

    /// Writes float32 values (exactly `tensor.count` of them).
    public func upload(_ values: [Float], to tensor: Tensor) throws {
        try checkUpload(values.count, tensor, .float32)
        try values.withUnsafeBytes { try write($0, to: tensor) }
    }

    /// Writes uint32 values (exactly `tensor.count` of them).
    public func upload(_ values: [UInt32], to tensor: Tensor) throws {
        try checkUpload(values.count, tensor, .uint32)
        try values.withUnsafeBytes { try write($0, to: tensor) }
    }

    /// Writes bytes into a uint8 tensor (exactly `tensor.count` of them).
    public func upload(_ values: [UInt8], to tensor: Tensor) throws {
        try checkUpload(values.count, tensor, .uint8)
        var padded = values
        padded.append(
            contentsOf: [UInt8](
                repeating: 0, count: tensor.elementType.storageBytes(count: tensor.count) - values.count))
        try padded.withUnsafeBytes { try write($0, to: tensor) }
    }

    /// Reads a float32 tensor.
    public func download(_ tensor: Tensor) throws -> [Float] {
        guard tensor.elementType == .float32 else {
            throw ComputeError.invalidArguments(kernel: "download", reason: "expected float32, got \(tensor)")
        }
        var out = [Float](repeating: 0, count: tensor.count)
        try out.withUnsafeMutableBytes { try read(tensor, into: $0) }
        return out
    }

    /// Reads a uint32 tensor.
    public func downloadUInt32(_ tensor: Tensor) throws -> [UInt32] {
        guard tensor.elementType == .uint32 else {
            throw ComputeError.invalidArguments(kernel: "download", reason: "expected uint32, got \(tensor)")
        }
        var out = [UInt32](repeating: 0, count: tensor.count)
        try out.withUnsafeMutableBytes { try read(tensor, into: $0) }
        return out
    }

    private func checkUpload(_ count: Int, _ tensor: Tensor, _ type: ElementType) throws {
        guard tensor.elementType == type, tensor.count == count else {
            throw ComputeError.invalidArguments(
                kernel: "upload", reason: "\(count) \(type) values do not fit \(tensor)")
        }
    }
}
