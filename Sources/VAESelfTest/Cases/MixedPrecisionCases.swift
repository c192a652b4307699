import Foundation
import VAECompute

/// The matrix products checked for mixed precision (f16 operands, f32 sums: `MatmulPrecision.mixed`), family
/// `mixed`. Every device runs them (f32 kernels pass them with room to spare); the cooperative-matrix
/// configuration of `SelfTest` is where they bite. Two kinds, each over `MatmulCases.shapes` and every
/// transpose:
/// - **Operands exact in f16** (multiples of 2⁻⁸ in [−1, 1], which f16 holds exactly): rounding to f16 then
///   changes nothing and f16 × f16 products are exact in f32, so the results must meet f32's own tolerance.
///   A kernel that loses bits of a product or of a sum, or misplaces an element, fails here.
/// - **Any f32 operands** (uniform in [−1, 1]): each operand is rounded to f16, a relative error of at most
///   2⁻¹¹, so a product is off by at most 2⁻¹⁰·|ab| and a sum of K such independent errors by about
///   0.27·√K·2⁻¹¹ (one standard deviation, since E[(ab)²] = 1/9). The tolerance 2⁻¹⁰·√K is seven of them,
///   plus f32's own; a kernel that truncated instead of rounding, or rounded the sums to f16, exceeds it for
///   the larger K.
public enum MixedPrecisionCases {
    static func exactInF16(_ t: HostTensor) -> HostTensor {
        HostTensor(t.shape, .floats(t.data.floats.map { ($0 * 256).rounded() / 256 }))
    }

    public static func make(
        m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, exact: Bool, bias: Bool = false,
        activation: Activation = .identity, accumulate: Bool = false, seed: UInt64
    ) -> KernelCase {
        let aShape = transposeA ? [k, m] : [m, k], bShape = transposeB ? [n, k] : [k, n]
        var a = HostTensor.uniform(aShape, seed: seed), b = HostTensor.uniform(bShape, seed: seed + 1)
        if exact { (a, b) = (exactInF16(a), exactInF16(b)) }
        var inputs = [a, b]
        if bias { inputs.append(.uniform([n], seed: seed + 2)) }
        let c: HostTensor = accumulate ? .uniform([m, n], seed: seed + 3) : .unwritten([m, n])
        let name =
            "mixed \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") \(m)x\(n)x\(k) \(exact ? "f16-exact" : "f32")"
            + (bias ? " +bias" : "") + (activation != .identity ? " \(activation)" : "") + (accumulate ? " +=" : "")
        // f32's tolerance (MatmulCases), plus for f32 operands the f16 rounding bound above.
        let f32 = 1e-5 * Float(max(k, 1)) + 1e-6
        let f16: Float = exact ? 0 : Float(sqrt(Double(max(k, 1)))) / 1024
        return KernelCase(name, inputs: inputs, outputs: [c], tolerance: .within(f32 + f16, relative: 1e-5)) { i, o in
            .matmul(
                a: i[0], b: i[1], c: o[0], transposeA: transposeA, transposeB: transposeB,
                bias: bias ? i[2] : nil, activation: activation, accumulate: accumulate)
        }
    }

    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        var seed: UInt64 = 9_000
        for (m, n, k) in MatmulCases.shapes {
            for ta in [false, true] {
                for tb in [false, true] {
                    for exact in [true, false] {
                        seed += 10
                        cases.append(make(m: m, n: n, k: k, transposeA: ta, transposeB: tb, exact: exact, seed: seed))
                    }
                }
            }
        }
        // The epilogue (bias, every activation, accumulation) on the f32 block the matrices leave in shared memory.
        for act in Activation.allCases {
            seed += 10
            cases.append(
                make(
                    m: 19, n: 37, k: 23, transposeA: false, transposeB: true, exact: true, bias: true, activation: act,
                    seed: seed))
        }
        cases.append(
            make(m: 9, n: 13, k: 11, transposeA: true, transposeB: false, exact: true, accumulate: true, seed: 17))
        // The reference model's products (batch 128 through 784 → 400 → 20) and a block grid wider than one row.
        cases.append(make(m: 128, n: 400, k: 784, transposeA: false, transposeB: false, exact: false, seed: 19))
        cases.append(make(m: 400, n: 784, k: 128, transposeA: true, transposeB: false, exact: false, seed: 21))
        return cases
    }
}
