import VAECompute

/// nn.Linear: `y = act(x·Wᵀ + b)` with W stored [outputs, inputs] as PyTorch stores it.
final class DenseLayer: Layer {
    let plan: PlannedLayer
    let weight: LayerParameter, bias: LayerParameter

    init(_ plan: PlannedLayer, parameters: ParameterStore) {
        self.plan = plan
        (weight, bias) = parameters.weightAndBias()
    }

    func forward(_ x: Tensor, into y: Tensor, training: Bool, on device: any ComputeDevice) throws {
        try device.launch(
            .matmul(
                a: x, b: weight.value, c: y, transposeA: false, transposeB: true, bias: bias.value,
                activation: plan.activation, accumulate: false))
    }

    func backward(
        input x: Tensor, output y: Tensor, dy: Tensor, dx: Tensor?, accumulate: Bool, on device: any ComputeDevice
    ) throws {
        try activationBackward(output: y, dy: dy, on: device)
        try device.launch(
            .matmul(
                a: dy, b: x, c: weight.gradient, transposeA: true, transposeB: false, bias: nil, activation: .identity,
                accumulate: false))
        try device.launch(.columnSum(x: dy, out: bias.gradient, accumulate: false))
        if let dx {
            try device.launch(
                .matmul(
                    a: dy, b: weight.value, c: dx, transposeA: false, transposeB: false, bias: nil,
                    activation: .identity,
                    accumulate: accumulate))
        }
    }
}
