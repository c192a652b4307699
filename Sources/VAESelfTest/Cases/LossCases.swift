import Foundation
import VAECPU
import VAECompute

/// The reconstruction likelihoods: Bernoulli from logits and Gaussian with a fixed variance.
public enum LossCases {
    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (r, c) in matrixShapes {
            let seed = UInt64(r * 7 + c)
            // Logits up to ±30 exercise the stable form; targets in [0, 1] like scaled pixels.
            let logits = HostTensor.uniform([r, c], -30, 30, seed: seed),
                target = HostTensor.uniform([r, c], 0, 1, seed: seed + 1)
            let rowTol = Tolerance.within(2e-5 * Float(c), relative: 2e-5)
            cases.append(
                KernelCase(
                    "bernoulli_nll \(r)x\(c)", inputs: [logits, target], outputs: [.unwritten([r])], tolerance: rowTol
                ) { i, o in
                    .bernoulliNLL(logits: i[0], target: i[1], out: o[0])
                })
            cases.append(
                KernelCase(
                    "bernoulli_nll_backward \(r)x\(c)", inputs: [logits, target], outputs: [.unwritten([r, c])],
                    tolerance: .within(1e-6, relative: 1e-5)
                ) { i, o in
                    .bernoulliNLLBackward(logits: i[0], target: i[1], dlogits: o[0], scale: 0.5)
                })
            cases.append(
                KernelCase(
                    "bernoulli_nll_with_gradient \(r)x\(c)", inputs: [logits, target],
                    outputs: [.unwritten([r]), .unwritten([r, c])], tolerance: rowTol
                ) { i, o in
                    .bernoulliNLLWithGradient(logits: i[0], target: i[1], out: o[0], dlogits: o[1], scale: 0.5)
                })
            if r * c > 500 {
                // Saturated logits: the exponential's clamp and the log1p of tiny values.
                let far = HostTensor.uniform([r, c], -120, 120, seed: seed + 4)
                cases.append(
                    KernelCase(
                        "bernoulli_nll_with_gradient \(r)x\(c) saturated", inputs: [far, target],
                        outputs: [.unwritten([r]), .unwritten([r, c])], tolerance: rowTol
                    ) { i, o in
                        .bernoulliNLLWithGradient(logits: i[0], target: i[1], out: o[0], dlogits: o[1], scale: 1)
                    })
            }
            let mean = HostTensor.uniform([r, c], -1, 2, seed: seed + 2)
            for (label, logVariance) in [
                ("fixed", HostTensor.filled([c], -2.5)), ("per pixel", HostTensor.uniform([c], -3, 1, seed: seed + 3)),
            ] {
                cases.append(
                    KernelCase(
                        "gaussian_nll \(r)x\(c) \(label)", inputs: [mean, target, logVariance],
                        outputs: [.unwritten([r])],
                        tolerance: rowTol
                    ) { i, o in
                        .gaussianNLL(mean: i[0], target: i[1], logVariance: i[2], out: o[0])
                    })
                cases.append(
                    KernelCase(
                        "gaussian_nll_backward \(r)x\(c) \(label)", inputs: [mean, target, logVariance],
                        outputs: [.unwritten([r, c]), .unwritten([r, c])], tolerance: .within(1e-5, relative: 1e-5)
                    ) { i, o in
                        .gaussianNLLBackward(
                            mean: i[0], target: i[1], logVariance: i[2], dmean: o[0], dlogVariance: o[1], scale: 2)
                    })
                cases.append(
                    KernelCase(
                        "gaussian_nll_backward \(r)x\(c) \(label) mean only", inputs: [mean, target, logVariance],
                        outputs: [.unwritten([r, c])], tolerance: .within(1e-5, relative: 1e-5)
                    ) { i, o in
                        .gaussianNLLBackward(
                            mean: i[0], target: i[1], logVariance: i[2], dmean: o[0], dlogVariance: nil, scale: 2)
                    })
            }
        }
        return cases
    }
}
