import Foundation
import VAECPU
import VAECompute

/// Reparameterization and the KL term on latent-shaped tensors (batch × latent), the posterior's parameters
/// in one [batch, 2 × latent] tensor (mu then logvar per row).
public enum LatentCases {
    public static let shapes = [(1, 1), (1, 3), (3, 5), (7, 2), (128, 20), (33, 41)]

    public static func schedule(step: UInt32) -> HostTensor { HostTensor([2], .words([step, Float(1e-3).bitPattern])) }

    /// A posterior of `rows` × 2·`latent`: means in [−2, 2], log-variances in [−4, 2].
    public static func posterior(rows: Int, latent: Int, seed: UInt64) -> HostTensor {
        let mu = SeededRandom.uniform(count: rows * latent, -2, 2, seed: seed)
        let logvar = SeededRandom.uniform(count: rows * latent, -4, 2, seed: seed + 1)
        var values: [Float] = []
        for r in 0..<rows {
            let row = (r * latent)..<((r + 1) * latent)
            values += mu[row]
            values += logvar[row]
        }
        return HostTensor([rows, 2 * latent], .floats(values))
    }

    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (r, c) in shapes {
            let seed = UInt64(r * 100 + c)
            let posterior = Self.posterior(rows: r, latent: c, seed: seed)
            for step: UInt32 in [0, 7] {
                // eps uses the GPU's log, cos and sin, which Vulkan lets differ from exact by ~1e-6 relative
                // and sin/cos by up to 2^-11 absolute in the worst case; drivers do far better in practice.
                cases.append(
                    KernelCase(
                        "reparameterize \(r)x\(c) step \(step)", inputs: [posterior, schedule(step: step)],
                        outputs: [.unwritten([r, c]), .unwritten([r, c])], tolerance: .within(2e-5, relative: 2e-5)
                    ) { i, o in
                        .reparameterize(
                            posterior: i[0], eps: o[0], z: o[1], schedule: i[1], seed: 0x1234_5678_9ABC, stream: 3)
                    })
            }
            // A slice of a larger batch (a data-parallel rank's rows): offsets on and off the 4-element blocks.
            for offset in [1, 6, 20 * c + 3] {
                cases.append(
                    KernelCase(
                        "reparameterize \(r)x\(c) from element \(offset)", inputs: [posterior, schedule(step: 5)],
                        outputs: [.unwritten([r, c]), .unwritten([r, c])], tolerance: .within(2e-5, relative: 2e-5)
                    ) { i, o in
                        .reparameterize(
                            posterior: i[0], eps: o[0], z: o[1], schedule: i[1], seed: 0x1234_5678_9ABC, stream: 3,
                            offset: offset)
                    })
            }
            let eps = HostTensor.uniform([r, c], -3, 3, seed: seed + 2),
                dz = HostTensor.uniform([r, c], seed: seed + 3)
            for beta: Float in [1, 0.25] {
                cases.append(
                    KernelCase(
                        "kl_divergence \(r)x\(c) beta \(beta)", inputs: [posterior], outputs: [.unwritten([r])],
                        tolerance: .within(1e-5 * Float(c), relative: 1e-5)
                    ) { i, o in
                        .klDivergence(posterior: i[0], out: o[0], beta: beta)
                    })
                cases.append(
                    KernelCase(
                        "latent_backward \(r)x\(c) beta \(beta)", inputs: [dz, posterior, eps],
                        outputs: [.unwritten([r, 2 * c])], tolerance: .within(1e-6, relative: 1e-5)
                    ) { i, o in
                        .latentBackward(dz: i[0], posterior: i[1], eps: i[2], dposterior: o[0], beta: beta)
                    })
            }
        }
        return cases
    }
}

/// The importance-sampling kernels behind `vae eval --iwae`.
public enum ImportanceCases {
    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (r, c) in LatentCases.shapes {
            let seed = UInt64(r * 31 + c)
            cases.append(
                KernelCase(
                    "importance_log_weight \(r)x\(c)",
                    inputs: [
                        .uniform([r, c], -3, 3, seed: seed), .uniform([r, c], -3, 3, seed: seed + 1),
                        .uniform([r, 2 * c], -4, 1, seed: seed + 2), .uniform([r], 50, 200, seed: seed + 3),
                    ],
                    outputs: [.unwritten([r])], tolerance: .within(1e-4 * Float(c), relative: 1e-5)
                ) { i, o in
                    .importanceLogWeight(z: i[0], eps: i[1], posterior: i[2], nll: i[3], out: o[0])
                })
        }
        for n in elementCounts {
            // Log weights around −100 ± 30, as for MNIST; the running state starts at −∞ and 0 or mid-stream.
            cases.append(
                KernelCase(
                    "log_sum_exp_accumulate n=\(n) fresh", inputs: [.uniform([n], -130, -70, seed: UInt64(n))],
                    outputs: [.filled([n], -.infinity), .filled([n], 0)], tolerance: .within(1e-6, relative: 1e-6)
                ) { i, o in
                    .logSumExpAccumulate(x: i[0], maximum: o[0], sum: o[1])
                })
            cases.append(
                KernelCase(
                    "log_sum_exp_accumulate n=\(n) running", inputs: [.uniform([n], -130, -70, seed: UInt64(n) + 1)],
                    outputs: [
                        .uniform([n], -110, -90, seed: UInt64(n) + 2), .uniform([n], 1, 50, seed: UInt64(n) + 3),
                    ],
                    tolerance: .within(1e-5, relative: 1e-5)
                ) { i, o in
                    .logSumExpAccumulate(x: i[0], maximum: o[0], sum: o[1])
                })
        }
        return cases
    }
}
