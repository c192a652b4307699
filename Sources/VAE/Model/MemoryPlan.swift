import VAECompute

/// What a model needs on its device, computed with checked arithmetic from the configuration alone, so
/// an impossible request (a hostile checkpoint's metadata, `--hidden 100000000`) is refused with one line
/// before anything is allocated.
extension VAEConfiguration {
    /// Bytes of the parameters with their gradients and Adam moments (four float32 tensors each).
    public func parameterBytes() throws -> Int {
        let what = "a \(Checkpoint.describe(self)) model"
        var values = 0
        var buffers = 0  // BatchNorm2d's running mean and variance, and the batch's mean and 1/σ
        for layer in try plan().all {
            let weights = try CheckedSize.product(layer.weightShape, what)
            values = try CheckedSize.sum([values, weights, layer.biasCount], what)
            if layer.isBatchNorm { buffers = try CheckedSize.add(buffers, 4 * layer.biasCount, what) }
        }
        values = try CheckedSize.add(values, learnedVariance ? inputSize : 0, what)
        let perValue = 4 * ElementType.float32.size
        return try CheckedSize.sum(
            [try CheckedSize.multiply(values, perValue, what), buffers * ElementType.float32.size, inputSize * 4], what)
    }

    /// Bytes of the activations and gradients of one minibatch of `batchSize` (see `Workspace`).
    public func workspaceBytes(batchSize: Int) throws -> Int {
        let what = "a \(Checkpoint.describe(self)) model in batches of \(batchSize)"
        let plan = try plan()
        // The outputs of every layer but the last (that one is `output`): both sides' activations.
        let hiddenWidth = try CheckedSize.sum((plan.encoder + plan.decoder.dropLast()).map(\.output.count), what)
        let perImage = try CheckedSize.sum(
            [
                // x, output, dOutput (, dLogVariance)
                try CheckedSize.multiply(inputSize, learnedVariance ? 4 : 3, what),
                try CheckedSize.multiply(hiddenWidth, 2, what),  // the activations and their gradients
                try CheckedSize.multiply(latent, 7, what),  // the posterior (2), eps, z, dz and dposterior (2)
                2,  // per-row losses
            ], what)
        return try CheckedSize.multiply(
            try CheckedSize.multiply(perImage, batchSize, what), ElementType.float32.size, what)
    }
}
