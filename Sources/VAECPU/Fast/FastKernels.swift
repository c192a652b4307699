import CKernels
import COpenBLAS
import Dispatch
import Foundation
import VAECompute

/// The CPU training path: OpenBLAS sgemm for matrix products and single-pass float loops for the
/// elementwise kernels that dominate a VAE step. Kernels without a fast form (the small latent-sized
/// ones) run the reference.
enum FastKernels {
    static func run(_ kernel: Kernel, matrixEngine: CPUDevice.MatrixEngine, scratch: FastScratch) {
        switch kernel {
        case let .conv2d(x, w, bias, y, g, act):
            FastConvolution.conv2d(x, w, bias, y, g, act, scratch: scratch, engine: matrixEngine)
        case let .convTranspose2d(x, w, bias, y, g, act):
            FastConvolution.convTranspose2d(x, w, bias, y, g, act, scratch: scratch, engine: matrixEngine)
        case let .conv2dWeightGradient(x, dy, dw, g):
            FastConvolution.weightGradient(x, dy, dw, g, scratch: scratch, engine: matrixEngine)
        case let .channelSum(x, out, plane):
            FastConvolution.channelSum(x, out, plane: plane)
        case let .batchNorm(x, gamma, beta, y, mean, invStd, rm, rv, plane, momentum, epsilon, training, act):
            let (xv, yv) = (floats(x).baseAddress!, floats(y).baseAddress!)
            let (g, b, m, s) = (
                floats(gamma).baseAddress!, floats(beta).baseAddress!, floats(mean).baseAddress!,
                floats(invStd).baseAddress!
            )
            let (rmv, rvv) = (floats(rm).baseAddress!, floats(rv).baseAddress!)
            let channels = gamma.count, rows = x.rows
            FastConvolution.forEachChannelRange(channels, values: x.count) { first, count in
                if training {
                    vae_batch_norm_train(
                        xv, rows, channels, plane, g, b, yv, m, s, rmv, rvv, momentum, epsilon, first, count)
                } else {
                    vae_batch_norm_eval(xv, rows, channels, plane, g, b, yv, rmv, rvv, epsilon, m, s, first, count)
                }
            }
            if act != .identity { activate(act, floats(y), floats(y)) }
        case let .batchNormBackward(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, plane):
            let channels = gamma.count, rows = x.rows
            let (xv, dyv, g, m, s) = (
                floats(x).baseAddress!, floats(dy).baseAddress!, floats(gamma).baseAddress!,
                floats(mean).baseAddress!, floats(invStd).baseAddress!
            )
            let (dxv, dg, db) = (floats(dx).baseAddress!, floats(dgamma).baseAddress!, floats(dbeta).baseAddress!)
            FastConvolution.forEachChannelRange(channels, values: x.count) { first, count in
                vae_batch_norm_backward(xv, dyv, rows, channels, plane, g, m, s, dxv, dg, db, first, count)
            }
        case let .matmul(a, b, c, ta, tb, bias, act, acc):
            matmul(a, b, c, ta, tb, bias, act, acc, engine: matrixEngine)
        case let .activation(act, x, y):
            activate(act, floats(x), floats(y))
        case let .activationBackward(act, y, dy, dx):
            activationBackward(act, floats(y), floats(dy), floats(dx))
        case let .columnSum(x, out, acc):
            vae_column_sum(floats(x).baseAddress, x.rows, x.columns, floats(out).baseAddress, acc)
        case let .bernoulliNLL(l, t, out):
            bernoulli(l, t, out: floats(out), gradient: nil, scale: 0)
        case let .bernoulliNLLBackward(l, t, d, scale):
            bernoulli(l, t, out: nil, gradient: floats(d), scale: scale)
        case let .bernoulliNLLWithGradient(l, t, out, d, scale):
            bernoulli(l, t, out: floats(out), gradient: floats(d), scale: scale)
        case let .adam(p, g, m, v, s, b1, b2, eps):
            let schedule = (s.storage as! CPUStorage).words(2)
            let step = Float(schedule[0]), lr = Float(bitPattern: schedule[1])
            let stepSize = lr / (1 - pow(b1, step)), inverseCorrection2 = 1 / (1 - pow(b2, step))
            let pv = floats(p), gv = floats(g), mv = floats(m), vv = floats(v)
            Parallel.forEachRange(pv.count) { r in
                vae_adam(
                    pv.baseAddress! + r.lowerBound, gv.baseAddress! + r.lowerBound, mv.baseAddress! + r.lowerBound,
                    vv.baseAddress! + r.lowerBound, r.count, b1, b2, stepSize, inverseCorrection2, eps)
            }
        case let .gatherRows(src, idx, first, dst, scale, shard) where src.elementType == .uint8:
            let bytes = (src.storage as! CPUStorage).bytes(src.count)
            let indices = (idx.storage as! CPUStorage).words(idx.count)
            let out = floats(dst), cols = src.columns
            Parallel.forEachRange(dst.rows, grain: max(1, 16_384 / max(cols, 1)), align: 1) { rows in
                let bad = vae_gather_rows_u8(
                    bytes.baseAddress, src.rows, indices.baseAddress! + first + rows.lowerBound, rows.count, cols,
                    scale, out.baseAddress! + rows.lowerBound * cols, shard ?? 0, shard == nil)
                precondition(bad < 0, "gather index \(indices[first + rows.lowerBound + bad]) out of range")
            }
        case let .sampleBernoulli(x, s, seed, stream, offset):
            let step = (s.storage as! CPUStorage).words(2)[0], key = Philox.key(seed: seed), xv = floats(x)
            Philox.forEachWord(count: xv.count, counter: (0, step, stream, 1), key: key, offset: offset) { i, bits in
                xv[i] = Float(bits >> 8) * 0x1p-24 < xv[i] ? 1 : 0
            }
        case let .reparameterize(posterior, eps, z, s, seed, stream, offset):
            let step = (s.storage as! CPUStorage).words(2)[0], key = Philox.key(seed: seed)
            vae_reparameterize(
                floats(posterior).baseAddress, floats(eps).baseAddress, floats(z).baseAddress, z.count, z.columns,
                offset, step, stream, key.0, key.1)
        case let .klDivergence(posterior, out, beta):
            let p = floats(posterior), o = floats(out), latent = posterior.columns / 2
            for r in 0..<posterior.rows {
                var s: Float = 0
                for i in (2 * r * latent)..<((2 * r + 1) * latent) {
                    let lv = p[i + latent]
                    s += 1 + lv - p[i] * p[i] - exp(lv)
                }
                o[r] = -0.5 * beta * s
            }
        case let .latentBackward(dz, posterior, eps, dposterior, beta):
            let g = floats(dz), p = floats(posterior), e = floats(eps), dp = floats(dposterior), latent = dz.columns
            for r in 0..<dz.rows {
                for j in 0..<latent {
                    let i = r * latent + j, m = 2 * r * latent + j, l = m + latent
                    // The sampling step's term rounded to float first, then the KL's added (as two kernels did).
                    dp[m] = g[i] + beta * p[m]
                    let sampling: Float = g[i] * e[i] * 0.5 * exp(0.5 * p[l])
                    dp[l] = sampling + 0.5 * beta * (exp(p[l]) - 1)
                }
            }
        case let .sum(x, out, acc):
            // Double accumulation in a fixed order, like the reference.
            var s = 0.0
            for v in floats(x) { s += Double(v) }
            let o = floats(out)
            o[0] = Float(s + (acc ? Double(o[0]) : 0))
        case let .advanceStep(s):
            (s.storage as! CPUStorage).words(s.count)[0] &+= 1
        case let .axpby(x, y, a, b):
            if b == 0 {
                VectorLoops.map(floats(x), into: floats(y)) { a * $0 }
            } else {
                VectorLoops.map(floats(x), floats(y), into: floats(y)) { a * $0 + b * $1 }
            }
        case let .fill(x, value):
            floats(x).update(repeating: value)
        default:
            ReferenceKernels.run(kernel)
        }
    }

    /// The Bernoulli loss per row and/or its gradient (`vae_bernoulli_rows`), rows split across cores.
    static func bernoulli(
        _ l: Tensor, _ t: Tensor, out: UnsafeMutableBufferPointer<Float>?, gradient: UnsafeMutableBufferPointer<Float>?,
        scale: Float
    ) {
        let lv = floats(l), tv = floats(t), cols = l.columns
        Parallel.forEachRange(l.rows, grain: max(1, 16_384 / max(cols, 1)), align: 1) { rows in
            let offset = rows.lowerBound * cols
            vae_bernoulli_rows(
                lv.baseAddress.map { $0 + offset }, tv.baseAddress.map { $0 + offset }, rows.count, cols,
                out.map { $0.baseAddress! + rows.lowerBound }, gradient.map { $0.baseAddress! + offset }, scale)
        }
    }

    static func floats(_ t: Tensor) -> UnsafeMutableBufferPointer<Float> { (t.storage as! CPUStorage).floats(t.count) }

    /// Whether a product of this shape runs on the AVX-512 kernel. Automatic choice, from `vae bench
    /// --what kernels` with each engine forced: ours wins every product of the reference model, by 7×
    /// on the 20-deep ones (128×400×20), except the narrow transposed-B ones (the 128×20×400 latent heads),
    /// where OpenBLAS is ~15 % faster; fewer than 8 rows leave most of our 8-row block idle.
    static func usesAVX512(_ engine: CPUDevice.MatrixEngine, m: Int, n: Int, k: Int, transposeB: Bool) -> Bool {
        guard vae_cpu_has_avx512() else { return false }
        switch engine {
        case .openblas: return false
        case .avx512: return true
        case .automatic: return m >= 8 && (n >= 48 || !transposeB)
        }
    }

    static func engineDescription(_ engine: CPUDevice.MatrixEngine) -> String {
        switch engine {
        case .openblas: "openblas"
        case .avx512, .automatic:
            vae_cpu_has_avx512()
                ? (engine == .avx512 ? "avx512" : "avx512 (openblas for narrow NT products)")
                : "openblas (no AVX-512 on this CPU)"
        }
    }

    /// C = act(op(A)·op(B) + bias) through single-threaded sgemm calls on row (or column) blocks of C,
    /// one per core, each finishing its block's epilogue while the block is in cache. Our own threads
    /// rather than OpenBLAS's: its idle workers spin for a long time after each call and would compete
    /// with the elementwise kernels that follow.
    static func matmul(
        _ a: Tensor, _ b: Tensor, _ c: Tensor, _ ta: Bool, _ tb: Bool, _ bias: Tensor?, _ act: Activation, _ acc: Bool,
        engine: CPUDevice.MatrixEngine
    ) {
        let m = c.rows, n = c.columns, k = ta ? a.rows : a.columns
        let av = floats(a), bv = floats(b), cv = floats(c), biasv = bias.map(floats)
        let lda = max(a.columns, 1), ldb = max(b.columns, 1), ldc = max(n, 1)
        let avx512 = usesAVX512(engine, m: m, n: n, k: k, transposeB: tb)
        // Our kernel packs B quickly, so row blocks (whole 48-column panels, B packed by both threads)
        // beat column blocks whose last panel is mostly padding; OpenBLAS prefers the larger side split.
        let splitRows = avx512 ? m >= 64 || n < 128 : m >= n || n < 128
        let extent = splitRows ? m : n
        // Split only products big enough to pay for a second thread (~1 MFLOP per part).
        let parts = max(1, min(Parallel.cores, extent / 32, (2 * m * n * k) / 1_000_000))
        let chunk = (extent + parts - 1) / parts
        // The kernel applies ReLU and leaky ReLU as it stores (a slope for negative values); others follow it.
        let fusedSlope: Float? =
            switch act {
            case .relu: 0
            case .leakyRelu: Activation.leakySlope
            default: nil
            }
        // The closure goes straight to `run`, so its context stays on the stack (no allocation per product).
        Parallel.run(parts: parts) { part in
            let start = part * chunk, end = min(extent, start + chunk)
            guard start < end else { return }
            let (rows, cols) = splitRows ? (start..<end, 0..<n) : (0..<m, start..<end)
            // Offsets of the block's first row (or column) in op(A), op(B) and C.
            let aOffset = splitRows ? (ta ? rows.lowerBound : rows.lowerBound * lda) : 0
            let bOffset = splitRows ? 0 : (tb ? cols.lowerBound * ldb : cols.lowerBound)
            let cOffset = rows.lowerBound * ldc + cols.lowerBound
            if avx512 {
                // Bias and (leaky) ReLU are applied as the kernel stores its tiles.
                vae_sgemm_avx512(
                    ta, tb, Int32(rows.count), Int32(cols.count), Int32(k), av.baseAddress! + aOffset, Int32(lda),
                    bv.baseAddress! + bOffset, Int32(ldb), cv.baseAddress! + cOffset, Int32(ldc), acc,
                    biasv.map { $0.baseAddress! + cols.lowerBound }, fusedSlope != nil, fusedSlope ?? 0)
                if fusedSlope == nil { activateRows(act, cv, rows: rows, cols: cols, ldc: ldc) }
                return
            }
            if let biasv {
                for i in rows { for j in cols { cv[i * ldc + j] = biasv[j] } }
            } else if !acc || k == 0 {
                if !acc { for i in rows { for j in cols { cv[i * ldc + j] = 0 } } }
            }
            if k > 0 {
                cblas_sgemm(
                    CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    Int32(rows.count), Int32(cols.count), Int32(k), 1, av.baseAddress! + aOffset, Int32(lda),
                    bv.baseAddress! + bOffset, Int32(ldb), bias != nil || acc ? 1 : 0, cv.baseAddress! + cOffset,
                    Int32(ldc))
            }
            activateRows(act, cv, rows: rows, cols: cols, ldc: ldc)
        }
    }

    /// The activation on a block of C in place.
    static func activateRows(
        _ act: Activation, _ c: UnsafeMutableBufferPointer<Float>, rows: Range<Int>, cols: Range<Int>, ldc: Int
    ) {
        guard act != .identity else { return }
        for i in rows {
            let row = UnsafeMutableBufferPointer(rebasing: c[(i * ldc + cols.lowerBound)..<(i * ldc + cols.upperBound)])
            activateSerial(act, row, row)
        }
    }

    static func activate(
        _ act: Activation, _ x: UnsafeMutableBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>
    ) {
        switch act {
        case .relu, .leakyRelu: VectorLoops.map(x, into: y) { relu(act, $0) }
        default: activateSerial(act, x, y)
        }
    }

    /// relu and leaky relu by compare-and-select (`pointwiseMax` on float vectors runs lane by lane).
    @inline(__always)
    static func relu(_ act: Activation, _ v: SIMD8<Float>) -> SIMD8<Float> {
        v.replacing(with: act == .relu ? .zero : Activation.leakySlope * v, where: v .< 0)
    }

    static func activateSerial(
        _ act: Activation, _ x: UnsafeMutableBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>
    ) {
        switch act {
        case .identity: if x.baseAddress != y.baseAddress { _ = y.update(fromContentsOf: x) }
        case .relu, .leakyRelu:
            let n = x.count
            var i = 0
            while i < n { VectorLoops.store(relu(act, VectorLoops.load(x, i, n)), y, i, n); i += 8 }
        case .sigmoid: for i in 0..<x.count { y[i] = 1 / (1 + exp(-x[i])) }
        case .tanh: for i in 0..<x.count { y[i] = Foundation.tanh(x[i]) }
        case .softplus: for i in 0..<x.count { y[i] = max(x[i], 0) + log1p(exp(-abs(x[i]))) }
        }
    }

    static func activationBackward(
        _ act: Activation, _ y: UnsafeMutableBufferPointer<Float>,
        _ dy: UnsafeMutableBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>
    ) {
        switch act {
        case .identity: if dy.baseAddress != dx.baseAddress { _ = dx.update(fromContentsOf: dy) }
        case .relu: VectorLoops.map(y, dy, into: dx) { $1.replacing(with: 0, where: $0 .<= 0) }
        case .leakyRelu:
            let s = Activation.leakySlope;
            VectorLoops.map(y, dy, into: dx) { $1.replacing(with: s * $1, where: $0 .<= 0) }
        case .sigmoid: VectorLoops.map(y, dy, into: dx) { $1 * $0 * (1 - $0) }
        case .tanh: VectorLoops.map(y, dy, into: dx) { $1 * (1 - $0 * $0) }
        case .softplus: for i in 0..<y.count { dx[i] = -dy[i] * expm1(-y[i]) }
        }
    }
}
