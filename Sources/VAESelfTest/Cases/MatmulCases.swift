import Foundation
import VAECPU
import VAECompute

/// op(A)·op(B) over every transpose combination, shapes that are 1, odd, not multiples of any tile
/// (tiles are 16, 32 and 64 wide), multiples of 4 that are not of a tile (the shared-memory tiles' vec4
/// loads), and the reference model's, with and without the fused epilogue.
public enum MatmulCases {
    /// (M, N, K)
    public static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1), (1, 7, 3), (5, 1, 9), (3, 5, 7), (17, 33, 9), (31, 64, 65), (33, 17, 1), (65, 31, 40), (7, 100, 0),
        (128, 20, 400), (128, 400, 20), (12, 36, 44), (36, 4, 52),
    ]

    public static func make(
        m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool, bias: Bool, activation: Activation,
        accumulate: Bool = false, seed: UInt64
    ) -> KernelCase {
        let aShape = transposeA ? [k, m] : [m, k], bShape = transposeB ? [n, k] : [k, n]
        var inputs = [HostTensor.uniform(aShape, seed: seed), .uniform(bShape, seed: seed + 1)]
        if bias { inputs.append(.uniform([n], seed: seed + 2)) }
        let c: HostTensor = accumulate ? .uniform([m, n], seed: seed + 3) : .unwritten([m, n])
        let name =
            "matmul \(transposeA ? "T" : "N")\(transposeB ? "T" : "N") \(m)x\(n)x\(k)"
            + (bias ? " +bias" : "") + (activation != .identity ? " \(activation)" : "") + (accumulate ? " +=" : "")
        // Float32 products of K terms in [-1, 1]: rounding grows like sqrt(K) ulps; 1e-5·K bounds it with margin.
        return KernelCase(
            name, inputs: inputs, outputs: [c], tolerance: .within(1e-5 * Float(max(k, 1)) + 1e-6, relative: 1e-5)
        ) { i, o in
            .matmul(
                a: i[0], b: i[1], c: o[0], transposeA: transposeA, transposeB: transposeB,
                bias: bias ? i[2] : nil, activation: activation, accumulate: accumulate)
        }
    }

    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        var seed: UInt64 = 100
        for (m, n, k) in shapes {
            for ta in [false, true] {
                for tb in [false, true] {
                    seed += 10
                    cases.append(
                        make(
                            m: m, n: n, k: k, transposeA: ta, transposeB: tb, bias: false, activation: .identity,
                            seed: seed))
                }
            }
        }
        for act in Activation.allCases {
            seed += 10
            cases.append(
                make(m: 19, n: 37, k: 23, transposeA: false, transposeB: true, bias: true, activation: act, seed: seed))
        }
        cases.append(
            make(
                m: 9, n: 13, k: 11, transposeA: true, transposeB: false, bias: false, activation: .identity,
                accumulate: true, seed: 7))
        cases.append(
            make(
                m: 21, n: 6, k: 30, transposeA: false, transposeB: false, bias: false, activation: .identity,
                accumulate: true, seed: 8))
        return cases
    }
}
