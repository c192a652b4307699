import Foundation
import Testing
import VAECPU
import VAECompute

@testable import VAE

/// The IWAE estimate checked where log p(x) is known exactly: a linear-Gaussian VAE, whose marginal is
/// N(x; b, W Wᵀ + σ² I).
@Suite("importance sampling")
struct ImportanceSamplingTests {
    static let sigma2 = 0.1
    static let w: [[Double]] = [[0.9, -0.3], [0.2, 0.7], [-0.5, 0.4]]  // decoder weight [3, 2]
    static let b: [Double] = [0.4, 0.5, 0.3]

    /// A linear decoder with the given weights and an encoder near the exact posterior (diagonal, a bit
    /// wider, as a good proposal should be).
    static func model(device: any ComputeDevice = CPUDevice(mode: .fast)) throws -> VAEModel {
        let config = VAEConfiguration(
            inputSize: 3, hidden: [], latent: 2, likelihood: .gaussian,
            gaussianLogVariance: Float(log(sigma2)), imageHeight: 1, imageWidth: 3)
        let model = try VAEModel(config, device: device, seed: 1)
        // Posterior covariance Σ = (I + WᵀW/σ²)⁻¹, mean Σ Wᵀ (x − b)/σ².
        let a = [
            [
                1 + (0..<3).reduce(0) { $0 + w[$1][0] * w[$1][0] } / sigma2,
                (0..<3).reduce(0) { $0 + w[$1][0] * w[$1][1] } / sigma2,
            ],
            [
                (0..<3).reduce(0) { $0 + w[$1][0] * w[$1][1] } / sigma2,
                1 + (0..<3).reduce(0) { $0 + w[$1][1] * w[$1][1] } / sigma2,
            ],
        ]
        let det = a[0][0] * a[1][1] - a[0][1] * a[1][0]
        let sigma = [[a[1][1] / det, -a[0][1] / det], [-a[1][0] / det, a[0][0] / det]]
        let muWeight = (0..<2).map { i in
            (0..<3).map { j in (0..<2).reduce(0) { $0 + sigma[i][$1] * w[j][$1] } / sigma2 }
        }
        let muBias = (0..<2).map { i in -(0..<3).reduce(0) { $0 + muWeight[i][$1] * b[$1] } }
        let d = model.device
        try d.upload(w.flatMap { $0 }.map(Float.init), to: model.layer(.output).weight.value)
        try d.upload(b.map(Float.init), to: model.layer(.output).bias.value)
        func head(_ name: String) throws -> TensorSlice { try #require(model.trainedParameter(name)).value }
        try d.upload(muWeight.flatMap { $0 }.map(Float.init), to: try head("fc21.weight"))
        try d.upload(muBias.map(Float.init), to: try head("fc21.bias"))
        try d.upload([Float](repeating: 0, count: 6), to: try head("fc22.weight"))
        try d.upload([Float(log(sigma[0][0]) + 0.3), Float(log(sigma[1][1]) + 0.3)], to: try head("fc22.bias"))
        return model
    }

    static func images(_ n: Int, seed: UInt64) -> ImageDataset {
        let bytes = VAEModel.uniform(count: 3 * n, bound: 1, seed: seed, stream: 9).map { UInt8(127.5 + 127.5 * $0) }
        return ImageDataset(images: bytes, labels: [UInt8](repeating: 0, count: n), count: n, height: 1, width: 3)
    }

    /// log N(x; b, W Wᵀ + σ² I), by Cholesky.
    static func exactLogLikelihood(_ x: [Double]) -> Double {
        var c = (0..<3).map { i in
            (0..<3).map { j in (0..<2).reduce(0) { $0 + w[i][$1] * w[j][$1] } + (i == j ? sigma2 : 0) }
        }
        for j in 0..<3 {
            for k in 0..<j { c[j][j] -= c[j][k] * c[j][k] }
            c[j][j] = c[j][j].squareRoot()
            for i in (j + 1)..<3 {
                for k in 0..<j { c[i][j] -= c[i][k] * c[j][k] }
                c[i][j] /= c[j][j]
            }
        }
        var y = zip(x, b).map { $0 - $1 }
        for i in 0..<3 { for k in 0..<i { y[i] -= c[i][k] * y[k] }; y[i] /= c[i][i] }
        let logDet = 2 * (0..<3).reduce(0) { $0 + log(c[$1][$1]) }
        return -0.5 * (y.reduce(0) { $0 + $1 * $1 } + logDet + 3 * log(2 * Double.pi))
    }

    @Test func largeKConvergesToTheExactLikelihood() throws {
        let data = Self.images(16, seed: 4)
        let exact =
            -(0..<data.count).reduce(0.0) { $0 + Self.exactLogLikelihood(data.image($1).map(Double.init)) }
            / Double(data.count)
        for device in [CPUDevice(mode: .fast), try VulkanTestDevice.make()] as [any ComputeDevice] {
            let estimate = try ImportanceSampling.negativeLogLikelihood(
                try Self.model(device: device), images: data, samples: 2000)
            // The bound is below log p(x) by O(1/K) and its noise is small with a near-exact proposal.
            #expect(abs(estimate - exact) < 0.01, "IWAE-2000 \(estimate) vs exact \(exact) on \(device.info)")
            #expect(estimate >= exact - 0.005, "the IWAE bound does not exceed log p(x)")
        }
    }

    @Test func oneSampleIsTheELBOInExpectation() throws {
        let data = Self.images(4000, seed: 5)
        let model = try Self.model()
        let estimate = try ImportanceSampling.negativeLogLikelihood(model, images: data, samples: 1, batchSize: 500)
        // The closed-form negative ELBO of each image, averaged.
        let (mu, logvar) = try model.encode((0..<data.count).map { data.image($0) })
        var negativeELBO = 0.0
        for i in 0..<data.count {
            let x = data.image(i).map(Double.init), m = mu[i].map(Double.init), v = logvar[i].map { exp(Double($0)) }
            var squared = 0.0, trace = 0.0
            for r in 0..<3 {
                let mean = Self.b[r] + (0..<2).reduce(0) { $0 + Self.w[r][$1] * m[$1] }
                squared += (x[r] - mean) * (x[r] - mean)
                trace += (0..<2).reduce(0) { $0 + Self.w[r][$1] * Self.w[r][$1] * v[$1] }
            }
            let expectedLogLikelihood = -1.5 * log(2 * Double.pi * Self.sigma2) - (squared + trace) / (2 * Self.sigma2)
            let kl = -0.5 * (0..<2).reduce(0) { $0 + 1 + log(v[$1]) - m[$1] * m[$1] - v[$1] }
            negativeELBO += -(expectedLogLikelihood - kl)
        }
        negativeELBO /= Double(data.count)
        // 4000 one-sample estimates: the mean's standard error is ~0.02 nats here; 5 of them.
        #expect(abs(estimate - negativeELBO) < 0.1, "IWAE-1 \(estimate) vs closed-form −ELBO \(negativeELBO)")
    }

    @Test func badSampleCountIsAnError() throws {
        #expect {
            try ImportanceSampling.negativeLogLikelihood(try Self.model(), images: Self.images(2, seed: 1), samples: 0)
        } throws: {
            "\($0)".contains("at least 1 sample")
        }
    }
}
