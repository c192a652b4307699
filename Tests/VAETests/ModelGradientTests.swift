import Testing
import VAECPU
import VAECompute

@testable import VAE

/// The whole model's backward pass against central finite differences of its forward loss, parameter by
/// parameter, with the noise held fixed (same step and stream). This checks how the kernels are wired
/// together (which the kernel suite cannot), for every depth and both likelihoods.
@Suite("model gradients")
struct ModelGradientTests {
    static let configurations = [
        VAEConfiguration(inputSize: 12, hidden: [5], latent: 3, imageHeight: 3, imageWidth: 4),
        VAEConfiguration(inputSize: 12, hidden: [], latent: 2, imageHeight: 3, imageWidth: 4),
        VAEConfiguration(inputSize: 12, hidden: [6, 4], latent: 3, activation: .tanh, imageHeight: 3, imageWidth: 4),
        VAEConfiguration(
            inputSize: 12, hidden: [5], latent: 3, likelihood: .gaussian, gaussianLogVariance: -1, imageHeight: 3,
            imageWidth: 4),
        VAEConfiguration(
            inputSize: 12, hidden: [5], latent: 3, likelihood: .gaussian, gaussianLogVariance: -1,
            learnedVariance: true,
            imageHeight: 3, imageWidth: 4),
        // conv28, small: both Conv2d, both ConvTranspose2d and the dense layers between them (tanh: with
        // ReLU, a step of h moves many of the 784-pixel maps' units across the kink and the difference is meaningless).
        VAEConfiguration(architecture: .conv28, hidden: [4], convChannels: [2, 3], latent: 2, activation: .tanh),
        // conv64, small: Conv2d, BatchNorm2d (training mode: the batch's statistics tie the images together),
        // ConvTranspose2d twice and the last Conv2d, grey 64×64.
        VAEConfiguration(
            architecture: .conv64, inputSize: 64 * 64, convChannels: [2], latent: 2, activation: .tanh,
            imageHeight: 64, imageWidth: 64),
    ]

    @Test(arguments: configurations)
    func backwardMatchesFiniteDifferences(_ config: VAEConfiguration) throws {
        let device = CPUDevice(mode: .reference)
        let model = try VAEModel(config, device: device, seed: 3)
        let batch = 3, beta: Float = 0.8
        let w = try model.workspace(batchSize: batch)
        try device.upload((0..<(batch * config.inputSize)).map { Float(($0 * 7) % 11) / 10 }, to: w.x)
        try device.upload([1, 0] as [UInt32], to: model.schedule)  // step 1, learning rate 0: the noise is fixed

        /// The loss summed in double from the per-image float32 values, and how far their rounding may move
        /// it: half an ulp of each (the reference kernels compute in double and round once to float32).
        func lossAndRounding(outputGradient: Bool = false) throws -> (loss: Double, rounding: Double) {
            try model.forward(w, seed: 9, stream: 0, outputGradient: outputGradient, training: true)
            let reconstruction = try device.download(w.reconstructionPerRow), kl = try device.download(w.klPerRow)
            let loss = zip(reconstruction, kl).reduce(0.0) { $0 + Double($1.0) + Double(beta) * Double($1.1) }
            let rounding = zip(reconstruction, kl).reduce(0.0) {
                $0 + Double($1.0.ulp) / 2 + Double(beta) * Double($1.1.ulp) / 2
            }
            return (loss, rounding)
        }
        func loss(outputGradient: Bool = false) throws -> Double {
            try lossAndRounding(outputGradient: outputGradient).loss
        }
        _ = try loss(outputGradient: true)
        try model.backward(w, beta: beta)
        let h: Float = 1e-2
        // The difference quotient can be off by both evaluations' rounding over 2h: for conv64's 4096-pixel
        // images (a loss near 2,900 nats per image) that is about 0.02, as much as the rest of the tolerance.
        let noise = Float(2 * (try lossAndRounding().rounding) / Double(2 * h))
        do {
            for p in model.trainedParameters {
                let analytic = try device.download(p.gradient)
                var values = try device.download(p.value)
                var worst: Float = 0
                // Every element of small tensors; 40 spread over a large one (the conv model's 784-wide layers).
                let checked =
                    values.count <= 64
                    ? Array(values.indices) : (0..<40).map { min(values.count - 1, $0 * values.count / 40 + $0 % 7) }
                for i in checked {
                    let original = values[i]
                    values[i] = original + h; try device.upload(values, to: p.value)
                    let plus = try loss()
                    values[i] = original - h; try device.upload(values, to: p.value)
                    let minus = try loss()
                    values[i] = original; try device.upload(values, to: p.value)
                    let numeric = Float((plus - minus) / Double(2 * h))
                    // Float32 activations and an O(h²) truncation: 2e-2 absolute + 2e-2 relative, plus the
                    // rounding of the loss itself.
                    worst = max(worst, abs(numeric - analytic[i]) - 2e-2 * abs(numeric) - noise)
                }
                #expect(worst <= 2e-2, "\(p.name): gradient off by \(worst) beyond tolerance")
            }
        }
    }
}
