/// Elementwise loops over float buffers, eight lanes at a time and split across cores. The tail that
/// does not fill a vector is padded with zeros, computed, and only its real lanes are stored.
enum VectorLoops {
    typealias V = SIMD8<Float>
    typealias Buffer = UnsafeMutableBufferPointer<Float>

    @inline(__always)
    static func load(_ p: Buffer, _ i: Int, _ n: Int) -> V {
        if i + 8 <= n { return UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: V.self) }
        var v = V()
        for k in 0..<(n - i) { v[k] = p[i + k] }
        return v
    }

    @inline(__always)
    static func store(_ v: V, _ p: Buffer, _ i: Int, _ n: Int) {
        if i + 8 <= n { UnsafeMutableRawPointer(p.baseAddress! + i).storeBytes(of: v, as: V.self); return }
        for k in 0..<(n - i) { p[i + k] = v[k] }
    }

    /// y = f(x)
    @inline(__always)
    static func map(_ x: Buffer, into y: Buffer, _ f: (V) -> V) {
        let n = x.count
        Parallel.forEachRange(n) { range in
            var i = range.lowerBound
            while i < range.upperBound { store(f(load(x, i, n)), y, i, n); i += 8 }
        }
    }

    /// out = f(a, b)
    @inline(__always)
    static func map(_ a: Buffer, _ b: Buffer, into out: Buffer, _ f: (V, V) -> V) {
        let n = a.count
        Parallel.forEachRange(n) { range in
            var i = range.lowerBound
            while i < range.upperBound { store(f(load(a, i, n), load(b, i, n)), out, i, n); i += 8 }
        }
    }
}
