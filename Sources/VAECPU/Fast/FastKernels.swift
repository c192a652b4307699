import COpenBLAS
import Foundation
import VAECompute

/// The CPU training path: OpenBLAS sgemm for matrix products and single-pass float loops for the
/// elementwise kernels that dominate a VAE step. Kernels without a fast form (the small latent-sized
/// ones) run the reference.
enum FastKernels {
    static func run(_ kernel: Kernel) {
        switch kernel {
        case let .matmul(a, b, c, ta, tb, bias, act, acc):
            matmul(a, b, c, ta, tb, bias, act, acc)
        case let .activation(act, x, y):
            activate(act, floats(x), floats(y))
        case let .activationBackward(act, y, dy, dx):
            activationBackward(act, floats(y), floats(dy), floats(dx))
        case let .columnSum(x, out, acc):
            let xv = floats(x), o = floats(out), cols = x.columns
            if !acc { o.update(repeating: 0) }
            for i in 0..<x.rows {
                let row = UnsafeBufferPointer(rebasing: xv[(i * cols)..<((i + 1) * cols)])
                for j in 0..<cols { o[j] += row[j] }
            }
        case let .bernoulliNLL(l, t, out):
            let lv = floats(l), tv = floats(t), o = floats(out), cols = l.columns
            for i in 0..<l.rows {
                var s: Float = 0
                for j in (i * cols)..<((i + 1) * cols) {
                    let x = lv[j]
                    s += max(x, 0) - x * tv[j] + log1p(exp(-abs(x)))
                }
                o[i] = s
            }
        case let .bernoulliNLLBackward(l, t, d, scale):
            let lv = floats(l), tv = floats(t), dv = floats(d)
            for j in 0..<lv.count { dv[j] = scale * (1 / (1 + exp(-lv[j])) - tv[j]) }
        case let .adam(p, g, m, v, s, b1, b2, eps):
            let schedule = (s.storage as! CPUStorage).words(2)
            let step = Float(schedule[0]), lr = Float(bitPattern: schedule[1])
            let c1 = 1 - pow(b1, step), c2 = 1 - pow(b2, step)
            let pv = floats(p), gv = floats(g), mv = floats(m), vv = floats(v)
            for i in 0..<pv.count {
                let gi = gv[i]
                mv[i] = b1 * mv[i] + (1 - b1) * gi
                vv[i] = b2 * vv[i] + (1 - b2) * gi * gi
                pv[i] -= lr * (mv[i] / c1) / ((vv[i] / c2).squareRoot() + eps)
            }
        case let .gatherRows(src, idx, first, dst, scale) where src.elementType == .uint8:
            let bytes = (src.storage as! CPUStorage).bytes(src.count)
            let indices = (idx.storage as! CPUStorage).words(idx.count)[first..<(first + dst.rows)]
            let out = floats(dst), cols = src.columns
            for (r, i) in zip(0..., indices) {
                let base = Int(i) * cols
                precondition(base + cols <= bytes.count, "gather index \(i) out of range")
                for j in 0..<cols { out[r * cols + j] = scale * Float(bytes[base + j]) }
            }
        case let .axpby(x, y, a, b):
            let xv = floats(x), yv = floats(y)
            if b == 0 { for i in 0..<xv.count { yv[i] = a * xv[i] } } else { for i in 0..<xv.count { yv[i] = a * xv[i] + b * yv[i] } }
        case let .fill(x, value):
            floats(x).update(repeating: value)
        default:
            ReferenceKernels.run(kernel)
        }
    }

    static func floats(_ t: Tensor) -> UnsafeMutableBufferPointer<Float> { (t.storage as! CPUStorage).floats(t.count) }

    static func matmul(_ a: Tensor, _ b: Tensor, _ c: Tensor, _ ta: Bool, _ tb: Bool, _ bias: Tensor?, _ act: Activation, _ acc: Bool) {
        let m = c.rows, n = c.columns, k = ta ? a.rows : a.columns
        let cv = floats(c)
        var beta: Float = acc ? 1 : 0
        if let bias {
            let bv = floats(bias)
            for i in 0..<m { _ = UnsafeMutableBufferPointer(rebasing: cv[(i * n)..<((i + 1) * n)]).update(fromContentsOf: bv) }
            beta = 1
        }
        if k == 0 {
            if beta == 0 { cv.update(repeating: 0) }
        } else {
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), 1, floats(a).baseAddress, Int32(max(a.columns, 1)),
                        floats(b).baseAddress, Int32(max(b.columns, 1)), beta, cv.baseAddress, Int32(max(n, 1)))
        }
        if act != .identity { activate(act, cv, cv) }
    }

    static func activate(_ act: Activation, _ x: UnsafeMutableBufferPointer<Float>, _ y: UnsafeMutableBufferPointer<Float>) {
        switch act {
        case .identity: for i in 0..<x.count { y[i] = x[i] }
        case .relu: for i in 0..<x.count { y[i] = max(x[i], 0) }
        case .leakyRelu: let s = Activation.leakySlope; for i in 0..<x.count { y[i] = x[i] > 0 ? x[i] : s * x[i] }
        case .sigmoid: for i in 0..<x.count { y[i] = 1 / (1 + exp(-x[i])) }
        case .tanh: for i in 0..<x.count { y[i] = Foundation.tanh(x[i]) }
        case .softplus: for i in 0..<x.count { y[i] = max(x[i], 0) + log1p(exp(-abs(x[i]))) }
        }
    }

    static func activationBackward(_ act: Activation, _ y: UnsafeMutableBufferPointer<Float>,
                                   _ dy: UnsafeMutableBufferPointer<Float>, _ dx: UnsafeMutableBufferPointer<Float>) {
        switch act {
        case .identity: for i in 0..<y.count { dx[i] = dy[i] }
        case .relu: for i in 0..<y.count { dx[i] = y[i] > 0 ? dy[i] : 0 }
        case .leakyRelu: let s = Activation.leakySlope; for i in 0..<y.count { dx[i] = y[i] > 0 ? dy[i] : s * dy[i] }
        case .sigmoid: for i in 0..<y.count { dx[i] = dy[i] * y[i] * (1 - y[i]) }
        case .tanh: for i in 0..<y.count { dx[i] = dy[i] * (1 - y[i] * y[i]) }
        case .softplus: for i in 0..<y.count { dx[i] = -dy[i] * expm1(-y[i]) }
        }
    }
}
