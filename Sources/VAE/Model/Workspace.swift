import VAECompute

/// Every activation and gradient buffer a minibatch of one size needs, allocated once, plus device
/// scalars where the losses of many steps accumulate until the host asks for them.
final class Workspace {
    let batchSize: Int
    let x: Tensor
    /// Outputs of the encoder's layers, and of the decoder's but its last (whose output is `output`).
    let encoderActivations: [Tensor], decoderActivations: [Tensor]
    /// The heads' output [batch, 2·latent]: each row the posterior's mu then its logvar.
    let posterior: Tensor
    let eps: Tensor, z: Tensor, output: Tensor
    let reconstructionPerRow: Tensor, klPerRow: Tensor
    /// Σ reconstruction NLL and Σ KL (unweighted) since the last reset.
    let reconstructionTotal: Tensor, klTotal: Tensor
    // Gradients.
    let dOutput: Tensor, dz: Tensor, dposterior: Tensor
    let dEncoder: [Tensor], dDecoder: [Tensor]
    /// The per-element gradient of a learned pixel log-variance (nil when it is not learned).
    let dPixelLogVariance: Tensor?

    init(model: VAEModel, batchSize b: Int) throws {
        let d = model.device, c = model.configuration
        batchSize = b
        x = try d.zeros([b, c.inputSize])
        encoderActivations = try model.encoder.map { try d.zeros([b, $0.plan.output.count]) }
        decoderActivations = try model.decoder.dropLast().map { try d.zeros([b, $0.plan.output.count]) }
        posterior = try d.zeros([b, 2 * c.latent])
        eps = try d.zeros([b, c.latent]); z = try d.zeros([b, c.latent])
        output = try d.zeros([b, c.inputSize])
        reconstructionPerRow = try d.zeros([b]); klPerRow = try d.zeros([b])
        reconstructionTotal = try d.zeros([1]); klTotal = try d.zeros([1])
        dOutput = try d.zeros([b, c.inputSize])
        dz = try d.zeros([b, c.latent]); dposterior = try d.zeros([b, 2 * c.latent])
        dEncoder = try model.encoder.map { try d.zeros([b, $0.plan.output.count]) }
        dDecoder = try model.decoder.dropLast().map { try d.zeros([b, $0.plan.output.count]) }
        dPixelLogVariance = c.learnedVariance ? try d.zeros([b, c.inputSize]) : nil
    }
}
