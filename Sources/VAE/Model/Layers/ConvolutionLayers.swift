import VAECompute

/// nn.Conv2d: `y = act(conv2d(x, W) + b)`, W stored [out, in, kh, kw].
final class Conv2dLayer: Layer {
    let plan: PlannedLayer
    let geometry: ConvGeometry
    let weight: LayerParameter, bias: LayerParameter
    /// Whether a batch norm takes the output (see `makeLayer`): the bias's gradient is then exactly zero and
    /// is left at zero instead of summed from rounding noise, which Adam would turn into steps of up to the
    /// learning rate that differ from device to device (PyTorch takes those steps; here the bias stays put).
    let biasCancelled: Bool

    init(_ plan: PlannedLayer, parameters: ParameterStore, biasCancelled: Bool) {
        guard case let .conv2d(g) = plan.kind else { preconditionFailure("not a Conv2d plan") }
        self.plan = plan; geometry = g; self.biasCancelled = biasCancelled
        (weight, bias) = parameters.weightAndBias()
    }

    func forward(_ x: Tensor, into y: Tensor, training: Bool, on device: any ComputeDevice) throws {
        try device.launch(
            .conv2d(x: x, weight: weight.value, bias: bias.value, y: y, geometry: geometry, activation: plan.activation)
        )
    }

    func backward(
        input x: Tensor, output y: Tensor, dy: Tensor, dx: Tensor?, accumulate: Bool, on device: any ComputeDevice
    ) throws {
        precondition(!accumulate, "a convolution's input gradient is written, not added")
        try activationBackward(output: y, dy: dy, on: device)
        try device.launch(.conv2dWeightGradient(x: x, dy: dy, dweight: weight.gradient, geometry: geometry))
        if !biasCancelled {
            try device.launch(
                .channelSum(x: dy, out: bias.gradient, plane: geometry.outputHeight * geometry.outputWidth))
        }
        if let dx {
            try device.launch(
                .convTranspose2d(
                    x: dy, weight: weight.value, bias: nil, y: dx, geometry: geometry, activation: .identity))
        }
    }
}

/// nn.ConvTranspose2d: `y = act(conv_transpose2d(x, W) + b)`, W stored [in, out, kh, kw]. Its geometry
/// is that of the convolution it transposes: the layer's output is the geometry's input side.
final class ConvTranspose2dLayer: Layer {
    let plan: PlannedLayer
    let geometry: ConvGeometry
    let weight: LayerParameter, bias: LayerParameter
    /// Whether a batch norm takes the output (see `Conv2dLayer.biasCancelled`).
    let biasCancelled: Bool

    init(_ plan: PlannedLayer, parameters: ParameterStore, biasCancelled: Bool) {
        guard case let .convTranspose2d(g) = plan.kind else { preconditionFailure("not a ConvTranspose2d plan") }
        self.plan = plan; geometry = g; self.biasCancelled = biasCancelled
        (weight, bias) = parameters.weightAndBias()
    }

    func forward(_ x: Tensor, into y: Tensor, training: Bool, on device: any ComputeDevice) throws {
        try device.launch(
            .convTranspose2d(
                x: x, weight: weight.value, bias: bias.value, y: y, geometry: geometry, activation: plan.activation))
    }

    func backward(
        input x: Tensor, output y: Tensor, dy: Tensor, dx: Tensor?, accumulate: Bool, on device: any ComputeDevice
    ) throws {
        precondition(!accumulate, "a convolution's input gradient is written, not added")
        try activationBackward(output: y, dy: dy, on: device)
        // The transposed convolution's weight gradient is the convolution's with input and output swapped.
        try device.launch(.conv2dWeightGradient(x: dy, dy: x, dweight: weight.gradient, geometry: geometry))
        if !biasCancelled {
            try device.launch(.channelSum(x: dy, out: bias.gradient, plane: geometry.inputHeight * geometry.inputWidth))
        }
        if let dx {
            try device.launch(
                .conv2d(x: dy, weight: weight.value, bias: nil, y: dx, geometry: geometry, activation: .identity))
        }
    }
}
