import VAECompute

/// One fully connected layer on a device: `y = act(x·Wᵀ + b)` with W stored [outputs, inputs] as in
/// PyTorch's nn.Linear, plus its gradients and Adam moments.
final class DenseLayer {
    let role: LayerRole
    let inputs: Int
    let outputs: Int
    let weight: Tensor, bias: Tensor
    let weightGradient: Tensor, biasGradient: Tensor
    let weightM: Tensor, weightV: Tensor, biasM: Tensor, biasV: Tensor

    init(role: LayerRole, inputs: Int, outputs: Int, device: any ComputeDevice) throws {
        self.role = role; self.inputs = inputs; self.outputs = outputs
        weight = try device.zeros([outputs, inputs]); bias = try device.zeros([outputs])
        weightGradient = try device.zeros([outputs, inputs]); biasGradient = try device.zeros([outputs])
        weightM = try device.zeros([outputs, inputs]); weightV = try device.zeros([outputs, inputs])
        biasM = try device.zeros([outputs]); biasV = try device.zeros([outputs])
    }

    /// Parameters with their gradient and moments, for the optimizer and checkpoints.
    var parameters: [(name: String, value: Tensor, gradient: Tensor, m: Tensor, v: Tensor)] {
        [("weight", weight, weightGradient, weightM, weightV), ("bias", bias, biasGradient, biasM, biasV)]
    }

    func forward(_ x: Tensor, into y: Tensor, activation: Activation, on device: any ComputeDevice) throws {
        try device.launch(.matmul(a: x, b: weight, c: y, transposeA: false, transposeB: true, bias: bias, activation: activation, accumulate: false))
    }

    /// Gradients of W and b from the gradient `dy` at the layer's pre-activation output and its input `x`;
    /// with `dx`, also the gradient at the input (`accumulate` adds it to what `dx` holds).
    func backward(_ dy: Tensor, input x: Tensor, dx: Tensor?, accumulate: Bool = false, on device: any ComputeDevice) throws {
        try device.launch(.matmul(a: dy, b: x, c: weightGradient, transposeA: true, transposeB: false, bias: nil, activation: .identity, accumulate: false))
        try device.launch(.columnSum(x: dy, out: biasGradient, accumulate: false))
        if let dx {
            try device.launch(.matmul(a: dy, b: weight, c: dx, transposeA: false, transposeB: false, bias: nil, activation: .identity, accumulate: accumulate))
        }
    }
}
