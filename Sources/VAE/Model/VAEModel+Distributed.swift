import VAECompute

extension VAEModel {
    /// Every gradient Adam reads, as one tensor: the parameter store's (the padding between parameters is
    /// zero on every rank, so summing it changes nothing).
    var gradients: Tensor { parameterStore.gradients.whole }

    /// Records and runs one data-parallel training step: advance the step, forward and backward on this
    /// rank's rows in `w` (nil when the batch leaves it none: its gradients are then zero), have `sum`
    /// replace the gradients by their sums over the ranks, and record Adam. `sum` is called once, on the
    /// gradient tensor's own memory where the device keeps tensors in host memory (the CPU backend: no
    /// copy), otherwise on the gradients read into `staging` (resized to `gradients.count` floats when short;
    /// keep it from step to step) and written back from it; every rank makes the same calls. `noiseOffset`
    /// is the index of this rank's first latent element in the whole batch, so the ranks together draw the
    /// noise one process would.
    ///
    /// The loss is summed over the batch (PyTorch's example), so the gradient of the whole batch is the
    /// sum of the ranks' gradients, and every rank then takes the same Adam step.
    func stepWithReducedGradients(
        _ w: Workspace?, seed: UInt64, beta: Float, noiseOffset: Int, staging: inout [Float],
        sum: (UnsafeMutableBufferPointer<Float>) throws -> Void
    ) throws {
        try device.launch(.advanceStep(schedule: schedule))
        let gradients = self.gradients, count = gradients.count
        if let w {
            try forward(w, seed: seed, stream: 0, outputGradient: true, training: true, noiseOffset: noiseOffset)
            try backward(w, beta: beta)
        } else {
            try device.launch(.fill(x: gradients, value: 0))
        }
        let summedInPlace =
            try device.withHostMemory(of: gradients) { bytes in
                try sum(
                    UnsafeMutableBufferPointer(
                        start: bytes.baseAddress!.assumingMemoryBound(to: Float.self), count: count))
                return true
            } ?? false
        if !summedInPlace {
            if staging.count < count { staging = [Float](repeating: 0, count: count) }
            try staging.withUnsafeMutableBufferPointer { buffer in
                let part = UnsafeMutableBufferPointer(rebasing: buffer[0..<count])
                try device.read(gradients, into: UnsafeMutableRawBufferPointer(part))
                try sum(part)
                try device.write(UnsafeRawBufferPointer(part), to: gradients)
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
