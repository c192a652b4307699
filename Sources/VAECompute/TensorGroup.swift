/// Tensors that share one allocation, with a vector over all of them.
///
/// A model's parameters (and their gradients and Adam moments) live in groups so that one launch on `whole`
/// updates every parameter at once, where one launch per tensor would cost a dispatch, and on Vulkan a
/// descriptor update, each. Launches on a part and on the whole are ordered like launches on one tensor.
public struct TensorGroup {
    /// A 1-D tensor over every part and the padding between them.
    public let whole: Tensor
    /// The tensors, in the order their shapes were given.
    public let parts: [Tensor]
    /// Where each part starts in `whole`, in elements.
    public let offsets: [Int]

    public init(whole: Tensor, parts: [Tensor], offsets: [Int]) {
        self.whole = whole; self.parts = parts; self.offsets = offsets
    }
}

/// Where the parts of a tensor group go: each in order, at the next multiple of its alignment, taking the
/// room its backend reserves for it (at least its own elements).
public struct TensorGroupLayout: Equatable, Sendable {
    /// Each part's first element.
    public let offsets: [Int]
    /// Elements in the whole: past the last part's reserved room.
    public let count: Int

    /// `reserved[i]` ≥ the part's own element count (a backend may round a buffer up); `alignment[i]` ≥ 1.
    public init(reserved: [Int], alignment: [Int]) throws {
        precondition(reserved.count == alignment.count && alignment.allSatisfy { $0 >= 1 })
        var offsets: [Int] = [], end = 0
        for (room, align) in zip(reserved, alignment) {
            let start = try CheckedSize.multiply(
                (try CheckedSize.add(end, align - 1, "a tensor group")) / align, align, "a tensor group")
            offsets.append(start)
            end = try CheckedSize.add(start, room, "a tensor group")
        }
        guard end <= CheckedSize.maxTensorElements else {
            throw SizeError("a tensor group of \(end) elements is more than a tensor can hold")
        }
        self.offsets = offsets
        count = end
    }
}
