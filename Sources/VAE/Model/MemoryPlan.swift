import VAECompute

/// What a model needs on its device, computed with checked arithmetic from the configuration alone, so
/// an impossible request (a hostile checkpoint's metadata, `--hidden 100000000`) is refused with one line
/// before anything is allocated.
extension VAEConfiguration {
    /// Bytes of the parameters with their gradients and Adam moments (four float32 tensors each).
    public func parameterBytes() throws -> Int {
        let what = "a \(Checkpoint.describe(self)) model"
        var values = 0
        for layer in layers {
            let weights = try CheckedSize.multiply(layer.outputs, layer.inputs, what)
            values = try CheckedSize.sum([values, weights, layer.outputs], what)
        }
        values = try CheckedSize.add(values, learnedVariance ? inputSize : 0, what)
        let perValue = 4 * ElementType.float32.size
        return try CheckedSize.add(try CheckedSize.multiply(values, perValue, what), inputSize * 4, what)
    }

    /// Bytes of the activations and gradients of one minibatch of `batchSize` (see `Workspace`).
    public func workspaceBytes(batchSize: Int) throws -> Int {
        let what = "a \(Checkpoint.describe(self)) model in batches of \(batchSize)"
        let hiddenWidth = try CheckedSize.sum(hidden, what)
        let perImage = try CheckedSize.sum([
            try CheckedSize.multiply(inputSize, learnedVariance ? 4 : 3, what),  // x, output, dOutput (, dLogVariance)
            try CheckedSize.multiply(hiddenWidth, 4, what),  // both sides' activations and their gradients
            try CheckedSize.multiply(latent, 7, what),  // mu, logvar, eps, z and their gradients
            2,  // per-row losses
        ], what)
        return try CheckedSize.multiply(try CheckedSize.multiply(perImage, batchSize, what), ElementType.float32.size, what)
    }
}
