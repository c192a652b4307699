import VAECompute

/// A trained tensor with its gradient and Adam moments, named as its checkpoint entry ends ("weight").
struct LayerParameter {
    let name: String
    let value: Tensor, gradient: Tensor, m: Tensor, v: Tensor

    init(_ name: String, shape: [Int], device: any ComputeDevice) throws {
        self.name = name
        value = try device.zeros(shape); gradient = try device.zeros(shape)
        m = try device.zeros(shape); v = try device.zeros(shape)
    }
}

extension LayerParameter {
    /// A layer's weight and bias, shaped as its plan says.
    static func weightAndBias(
        _ plan: PlannedLayer, device: any ComputeDevice
    ) throws -> (LayerParameter, LayerParameter) {
        (
            try LayerParameter("weight", shape: plan.weightShape, device: device),
            try LayerParameter("bias", shape: [plan.biasCount], device: device)
        )
    }
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

/// Makes the layer a plan describes.
func makeLayer(_ plan: PlannedLayer, device: any ComputeDevice) throws -> any Layer {
    switch plan.kind {
    case .dense: try DenseLayer(plan, device: device)
    case .conv2d: try Conv2dLayer(plan, device: device)
    case .convTranspose2d: try ConvTranspose2dLayer(plan, device: device)
    case .batchNorm2d: try BatchNorm2dLayer(plan, device: device)
    }
}
