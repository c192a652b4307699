import VAECompute

/// nn.BatchNorm2d with PyTorch's defaults (momentum 0.1, eps 1e-5, affine, running statistics), its
/// activation fused: `y = act(γ·(x − mean)/√(var + ε) + β)` per channel. In training the batch's
/// statistics normalize and the running ones move; in evaluation the running ones normalize.
///
/// γ and β are the layer's `weight` and `bias` (PyTorch's names); `running_mean` and `running_var` are
/// buffers saved with the model. The mean and 1/σ the forward pass used are kept for the backward pass.
final class BatchNorm2dLayer: Layer {
    /// PyTorch's defaults, which its checkpoints were trained with.
    static let momentum: Float = 0.1, epsilon: Float = 1e-5

    let plan: PlannedLayer
    let weight: LayerParameter, bias: LayerParameter
    let runningMean: Tensor, runningVar: Tensor
    let savedMean: Tensor, savedInvStd: Tensor
    let plane: Int

    init(_ plan: PlannedLayer, parameters: ParameterStore, device: any ComputeDevice) throws {
        guard case let .batchNorm2d(channels, plane) = plan.kind else { preconditionFailure("not a BatchNorm2d plan") }
        self.plan = plan; self.plane = plane
        (weight, bias) = parameters.weightAndBias()
        runningMean = try device.zeros([channels]); runningVar = try device.zeros([channels])
        savedMean = try device.zeros([channels]); savedInvStd = try device.zeros([channels])
    }

    var buffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }

    /// PyTorch's initial state: γ = 1, β = 0, running mean 0 and variance 1.
    func reset(on device: any ComputeDevice) throws {
        try device.launch(.fill(x: weight.value, value: 1))
        try device.launch(.fill(x: bias.value, value: 0))
        try device.launch(.fill(x: runningMean, value: 0))
        try device.launch(.fill(x: runningVar, value: 1))
    }

    func forward(_ x: Tensor, into y: Tensor, training: Bool, on device: any ComputeDevice) throws {
        try device.launch(
            .batchNorm(
                x: x, gamma: weight.value, beta: bias.value, y: y, mean: savedMean, invStd: savedInvStd,
                runningMean: runningMean, runningVar: runningVar, plane: plane, momentum: Self.momentum,
                epsilon: Self.epsilon, training: training, activation: plan.activation))
    }

    /// The gradient of a training-mode forward pass (the one just recorded).
    func backward(
        input x: Tensor, output y: Tensor, dy: Tensor, dx: Tensor?, accumulate: Bool, on device: any ComputeDevice
    ) throws {
        precondition(!accumulate, "a batch norm's input gradient is written, not added")
        guard let dx else { preconditionFailure("a BatchNorm2d layer always follows a layer that needs its gradient") }
        try activationBackward(output: y, dy: dy, on: device)
        try device.launch(
            .batchNormBackward(
                x: x, dy: dy, gamma: weight.value, mean: savedMean, invStd: savedInvStd, dx: dx,
                dgamma: weight.gradient, dbeta: bias.gradient, plane: plane))
    }
}
