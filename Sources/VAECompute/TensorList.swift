/// Up to five tensors held inline: a kernel's operands as `Kernel.reads` and `Kernel.writes` give them.
///
/// An array would cost a heap allocation per query, and every launch asks (the CPU backend checks each
/// operand's device, the Vulkan backend tracks hazards), which put a few hundred allocations into each
/// training step.
public struct TensorList: RandomAccessCollection, Sendable {
    private let slots: (Tensor?, Tensor?, Tensor?, Tensor?, Tensor?)
    public let count: Int

    /// The non-nil arguments, in order.
    public init(_ a: Tensor? = nil, _ b: Tensor? = nil, _ c: Tensor? = nil, _ d: Tensor? = nil, _ e: Tensor? = nil) {
        slots = (a, b, c, d, e)
        count = (a == nil ? 0 : 1) + (b == nil ? 0 : 1) + (c == nil ? 0 : 1) + (d == nil ? 0 : 1) + (e == nil ? 0 : 1)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Tensor {
        var seen = -1
        for i in 0..<5 {
            guard let t = slot(i) else { continue }
            seen += 1
            if seen == position { return t }
        }
        preconditionFailure("TensorList index \(position) out of range (count \(count))")
    }

    private func slot(_ i: Int) -> Tensor? {
        switch i {
        case 0: slots.0
        case 1: slots.1
        case 2: slots.2
        case 3: slots.3
        default: slots.4
        }
    }
}
