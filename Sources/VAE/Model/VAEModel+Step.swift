import VAECompute

extension VAEModel {
    /// Records the forward pass on `workspace.x` and adds the batch's summed reconstruction NLL and KL
    /// to the workspace's totals. The noise comes from Philox under `seed`, counter (block, step, stream).
    /// With `outputGradient`, the likelihood's gradient is computed in the same pass (`w.dOutput`).
    /// `training` is PyTorch's `model.train()` (batch norm on the batch's statistics, moving the running
    /// ones) as opposed to `model.eval()`; a backward pass needs a training forward pass. `noiseOffset`: the
    /// index of `w`'s first latent element in the whole batch (a data-parallel rank's rows).
    func forward(
        _ w: Workspace, seed: UInt64, stream: UInt32, outputGradient: Bool = false, training: Bool = false,
        noiseOffset: Int = 0
    ) throws {
        let d = device, c = configuration
        try encode(w, training: training)
        try d.launch(
            .reparameterize(
                posterior: w.posterior, eps: w.eps, z: w.z, schedule: schedule, seed: seed, stream: stream,
                offset: noiseOffset))
        try decode(w.z, w, training: training)
        switch (c.likelihood, outputGradient) {
        case (.bernoulli, true):
            try d.launch(
                .bernoulliNLLWithGradient(
                    logits: w.output, target: w.x, out: w.reconstructionPerRow, dlogits: w.dOutput, scale: 1))
        case (.gaussian, true):
            try reconstructionLoss(w)
            try d.launch(
                .gaussianNLLBackward(
                    mean: w.output, target: w.x, logVariance: pixelLogVariance.value, dmean: w.dOutput,
                    dlogVariance: w.dPixelLogVariance, scale: 1))
        case (_, false):
            try reconstructionLoss(w)
        }
        try d.launch(.klDivergence(posterior: w.posterior, out: w.klPerRow, beta: 1))
        try d.launch(.sum(x: w.reconstructionPerRow, out: w.reconstructionTotal, accumulate: true))
        try d.launch(.sum(x: w.klPerRow, out: w.klTotal, accumulate: true))
    }

    /// Records the encoder on `w.x`, leaving the posterior's parameters in `w.posterior` (evaluation mode
    /// unless `training`).
    func encode(_ w: Workspace, training: Bool = false) throws {
        var h = w.x
        for (layer, out) in zip(encoder, w.encoderActivations) {
            try layer.forward(h, into: out, training: training, on: device)
            h = out
        }
        try heads.forward(h, into: w.posterior, training: training, on: device)
    }

    /// Records the reconstruction NLL of `w.x` given the decoder output in `w.output`, per row.
    func reconstructionLoss(_ w: Workspace) throws {
        let c = configuration
        switch c.likelihood {
        case .bernoulli: try device.launch(.bernoulliNLL(logits: w.output, target: w.x, out: w.reconstructionPerRow))
        case .gaussian:
            try device.launch(
                .gaussianNLL(
                    mean: w.output, target: w.x, logVariance: pixelLogVariance.value, out: w.reconstructionPerRow))
        }
    }

    /// Records the decoder on latents `z` (rows = the workspace's batch), leaving logits or means in
    /// `w.output` (evaluation mode unless `training`).
    func decode(_ z: Tensor, _ w: Workspace, training: Bool = false) throws {
        var g = z
        for (i, layer) in decoder.enumerated() {
            let out = i == decoder.count - 1 ? w.output : w.decoderActivations[i]
            try layer.forward(g, into: out, training: training, on: device)
            g = out
        }
    }

    /// Records the backward pass of loss = Σ_batch [reconstruction NLL + β·KL] (summed, as PyTorch's
    /// example does), leaving every layer's gradients in place. Needs the forward pass just recorded, made
    /// with `outputGradient: true` and `training: true`.
    func backward(_ w: Workspace, beta: Float) throws {
        let d = device
        if let dv = w.dPixelLogVariance, let gradient = pixelLogVariance.gradient {
            try d.launch(.columnSum(x: dv, out: gradient, accumulate: false))
        }
        // Decoder, from the output back to z. Layer i reads output i − 1 (z for the first).
        let last = decoder.count - 1
        for i in stride(from: last, through: 0, by: -1) {
            let (y, dy) = i == last ? (w.output, w.dOutput) : (w.decoderActivations[i], w.dDecoder[i])
            try decoder[i].backward(
                input: i > 0 ? w.decoderActivations[i - 1] : w.z, output: y, dy: dy,
                dx: i > 0 ? w.dDecoder[i - 1] : w.dz, accumulate: false, on: d)
        }
        // Through the sampling step and the KL term to the posterior's mu and logvar.
        try d.launch(
            .latentBackward(dz: w.dz, posterior: w.posterior, eps: w.eps, dposterior: w.dposterior, beta: beta))
        // The heads, then the encoder back to the input, whose gradient is not needed.
        let top = encoder.count - 1
        let headInput = encoder.isEmpty ? w.x : w.encoderActivations[top]
        let dHead: Tensor? = encoder.isEmpty ? nil : w.dEncoder[top]
        try heads.backward(input: headInput, output: w.posterior, dy: w.dposterior, dx: dHead, accumulate: false, on: d)
        for i in stride(from: top, through: 0, by: -1) {
            try encoder[i].backward(
                input: i > 0 ? w.encoderActivations[i - 1] : w.x, output: w.encoderActivations[i], dy: w.dEncoder[i],
                dx: i > 0 ? w.dEncoder[i - 1] : nil, accumulate: false, on: d)
        }
    }

    /// Records one Adam update of every parameter, after advancing the device-side step counter: one launch
    /// over the parameter store's wholes.
    func optimizerStep() throws {
        let p = parameterStore
        try device.launch(
            .adam(
                parameter: p.values.whole, gradient: p.gradients.whole, m: p.m.whole, v: p.v.whole,
                schedule: schedule, beta1: Self.beta1, beta2: Self.beta2, epsilon: Self.epsilon))
        if pixelLogVariance.learned {
            let r = PixelLogVariance.range
            try device.launch(.clamp(x: pixelLogVariance.value, lower: r.lowerBound, upper: r.upperBound))
        }
    }

    /// Records a whole training step on the minibatch already in `w.x`: advance the step, forward, loss,
    /// backward, Adam. Nothing waits; the losses accumulate in the workspace.
    func trainStep(_ w: Workspace, seed: UInt64, beta: Float) throws {
        try device.launch(.advanceStep(schedule: schedule))
        try forward(w, seed: seed, stream: 0, outputGradient: true, training: true)
        try backward(w, beta: beta)
        try optimizerStep()
    }
}
