import VAECompute

extension VAEModel {
    /// Records the forward pass on `workspace.x` and adds the batch's summed reconstruction NLL and KL
    /// to the workspace's totals. The noise comes from Philox under `seed`, counter (block, step, stream).
    /// With `outputGradient`, the likelihood's gradient is computed in the same pass (`w.dOutput`).
    func forward(_ w: Workspace, seed: UInt64, stream: UInt32, outputGradient: Bool = false) throws {
        let d = device, c = configuration
        try encode(w)
        try d.launch(.reparameterize(mu: w.mu, logvar: w.logvar, eps: w.eps, z: w.z, schedule: schedule, seed: seed, stream: stream))
        try decode(w.z, w)
        switch (c.likelihood, outputGradient) {
        case (.bernoulli, true):
            try d.launch(.bernoulliNLLWithGradient(logits: w.output, target: w.x, out: w.reconstructionPerRow, dlogits: w.dOutput, scale: 1))
        case (.gaussian, true):
            try reconstructionLoss(w)
            try d.launch(.gaussianNLLBackward(mean: w.output, target: w.x, logVariance: pixelLogVariance.value, dmean: w.dOutput,
                                              dlogVariance: w.dPixelLogVariance, scale: 1))
        case (_, false):
            try reconstructionLoss(w)
        }
        try d.launch(.klDivergence(mu: w.mu, logvar: w.logvar, out: w.klPerRow, beta: 1))
        try d.launch(.sum(x: w.reconstructionPerRow, out: w.reconstructionTotal, accumulate: true))
        try d.launch(.sum(x: w.klPerRow, out: w.klTotal, accumulate: true))
    }

    /// Records the encoder on `w.x`, leaving the posterior's parameters in `w.mu` and `w.logvar`.
    func encode(_ w: Workspace) throws {
        var h = w.x
        for (layer, out) in zip(encoder, w.encoderActivations) {
            try layer.forward(h, into: out, activation: configuration.activation, on: device)
            h = out
        }
        try layer(.mu).forward(h, into: w.mu, activation: .identity, on: device)
        try layer(.logvar).forward(h, into: w.logvar, activation: .identity, on: device)
    }

    /// Records the reconstruction NLL of `w.x` given the decoder output in `w.output`, per row.
    func reconstructionLoss(_ w: Workspace) throws {
        let c = configuration
        switch c.likelihood {
        case .bernoulli: try device.launch(.bernoulliNLL(logits: w.output, target: w.x, out: w.reconstructionPerRow))
        case .gaussian: try device.launch(.gaussianNLL(mean: w.output, target: w.x, logVariance: pixelLogVariance.value, out: w.reconstructionPerRow))
        }
    }

    /// Records the decoder on latents `z` (rows = the workspace's batch), leaving logits or means in `w.output`.
    func decode(_ z: Tensor, _ w: Workspace) throws {
        var g = z
        for (layer, out) in zip(decoder, w.decoderActivations) {
            try layer.forward(g, into: out, activation: configuration.activation, on: device)
            g = out
        }
        try layer(.output).forward(g, into: w.output, activation: .identity, on: device)
    }

    /// Records the backward pass of loss = Σ_batch [reconstruction NLL + β·KL] (summed, as PyTorch's
    /// example does), leaving every layer's gradients in place. Needs the forward pass just recorded, made
    /// with `outputGradient: true`.
    func backward(_ w: Workspace, beta: Float) throws {
        let d = device, c = configuration
        if let dv = w.dPixelLogVariance, let gradient = pixelLogVariance.gradient {
            try d.launch(.columnSum(x: dv, out: gradient, accumulate: false))
        }
        // Decoder, from the output back to z.
        let decoderInputs = [w.z] + w.decoderActivations
        var dy = w.dOutput
        let outputLayer = layer(.output)
        let decoderLayers = decoder
        if decoderLayers.isEmpty {
            try outputLayer.backward(dy, input: w.z, dx: w.dz, on: d)
        } else {
            let last = decoderLayers.count - 1
            try outputLayer.backward(dy, input: w.decoderActivations[last], dx: w.dDecoder[last], on: d)
            for i in stride(from: last, through: 0, by: -1) {
                try d.launch(.activationBackward(c.activation, y: w.decoderActivations[i], dy: w.dDecoder[i], dx: w.dDecoder[i]))
                dy = w.dDecoder[i]
                try decoderLayers[i].backward(dy, input: decoderInputs[i], dx: i > 0 ? w.dDecoder[i - 1] : w.dz, on: d)
            }
        }
        // Through the sampling step and the KL term to mu and logvar.
        try d.launch(.reparameterizeBackward(dz: w.dz, logvar: w.logvar, eps: w.eps, dmu: w.dmu, dlogvar: w.dlogvar))
        try d.launch(.klDivergenceBackward(mu: w.mu, logvar: w.logvar, dmu: w.dmu, dlogvar: w.dlogvar, beta: beta))
        // Encoder heads, then the hidden layers back to the input (whose gradient is not needed).
        let encoderLayers = encoder
        let encoderInputs = [w.x] + w.encoderActivations
        let top = encoderLayers.count - 1
        let headInput = encoderLayers.isEmpty ? w.x : w.encoderActivations[top]
        let dHead: Tensor? = encoderLayers.isEmpty ? nil : w.dEncoder[top]
        try layer(.mu).backward(w.dmu, input: headInput, dx: dHead, on: d)
        try layer(.logvar).backward(w.dlogvar, input: headInput, dx: dHead, accumulate: true, on: d)
        for i in stride(from: top, through: 0, by: -1) {
            try d.launch(.activationBackward(c.activation, y: w.encoderActivations[i], dy: w.dEncoder[i], dx: w.dEncoder[i]))
            try encoderLayers[i].backward(w.dEncoder[i], input: encoderInputs[i], dx: i > 0 ? w.dEncoder[i - 1] : nil, on: d)
        }
    }

    /// Records one Adam update of every parameter, after advancing the device-side step counter.
    func optimizerStep() throws {
        func adam(_ value: Tensor, _ gradient: Tensor, _ m: Tensor, _ v: Tensor) throws {
            try device.launch(.adam(parameter: value, gradient: gradient, m: m, v: v, schedule: schedule,
                                    beta1: Self.beta1, beta2: Self.beta2, epsilon: Self.epsilon))
        }
        // Straight from the layers: `trainedParameters` builds names and arrays, work a step need not do.
        for l in layers {
            try adam(l.weight, l.weightGradient, l.weightM, l.weightV)
            try adam(l.bias, l.biasGradient, l.biasM, l.biasV)
        }
        if let g = pixelLogVariance.gradient, let m = pixelLogVariance.m, let v = pixelLogVariance.v {
            try adam(pixelLogVariance.value, g, m, v)
        }
        if pixelLogVariance.learned {
            let r = PixelLogVariance.range
            try device.launch(.clamp(x: pixelLogVariance.value, lower: r.lowerBound, upper: r.upperBound))
        }
    }

    /// Records a whole training step on the minibatch already in `w.x`: advance the step, forward, loss,
    /// backward, Adam. Nothing waits; the losses accumulate in the workspace.
    func trainStep(_ w: Workspace, seed: UInt64, beta: Float) throws {
        try device.launch(.advanceStep(schedule: schedule))
        try forward(w, seed: seed, stream: 0, outputGradient: true)
        try backward(w, beta: beta)
        try optimizerStep()
    }
}
