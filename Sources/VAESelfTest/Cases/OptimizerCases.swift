import Foundation
import VAECPU
import VAECompute

public enum OptimizerCases {
    public static var all: [KernelCase] {
        elementCounts.flatMap { n in
            [1, 2, 1000].map { (step: UInt32) in
                let seed = UInt64(n) + UInt64(step)
                let schedule = HostTensor([2], .words([step, Float(1e-3).bitPattern]))
                // v must be non-negative, as it is in training.
                return KernelCase(
                    "adam n=\(n) t=\(step)", inputs: [.uniform([n], seed: seed), schedule],
                    outputs: [
                        .uniform([n], seed: seed + 1), .uniform([n], -0.1, 0.1, seed: seed + 2),
                        .uniform([n], 0, 0.01, seed: seed + 3),
                    ],
                    tolerance: .within(1e-6, relative: 1e-5)
                ) { i, o in
                    .adam(
                        parameter: o[0], gradient: i[0], m: o[1], v: o[2], schedule: i[1], beta1: 0.9, beta2: 0.999,
                        epsilon: 1e-8)
                }
            }
        }
    }
}
