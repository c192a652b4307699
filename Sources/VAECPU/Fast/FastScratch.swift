/// Scratch memory of the fast convolutions (im2col matrices, gathered operands, per-thread weight
/// gradients), owned by one `CPUDevice` and kept between launches, so a training step allocates nothing
/// once its first step has grown the buffers. A device is used from one thread at a time; each parallel
/// part gets its own buffers, sized before the parts start.
final class FastScratch {
    /// Per slot: each part's buffer and its capacity in floats.
    private var slots: [[UnsafeMutablePointer<Float>]] = []
    private var capacities: [[Int]] = []

    /// Buffer `slot` of every part `0..<parts`, each at least `count` floats, as base addresses indexed
    /// by part. Contents are unspecified. Returns the kept array (no allocation) unless a buffer grows.
    func reserve(slot: Int, parts: Int, count: Int) -> [UnsafeMutablePointer<Float>] {
        while slots.count <= slot {
            slots.append([])
            capacities.append([])
        }
        if slots[slot].count >= parts, capacities[slot].prefix(parts).allSatisfy({ $0 >= count }) { return slots[slot] }
        for part in 0..<parts {
            if part < slots[slot].count {
                guard capacities[slot][part] < count else { continue }
                slots[slot][part].deallocate()
                slots[slot][part] = .allocate(capacity: max(count, 1))
                capacities[slot][part] = max(count, 1)
            } else {
                slots[slot].append(.allocate(capacity: max(count, 1)))
                capacities[slot].append(max(count, 1))
            }
        }
        return slots[slot]
    }

    deinit { for slot in slots { for buffer in slot { buffer.deallocate() } } }
}
