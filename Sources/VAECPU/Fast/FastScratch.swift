/// Scratch memory of the fast convolutions (im2col matrices, gathered operands, per-thread weight
/// gradients), owned by one `CPUDevice` and kept between launches, so a training step allocates nothing
/// once its first step has grown the buffers. A device is used from one thread at a time; each parallel
/// part gets its own buffers, sized before the parts start.
final class FastScratch {
    private var buffers: [UnsafeMutableBufferPointer<Float>] = []

    /// Buffer `slot` of every part `0..<parts`, each at least `count` floats, as base addresses indexed
    /// by part. Contents are unspecified.
    func reserve(slot: Int, parts: Int, count: Int, slots: Int = 3) -> [UnsafeMutablePointer<Float>] {
        (0..<parts).map { part in
            let index = part * slots + slot
            while buffers.count <= index { buffers.append(UnsafeMutableBufferPointer(start: nil, count: 0)) }
            if buffers[index].count < count {
                buffers[index].deallocate()
                buffers[index] = .allocate(capacity: max(count, 1))
            }
            return buffers[index].baseAddress!
        }
    }

    deinit { for b in buffers { b.deallocate() } }
}
