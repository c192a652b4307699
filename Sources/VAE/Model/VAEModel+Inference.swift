import VAECompute
import VAEFormats

extension VAEModel {
    /// The posterior means and log-variances of images (rows of `inputSize` values in [0, 1]).
    public func encode(_ images: [[Float]]) throws -> (mu: [[Float]], logvar: [[Float]]) {
        guard !images.isEmpty else { return ([], []) }
        let w = try workspace(batchSize: images.count)
        try device.upload(images.flatMap { $0 }, to: w.x)
        try encode(w)
        let l = configuration.latent
        let posterior = rows(try device.download(w.posterior), 2 * l)
        return (posterior.map { Array($0[..<l]) }, posterior.map { Array($0[l...]) })
    }

    /// Decoded images for latent vectors: Bernoulli means (sigmoid of the logits) or Gaussian means, in [0, 1].
    public func decode(_ latents: [[Float]]) throws -> [[Float]] {
        guard !latents.isEmpty else { return [] }
        try requireDecodable(latents.count, what: "decoding \(latents.count) images")
        let w = try workspace(batchSize: latents.count)
        try device.upload(latents.flatMap { $0 }, to: w.z)
        try decode(w.z, w)
        if configuration.likelihood == .bernoulli {
            try device.launch(.activation(.sigmoid, x: w.output, y: w.dOutput))
        } else {
            try device.launch(.copy(src: w.output, dst: w.dOutput))
            try device.launch(.clamp(x: w.dOutput, lower: 0, upper: 1))
        }
        return rows(try device.download(w.dOutput), configuration.inputSize)
    }

    /// Reconstructions through the posterior means.
    public func reconstruct(_ images: [[Float]]) throws -> [[Float]] {
        try decode(try encode(images).mu)
    }

    /// Throws a one-line error (`what`: needs N GB, the machine has M) unless the host arrays for
    /// decoding and drawing `count` images fit: checked with overflow-checked arithmetic before anything
    /// is made. (The device's side is checked where the minibatch's buffers are made, `workspace`.)
    public func requireDecodable(_ count: Int, what: @autoclosure () -> String) throws {
        guard count > 0 else { throw ConfigurationError("\(what()): nothing to draw") }
        _ = try CheckedSize.multiply(count, configuration.latent, what())  // the latents' count
        let pixels = try CheckedSize.multiply(count, configuration.inputSize, what())
        // The decoded floats, the latents and the picture's bytes: at most 12 bytes per pixel in all.
        try MemoryBudget.requireHost(try CheckedSize.multiply(pixels, 12, what()), what())
    }

    /// `count` draws from the prior N(0, I), decoded. The latents come from Philox under `seed`.
    public func sample(count: Int, seed: UInt64) throws -> [[Float]] {
        try requireDecodable(count, what: "\(count) samples")
        let noise = Philox.gaussianNoise(count: count * configuration.latent, seed: seed, step: 0, stream: 0x5A3B1E).map
        { Float($0) }
        return try decode(rows(noise, configuration.latent))
    }

    func rows(_ flat: [Float], _ width: Int) -> [[Float]] {
        stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<($0 + width)]) }
    }
}
