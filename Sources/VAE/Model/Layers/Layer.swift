import VAECompute

/// A trained tensor with its gradient and Adam moments, named as its checkpoint entry ends ("weight"): parts
/// of the model's `ParameterStore`.
struct LayerParameter {
    let name: String
    let value: Tensor, gradient: Tensor, m: Tensor, v: Tensor
}

/// A layer with parameters that owns its forward and backward launches (Caffe and ncnn style).
///
/// Every layer maps rows of `input.count` values to rows of `output.count` values ([batch, features]
/// tensors; images in NCHW order), applies its fused activation, and records its work on the device
/// contract: nothing is read back, nothing allocated.
protocol Layer: AnyObject {
    /// What the layer is, with its shapes and checkpoint name.
    var plan: PlannedLayer { get }
    var weight: LayerParameter { get }
    var bias: LayerParameter { get }
    /// State that is not trained by the optimizer but saved with the model (BatchNorm2d's running
    /// statistics), with the last part of its checkpoint name.
    var buffers: [(name: String, tensor: Tensor)] { get }

    /// `y = act(layer(x))`. `training` says whether this is a training step's forward pass (BatchNorm2d
    /// then normalizes by the batch's statistics and moves its running ones) or an evaluation.
    func forward(_ x: Tensor, into y: Tensor, training: Bool, on device: any ComputeDevice) throws
    /// `dy` holds the gradient at the layer's output and `y` its output; `dy` is overwritten with the
    /// gradient before the activation. Writes the parameters' gradients and, with `dx`, the gradient at
    /// the input (`accumulate` adds it to what `dx` holds).
    func backward(
        input x: Tensor, output y: Tensor, dy: Tensor, dx: Tensor?, accumulate: Bool, on device: any ComputeDevice)
        throws
}

extension Layer {
    var role: LayerRole { plan.role }
    /// Weight then bias.
    var parameters: [LayerParameter] { [weight, bias] }
    var buffers: [(name: String, tensor: Tensor)] { [] }

    /// The gradient before the activation, in place in `dy` (nothing to do for the identity).
    func activationBackward(output y: Tensor, dy: Tensor, on device: any ComputeDevice) throws {
        if plan.activation != .identity {
            try device.launch(.activationBackward(plan.activation, y: y, dy: dy, dx: dy))
        }
    }
}

/// Makes the layer a plan describes, its weight and bias the next two of `parameters`; `next` is the layer
/// that takes its output, if any.
func makeLayer(
    _ plan: PlannedLayer, next: PlannedLayer?, parameters: ParameterStore, device: any ComputeDevice
) throws -> any Layer {
    // A convolution whose output goes straight into a batch norm: the normalization subtracts each channel's
    // batch mean, so the bias has no effect on the loss in training and its gradient is exactly zero.
    let cancelled = plan.activation == .identity && next?.isBatchNorm == true
    switch plan.kind {
    case .dense: return DenseLayer(plan, parameters: parameters)
    case .conv2d: return Conv2dLayer(plan, parameters: parameters, biasCancelled: cancelled)
    case .convTranspose2d: return ConvTranspose2dLayer(plan, parameters: parameters, biasCancelled: cancelled)
    case .batchNorm2d: return try BatchNorm2dLayer(plan, parameters: parameters, device: device)
    }
}

/// The layers of a sequence of plans, each told which plan follows it.
func makeLayers(_ plans: [PlannedLayer], parameters: ParameterStore, device: any ComputeDevice) throws -> [any Layer] {
    try plans.indices.map { i in
        try makeLayer(
            plans[i], next: plans.indices.contains(i + 1) ? plans[i + 1] : nil, parameters: parameters, device: device)
    }
}
