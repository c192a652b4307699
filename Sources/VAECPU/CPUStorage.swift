/// Host memory behind a CPU tensor, 64-byte aligned for vector loads: its own allocation, or a range of
/// a tensor group's (`TensorGroup`).
final class CPUStorage {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int
    /// Where the memory comes from: a ledger to account it to (its own), or the group's storage (kept alive
    /// by this reference).
    private let source: Source
    private enum Source {
        case own(AllocationLedger)
        case partOf(CPUStorage)
    }

    init(byteCount: Int, ledger: AllocationLedger) {
        self.byteCount = byteCount
        source = .own(ledger)
        ledger.add(byteCount)
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 4), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 4))
    }

    /// `byteCount` bytes of `owner`'s memory from `byteOffset` (inside it: the group's layout says so).
    init(partOf owner: CPUStorage, byteOffset: Int, byteCount: Int) {
        precondition(byteOffset >= 0 && byteOffset + byteCount <= owner.byteCount)
        bytes = owner.bytes + byteOffset
        self.byteCount = byteCount
        source = .partOf(owner)
    }

    deinit {
        if case let .own(ledger) = source {
            bytes.deallocate()
            ledger.add(-byteCount)
        }
    }

    func floats(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: bytes.assumingMemoryBound(to: Float.self), count: count)
    }

    func words(_ count: Int) -> UnsafeMutableBufferPointer<UInt32> {
        UnsafeMutableBufferPointer(start: bytes.assumingMemoryBound(to: UInt32.self), count: count)
    }

    func bytes(_ count: Int) -> UnsafeMutableBufferPointer<UInt8> {
        UnsafeMutableBufferPointer(start: bytes.assumingMemoryBound(to: UInt8.self), count: count)
    }
}

/// Bytes held by a CPU device's tensors, and their high-water mark.
final class AllocationLedger {
    private(set) var current = 0
    private(set) var peak = 0

    func add(_ bytes: Int) {
        current += bytes
        peak = max(peak, current)
    }
}
