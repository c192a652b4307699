import VAECompute

/// The model's trained tensors, their gradients and Adam's moments: each kind in one tensor group
/// (`TensorGroup`), its parts handed to the layers in order.
///
/// One Adam launch on the groups' wholes then updates every parameter (a launch per tensor cost 18 of a
/// conv28 step's 68 dispatches), one fill zeroes every gradient, and data-parallel ranks sum one gradient
/// tensor. Adam works element by element, so the whole gives every parameter the bits it got alone; the
/// padding between parts has zero gradients and stays zero.
final class ParameterStore {
    let values: TensorGroup, gradients: TensorGroup, m: TensorGroup, v: TensorGroup
    private var handedOut = 0

    /// Groups for parameters of `shapes`, all zero.
    init(shapes: [[Int]], device: any ComputeDevice) throws {
        values = try device.makeTensorGroup(shapes: shapes, elementType: .float32)
        gradients = try device.makeTensorGroup(shapes: shapes, elementType: .float32)
        m = try device.makeTensorGroup(shapes: shapes, elementType: .float32)
        v = try device.makeTensorGroup(shapes: shapes, elementType: .float32)
    }

    /// The shapes a model of these layers trains, in the order its layers take them: each layer's weight
    /// then bias, then the learned per-pixel log-variance (`pixels` of them) when there is one.
    static func shapes(of layers: [PlannedLayer], learnedPixels pixels: Int?) -> [[Int]] {
        layers.flatMap { [$0.weightShape, [$0.biasCount]] } + (pixels.map { [[$0]] } ?? [])
    }

    /// The next parameter, in the order of the shapes.
    func next(_ name: String) -> LayerParameter {
        let i = handedOut
        precondition(i < values.parts.count, "more parameters taken than planned")
        handedOut += 1
        return LayerParameter(
            name: name, value: values.parts[i], gradient: gradients.parts[i], m: m.parts[i], v: v.parts[i])
    }

    /// A layer's weight and bias.
    func weightAndBias() -> (LayerParameter, LayerParameter) { (next("weight"), next("bias")) }

    /// Whether every planned parameter went to a layer.
    var allHandedOut: Bool { handedOut == values.parts.count }
}
