import Foundation
import VAECPU
import VAECompute

/// Element counts that are 1, odd, around the 256-wide workgroup, and large.
public let elementCounts = [1, 7, 255, 256, 257, 1000, 128 * 784]

/// Activations and their gradients. Inputs span [-6, 6] so sigmoid, tanh and softplus saturate partly.
public enum ActivationCases {
    public static var forward: [KernelCase] {
        Activation.allCases.flatMap { act in
            elementCounts.map { n in
                // GPU exp/log are not correctly rounded (Vulkan allows a few ulp): 2e-6 absolute plus 1e-5 relative.
                KernelCase(
                    "activation \(act) n=\(n)", inputs: [.uniform([n], -6, 6, seed: UInt64(n))],
                    outputs: [.unwritten([n])],
                    tolerance: .within(2e-6, relative: 1e-5)
                ) { i, o in .activation(act, x: i[0], y: o[0]) }
            }
        } + nanCases
    }

    /// A NaN in stays a NaN out, so the non-finite-loss check sees it: `max(x, 0)` would drop it on
    /// drivers without NaN preservation, which is why ReLU is a compare and select.
    static var nanCases: [KernelCase] {
        Activation.allCases.map { act in
            let x = SeededRandom.uniform(count: 257, -6, 6, seed: 9).enumerated().map { $0 % 17 == 3 ? Float.nan : $1 }
            return KernelCase(
                "activation \(act) n=257 with NaNs", inputs: [HostTensor([257], .floats(x))],
                outputs: [.filled([257], 0)], tolerance: .within(2e-6, relative: 1e-5)
            ) { i, o in .activation(act, x: i[0], y: o[0]) }
        }
    }

    public static var backward: [KernelCase] {
        Activation.allCases.flatMap { act in
            elementCounts.map { n in
                // y is a forward output of act, so it lies in the activation's range.
                let x = SeededRandom.uniform(count: n, -6, 6, seed: UInt64(n) + 1)
                let y = x.map { Float(ReferenceMath.activate(Double($0), act)) }
                return KernelCase(
                    "activation_backward \(act) n=\(n)",
                    inputs: [HostTensor([n], .floats(y)), .uniform([n], seed: UInt64(n) + 2)],
                    outputs: [.unwritten([n])], tolerance: .within(2e-6, relative: 1e-5)
                ) { i, o in
                    .activationBackward(act, y: i[0], dy: i[1], dx: o[0])
                }
            }
        }
    }
}
