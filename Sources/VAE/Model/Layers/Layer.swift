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

/// Makes the layer a plan describes, its weight and bias the next two of `parameters`.
func makeLayer(_ plan: PlannedLayer, parameters: ParameterStore, device: any ComputeDevice) throws -> any Layer {
    switch plan.kind {
    case .dense: DenseLayer(plan, parameters: parameters)
    case .conv2d: Conv2dLayer(plan, parameters: parameters)
    case .convTranspose2d: ConvTranspose2dLayer(plan, parameters: parameters)
    case .batchNorm2d: try BatchNorm2dLayer(plan, parameters: parameters, device: device)
    }
}
