/// Vectorized float32 exp and log1p for the CPU fast path.
///
/// Foundation's expf and log1pf are scalar library calls (≈5–10 ns each); the loss kernels call one of
/// each per pixel. These use Cephes' range reductions and minimax polynomials on eight lanes at once,
/// with only `*` and `+` (no FMA: Swift's baseline x86-64 target has none, and `addProduct` would become
/// a library call per lane). Accuracy: a few ulp over the ranges used, checked against Double in tests.
enum FastMath {
    typealias V = SIMD8<Float>

    /// e^x, for x in [−87, 88] (inputs outside are clamped).
    @inline(__always)
    static func exp(_ x: V) -> V {
        // Compare-and-select: pointwiseMin/Max on float vectors run lane by lane.
        let x = x.replacing(with: -87.3, where: x .< -87.3).replacing(with: 88.3, where: x .> 88.3)
        // Round x·log2(e) to an integer by adding 1.5·2^23: the sum's low mantissa bits hold it, which
        // avoids per-lane rounding and conversion calls.
        let shifter: Float = 12_582_912
        let biased = x * 1.442_695_04 + shifter
        let n = biased - shifter
        let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
        let r2 = r * r
        var p = V(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_1e-1
        p = p * r2 + r + 1
        let integer = unsafeBitCast(biased, to: SIMD8<Int32>.self) &- 0x4B40_0000
        return p * unsafeBitCast((integer &+ 127) &<< 23, to: V.self)
    }

    /// log(1 + e) for e in [0, 1], accurate also for tiny e (log(u)·e/(u−1) with u = 1 + e).
    @inline(__always)
    static func log1pUnit(_ e: V) -> V {
        let u = 1 + e
        // u in [1, 2]: reduce to m in [√½, √2) with u = m·2^k, k ∈ {0, 1}.
        let big = u .> 1.414_213_56
        let m = u.replacing(with: u * 0.5, where: big)
        let k = V(repeating: 0).replacing(with: 1, where: big)
        let x = m - 1
        let z = x * x
        var y = V(repeating: 7.037_683_629_2e-2)
        y = y * x - 1.151_461_031_0e-1
        y = y * x + 1.167_699_874_0e-1
        y = y * x - 1.242_014_084_6e-1
        y = y * x + 1.424_932_278_7e-1
        y = y * x - 1.666_805_766_5e-1
        y = y * x + 2.000_071_476_5e-1
        y = y * x - 2.499_999_399_3e-1
        y = y * x + 3.333_333_117_4e-1
        y = y * x * z
        y = y + k * -2.121_944_4e-4 - 0.5 * z
        let logU = x + y + k * 0.693_359_375
        let d = u - 1
        return (logU * e / d).replacing(with: e, where: d .== 0)
    }
}
