/// Host memory behind a CPU tensor, 64-byte aligned for vector loads.
final class CPUStorage {
    let bytes: UnsafeMutableRawPointer
    let byteCount: Int
    private let ledger: AllocationLedger

    init(byteCount: Int, ledger: AllocationLedger) {
        self.byteCount = byteCount
        self.ledger = ledger
        ledger.add(byteCount)
        bytes = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 4), alignment: 64)
        bytes.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 4))
    }

    deinit {
        bytes.deallocate()
        ledger.add(-byteCount)
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
