import VAECompute

/// Elements of a tensor with a shape of their own: a checkpoint entry that may be part of a larger trained
/// tensor (the two heads run as one layer, so each head's weight is a range of rows of the one weight).
struct TensorSlice {
    let tensor: Tensor
    let elements: Range<Int>
    let shape: [Int]

    /// The whole of `tensor`, in its own shape.
    init(whole tensor: Tensor) { self.init(tensor, elements: 0..<tensor.count, shape: tensor.shape) }

    init(_ tensor: Tensor, elements: Range<Int>, shape: [Int]) {
        precondition(elements.lowerBound >= 0 && elements.upperBound <= tensor.count, "a slice inside the tensor")
        precondition(shape.reduce(1, *) == elements.count, "a shape of the slice's element count")
        self.tensor = tensor; self.elements = elements; self.shape = shape
    }

    var count: Int { elements.count }
    var isWhole: Bool { elements == 0..<tensor.count }
}

/// A trained tensor as its checkpoint entry names it ("fc21.weight"), with its gradient and Adam's moments.
struct NamedParameter {
    let name: String
    let value: TensorSlice, gradient: TensorSlice, m: TensorSlice, v: TensorSlice

    /// Elements `elements` of `p`'s tensors, in `shape`.
    init(_ name: String, of p: LayerParameter, elements: Range<Int>, shape: [Int]) {
        self.name = name
        value = TensorSlice(p.value, elements: elements, shape: shape)
        gradient = TensorSlice(p.gradient, elements: elements, shape: shape)
        m = TensorSlice(p.m, elements: elements, shape: shape)
        v = TensorSlice(p.v, elements: elements, shape: shape)
    }

    /// All of `p`, named `name`.
    init(_ name: String, of p: LayerParameter) {
        self.init(name, of: p, elements: 0..<p.value.count, shape: p.value.shape)
    }

    /// Whole tensors, named `name`.
    init(_ name: String, value: Tensor, gradient: Tensor, m: Tensor, v: Tensor) {
        self.name = name
        self.value = TensorSlice(whole: value); self.gradient = TensorSlice(whole: gradient)
        self.m = TensorSlice(whole: m); self.v = TensorSlice(whole: v)
    }
}

extension ComputeDevice {
    /// Reads a slice's float32 values (the whole tensor is read: parameters are small, and this is for
    /// checkpoints and tests, never inside a step).
    func download(_ slice: TensorSlice) throws -> [Float] {
        let all = try download(slice.tensor)
        return slice.isWhole ? all : Array(all[slice.elements])
    }

    /// Writes a slice's float32 values (exactly `slice.count`), leaving the rest of its tensor as it is.
    func upload(_ values: [Float], to slice: TensorSlice) throws {
        precondition(values.count == slice.count, "\(values.count) values for a slice of \(slice.count)")
        if slice.isWhole { return try upload(values, to: slice.tensor) }
        var all = try download(slice.tensor)
        all.replaceSubrange(slice.elements, with: values)
        try upload(all, to: slice.tensor)
    }
}
