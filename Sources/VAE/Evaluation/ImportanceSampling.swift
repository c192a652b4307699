import Foundation
import VAECompute

/// The importance-weighted estimate of the marginal likelihood (Burda et al., "Importance Weighted
/// Autoencoders"): log p(x) ≈ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x). It approaches
/// log p(x) from below as K grows; K = 1 is the ELBO in expectation.
///
/// Computed on the device in a streaming form: each image's posterior is encoded once, then the K
/// samples are drawn, decoded and weighed one at a time while a running log-sum-exp (max and scaled sum)
/// accumulates, so memory does not grow with K.
public enum ImportanceSampling {
    /// The most samples per image: each sample's noise stream is `0x6000_0000 | sample`, so more would
    /// repeat another stream's noise.
    public static let maxSamples = 1 << 28

    /// Throws a one-line error naming `--iwae` unless `k` samples per image can be drawn.
    public static func checkSampleCount(_ k: Int) throws {
        guard k > 0 else { throw ConfigurationError("--iwae needs at least 1 sample, got \(k)") }
        guard k <= maxSamples else {
            throw ConfigurationError("--iwae takes at most \(maxSamples) samples per image, got \(k)")
        }
    }

    /// Mean −log p(x) per image, in nats.
    public static func negativeLogLikelihood(
        _ model: VAEModel, images: ImageDataset, samples k: Int, batchSize: Int = 128,
        seed: UInt64 = 1, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Double {
        try checkSampleCount(k)
        guard batchSize > 0 else { throw ConfigurationError("--batch-size must be positive, got \(batchSize)") }
        guard images.fits(model.configuration), images.count > 0 else {
            throw DataError.mismatch(
                "the images are \(images.imageSize) but the model takes \(model.configuration.imageSize)")
        }
        let d = model.device
        let placement = try ImageFeeds.resolve(
            .automatic, sets: [images], batchSize: batchSize,
            modelBytes: try ImageFeeds.workspaceBytes(model, sets: [images], batchSize: batchSize), on: d,
            what: "evaluating \(images.count) images in batches of \(batchSize)")
        let pixels = try ImageFeeds.make(images, placement: placement, batchSize: batchSize, on: d)
        // The noise counter's step word carries the batch index here, so every batch draws its own noise.
        let counter = try d.makeTensor(shape: [2], elementType: .uint32)
        var total = 0.0
        for (batch, first) in stride(from: 0, to: images.count, by: batchSize).enumerated() {
            let size = min(batchSize, images.count - first)
            let w = try model.workspace(batchSize: size)
            let logWeight = try d.zeros([size]), maximum = try d.zeros([size]), sum = try d.zeros([size])
            try d.upload([UInt32(batch), 0], to: counter)
            try pixels.gather(first: first, into: w.x)
            try model.encode(w)
            try d.launch(.fill(x: maximum, value: -.infinity))
            try d.launch(.fill(x: sum, value: 0))
            for sample in 0..<k {
                try d.launch(
                    .reparameterize(
                        posterior: w.posterior, eps: w.eps, z: w.z, schedule: counter, seed: seed,
                        stream: 0x6000_0000 | UInt32(sample)))
                try model.decode(w.z, w)
                try model.reconstructionLoss(w)
                try d.launch(
                    .importanceLogWeight(
                        z: w.z, eps: w.eps, posterior: w.posterior, nll: w.reconstructionPerRow, out: logWeight))
                try d.launch(.logSumExpAccumulate(x: logWeight, maximum: maximum, sum: sum))
                if sample % 16 == 15 { try d.flush() }
            }
            let (m, s) = (try d.download(maximum), try d.download(sum))
            for i in 0..<size { total += Double(m[i]) + log(Double(s[i])) - log(Double(k)) }
            guard total.isFinite else { throw NonFiniteLossError(epoch: 0, step: batch) }
            progress(first + size, images.count)
        }
        return -total / Double(images.count)
    }

    /// Active units (Burda et al.): latent dimensions whose posterior mean varies across the data by more
    /// than `threshold` (Cov_x(E_q[z_d]) > 0.01). The rest have collapsed to the prior.
    public static func activeUnits(meanVariance: [Double], threshold: Double = 0.01) -> Int {
        meanVariance.filter { $0 > threshold }.count
    }
}
