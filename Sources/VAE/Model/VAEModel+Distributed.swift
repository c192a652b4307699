import VAECompute

extension VAEModel {
    /// Every gradient Adam reads, in `optimizerStep`'s order (the same on every rank), straight from the
    /// layers: no names built, as a step needs none.
    var gradientTensors: [Tensor] {
        layers.flatMap { [$0.weight.gradient, $0.bias.gradient] } + [pixelLogVariance.gradient].compactMap { $0 }
    }

    /// Floats in all of `gradientTensors`.
    var gradientCount: Int { gradientTensors.reduce(0) { $0 + $1.count } }

    /// Records and runs one data-parallel training step: advance the step, forward and backward on this
    /// rank's rows in `w` (nil when the batch leaves it none: its gradients are then zero), read every
    /// gradient into the front of `buffer` (at least `gradientCount` floats; the caller may use the rest),
    /// hand `buffer` to `reduce` (the sum over the ranks), write the sums back and record Adam.
    /// `noiseOffset` is the index of this rank's first latent element in the whole batch, so the ranks
    /// together draw the noise one process would.
    ///
    /// The loss is summed over the batch (PyTorch's example), so the gradient of the whole batch is the
    /// sum of the ranks' gradients, and every rank then takes the same Adam step.
    func stepWithReducedGradients(
        _ w: Workspace?, seed: UInt64, beta: Float, noiseOffset: Int, buffer: inout [Float],
        reduce: (inout [Float]) throws -> Void
    ) throws {
        try device.launch(.advanceStep(schedule: schedule))
        let gradients = gradientTensors
        if let w {
            try forward(w, seed: seed, stream: 0, outputGradient: true, training: true, noiseOffset: noiseOffset)
            try backward(w, beta: beta)
        } else {
            for g in gradients { try device.launch(.fill(x: g, value: 0)) }
        }
        // Straight into and out of the one host buffer: no array per tensor.
        try buffer.withUnsafeMutableBytes { bytes in
            var at = 0
            for g in gradients {
                let size = g.count * MemoryLayout<Float>.size
                try device.read(g, into: UnsafeMutableRawBufferPointer(rebasing: bytes[at..<(at + size)]))
                at += size
            }
        }
        try reduce(&buffer)
        try buffer.withUnsafeBytes { bytes in
            var at = 0
            for g in gradients {
                let size = g.count * MemoryLayout<Float>.size
                try device.write(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + size)]), to: g)
                at += size
            }
        }
        try optimizerStep()
        try device.flush()
    }

    /// A fingerprint of the parameters (their sum and sum of squares, per tensor), for checking that
    /// every rank starts from the same model.
    public func parameterFingerprint() throws -> [Double] {
        try trainedParameters.flatMap { p -> [Double] in
            let v = try device.download(p.value)
            return [v.reduce(0) { $0 + Double($1) }, v.reduce(0) { $0 + Double($1) * Double($1) }]
        } + [Double(try step())]
    }
}
