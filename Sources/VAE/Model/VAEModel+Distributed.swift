import VAECompute

extension VAEModel {
    /// Every gradient Adam reads: the parameter store's one tensor of them (the padding between parameters
    /// is zero on every rank, so summing it changes nothing).
    var gradientTensors: [Tensor] { [parameterStore.gradients.whole] }

    /// Floats in all of `gradientTensors`.
    var gradientCount: Int { gradientTensors.reduce(0) { $0 + $1.count } }

    /// Records and runs one data-parallel training step: advance the step, forward and backward on this
    /// rank's rows in `w` (nil when the batch leaves it none: its gradients are then zero), have `sum`
    /// replace the gradients by their sums over the ranks, and record Adam. `sum` is called on each
    /// gradient tensor's own memory where the device keeps tensors in host memory (the CPU backend: no
    /// copies), otherwise once on all of them read into `staging` (resized to `gradientCount` floats when
    /// short; keep it from step to step) and written back from it; every rank makes the same calls.
    /// `noiseOffset` is the index of this rank's first latent element in the whole batch, so the ranks
    /// together draw the noise one process would.
    ///
    /// The loss is summed over the batch (PyTorch's example), so the gradient of the whole batch is the
    /// sum of the ranks' gradients, and every rank then takes the same Adam step.
    func stepWithReducedGradients(
        _ w: Workspace?, seed: UInt64, beta: Float, noiseOffset: Int, staging: inout [Float],
        sum: (UnsafeMutableBufferPointer<Float>) throws -> Void
    ) throws {
        try device.launch(.advanceStep(schedule: schedule))
        let gradients = gradientTensors
        if let w {
            try forward(w, seed: seed, stream: 0, outputGradient: true, training: true, noiseOffset: noiseOffset)
            try backward(w, beta: beta)
        } else {
            for g in gradients { try device.launch(.fill(x: g, value: 0)) }
        }
        // A device keeps all its tensors in host memory or none: asking about the first answers for all.
        if try device.withHostMemory(of: gradients[0], { _ in true }) ?? false {
            for g in gradients {
                _ = try device.withHostMemory(of: g) { bytes in
                    try sum(
                        UnsafeMutableBufferPointer(
                            start: bytes.baseAddress!.assumingMemoryBound(to: Float.self), count: g.count))
                }
            }
        } else {
            let count = gradients.reduce(0) { $0 + $1.count }
            if staging.count < count { staging = [Float](repeating: 0, count: count) }
            // Straight into and out of the one host buffer: no array per tensor.
            try staging.withUnsafeMutableBytes { bytes in
                var at = 0
                for g in gradients {
                    let size = g.count * MemoryLayout<Float>.size
                    try device.read(g, into: UnsafeMutableRawBufferPointer(rebasing: bytes[at..<(at + size)]))
                    at += size
                }
            }
            try staging.withUnsafeMutableBufferPointer { try sum(UnsafeMutableBufferPointer(rebasing: $0[0..<count])) }
            try staging.withUnsafeBytes { bytes in
                var at = 0
                for g in gradients {
                    let size = g.count * MemoryLayout<Float>.size
                    try device.write(UnsafeRawBufferPointer(rebasing: bytes[at..<(at + size)]), to: g)
                    at += size
                }
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
