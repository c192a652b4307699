import VAECompute

extension VAEModel {
    /// Records and runs one data-parallel training step: advance the step, forward and backward on this
    /// rank's rows in `w` (nil when the batch leaves it none: its gradients are then zero), then hand every
    /// gradient, as one contiguous host array in `trainedParameters` order, to `reduce` (the sum over the
    /// ranks), put the sums back and record Adam. `noiseOffset` is the index of this rank's first latent
    /// element in the whole batch, so the ranks together draw the noise one process would.
    ///
    /// The loss is summed over the batch (PyTorch's example), so the gradient of the whole batch is the
    /// sum of the ranks' gradients, and every rank then takes the same Adam step.
    func stepWithReducedGradients(
        _ w: Workspace?, seed: UInt64, beta: Float, noiseOffset: Int, reduce: (inout [Float]) throws -> Void
    ) throws {
        try device.launch(.advanceStep(schedule: schedule))
        let gradients = trainedParameters.map(\.gradient)
        if let w {
            try forward(w, seed: seed, stream: 0, outputGradient: true, training: true, noiseOffset: noiseOffset)
            try backward(w, beta: beta)
        } else {
            for g in gradients { try device.launch(.fill(x: g, value: 0)) }
        }
        var flat: [Float] = []
        flat.reserveCapacity(gradients.reduce(0) { $0 + $1.count })
        for g in gradients { flat += try device.download(g) }
        try reduce(&flat)
        var at = 0
        for g in gradients {
            try device.upload(Array(flat[at..<(at + g.count)]), to: g)
            at += g.count
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
