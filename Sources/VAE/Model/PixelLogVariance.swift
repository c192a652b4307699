import VAECompute

/// The log-variance of a Gaussian decoder, one value per pixel: a constant when fixed, a parameter (with
/// its gradient and Adam moments) when learned. Stored in checkpoints as `logvar_x` when learned.
final class PixelLogVariance {
    static let checkpointName = "logvar_x"
    /// The learned log-variance is kept in this range after each step. Pixels that never change (MNIST's
    /// border) would otherwise drive their variance to 0 and the loss to −∞.
    static let range: ClosedRange<Float> = -6.9...6.9
    let value: Tensor
    let learned: Bool
    let gradient: Tensor?, m: Tensor?, v: Tensor?

    /// Learned, it is the next parameter of `parameters` (planned last); fixed, a tensor of its own.
    init(_ c: VAEConfiguration, parameters: ParameterStore, device: any ComputeDevice) throws {
        learned = c.learnedVariance
        let start = [Float](repeating: c.gaussianLogVariance, count: c.inputSize)
        if learned {
            let p = parameters.next(Self.checkpointName)
            try device.upload(start, to: p.value)
            (value, gradient, m, v) = (p.value, p.gradient, p.m, p.v)
        } else {
            value = try device.tensor(start, shape: [c.inputSize])
            (gradient, m, v) = (nil, nil, nil)
        }
    }

    var parameters: [NamedParameter] {
        guard let gradient, let m, let v else { return [] }
        return [NamedParameter(Self.checkpointName, value: value, gradient: gradient, m: m, v: v)]
    }
}
