import Foundation

/// Philox-4x32-10, the counter-based generator of Salmon et al. (SC'11, "Parallel random numbers: as easy
/// as 1, 2, 3"). A pure function of (counter, key): every backend computes the same bits for the same
/// inputs, which is what lets a whole training run on the CPU be compared with one on a GPU.
///
/// `Shaders/include/philox.glsl` is the GPU twin of this type; both are checked against the Random123
/// known-answer vectors.
public enum Philox {
    public typealias Counter = (UInt32, UInt32, UInt32, UInt32)
    public typealias Key = (UInt32, UInt32)

    /// Ten rounds of Philox-4x32 on `counter` under `key`.
    @inlinable
    public static func block(counter: Counter, key: Key) -> Counter {
        var (c0, c1, c2, c3) = counter
        var (k0, k1) = key
        for round in 0..<10 {
            if round > 0 {
                k0 &+= 0x9E37_79B9
                k1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) * UInt64(c0)
            let p1 = UInt64(0xCD9E_8D57) * UInt64(c2)
            let hi0 = UInt32(truncatingIfNeeded: p0 >> 32), lo0 = UInt32(truncatingIfNeeded: p0)
            let hi1 = UInt32(truncatingIfNeeded: p1 >> 32), lo1 = UInt32(truncatingIfNeeded: p1)
            (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
        }
        return (c0, c1, c2, c3)
    }

    /// The stream of words every kernel and host routine draws from: element `i` is word `i % 4` of the
    /// block at counter `(counter.0 + i/4, counter.1, counter.2, counter.3)`. Calls `body(i, word)` for
    /// i in 0..<count, computing each block once.
    @inlinable
    ///
    /// With `offset`, the words are those of elements `offset ..< offset + count` of the stream (element
    /// `g` from block `g / 4`, lane `g % 4`), reported as 0 ..< count: a slice of a batch draws what the
    /// whole batch would have drawn for those elements (data-parallel ranks each take a slice).
    public static func forEachWord(
        count: Int, counter: Counter, key: Key, offset: Int = 0, _ body: (Int, UInt32) -> Void
    ) {
        let end = offset + count
        var blockIndex = offset / 4
        while blockIndex * 4 < end {
            let b = block(
                counter: (counter.0 &+ UInt32(truncatingIfNeeded: blockIndex), counter.1, counter.2, counter.3),
                key: key)
            let g = blockIndex * 4
            if g >= offset && g < end { body(g - offset, b.0) }
            if g + 1 >= offset && g + 1 < end { body(g + 1 - offset, b.1) }
            if g + 2 >= offset && g + 2 < end { body(g + 2 - offset, b.2) }
            if g + 3 >= offset && g + 3 < end { body(g + 3 - offset, b.3) }
            blockIndex += 1
        }
    }

    /// The `count` words of the stream of `forEachWord` from element `offset`.
    public static func words(count: Int, counter: Counter, key: Key, offset: Int = 0) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: count)
        forEachWord(count: count, counter: counter, key: key, offset: offset) { out[$0] = $1 }
        return out
    }

    /// The key for a 64-bit seed: low word first.
    @inlinable
    public static func key(seed: UInt64) -> Key {
        (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
    }

    /// A uniform in [0, 1) from the top 24 bits of a word: exactly representable in float32, so the CPU
    /// and the GPU agree on it bit for bit.
    @inlinable
    public static func uniform(_ bits: UInt32) -> Double { Double(bits >> 8) * 0x1p-24 }

    /// The four standard normals of one block: Box–Muller on word pairs (0, 1) and (2, 3), with
    /// `u1 = 1 − uniform` in (0, 1] so the logarithm never sees zero.
    @inlinable
    public static func normals(_ bits: Counter) -> (Double, Double, Double, Double) {
        func pair(_ a: UInt32, _ b: UInt32) -> (Double, Double) {
            let r = (-2 * Foundation.log(1 - uniform(a))).squareRoot()
            let theta = 2 * Double.pi * uniform(b)
            return (r * Foundation.cos(theta), r * Foundation.sin(theta))
        }
        let (n0, n1) = pair(bits.0, bits.1)
        let (n2, n3) = pair(bits.2, bits.3)
        return (n0, n1, n2, n3)
    }

    /// The normal noise of the `reparameterize` kernel: element `g` of the batch comes from block
    /// `(g / 4, step, stream, 0)` under `key(seed)`, lane `g % 4`; this is elements `offset ..< offset + count`.
    public static func gaussianNoise(
        count: Int, seed: UInt64, step: UInt32, stream: UInt32, offset: Int = 0
    ) -> [Double] {
        let key = key(seed: seed)
        var out = [Double](repeating: 0, count: count)
        var blockIndex = offset / 4
        while blockIndex * 4 < offset + count {
            let n = normals(block(counter: (UInt32(truncatingIfNeeded: blockIndex), step, stream, 0), key: key))
            for (lane, value) in [n.0, n.1, n.2, n.3].enumerated() {
                let i = blockIndex * 4 + lane - offset
                if i >= 0 && i < count { out[i] = value }
            }
            blockIndex += 1
        }
        return out
    }
}
