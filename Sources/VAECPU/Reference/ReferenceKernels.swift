import Foundation
import VAECompute

/// Runs a kernel with `ReferenceMath`: operands are widened to Double, computed, and rounded once to
/// float32 on the way out. This is what the equivalence suite compares every backend with.
enum ReferenceKernels {
    static func run(_ kernel: Kernel) {
        switch kernel {
        case let .matmul(a, b, c, ta, tb, bias, act, acc):
            let k = ta ? a.rows : a.columns
            store(
                ReferenceMath.matmul(
                    load(a), load(b), m: c.rows, n: c.columns, k: k, transposeA: ta, transposeB: tb,
                    bias: bias.map(load), activation: act, accumulateInto: acc ? load(c) : nil), c)
        case let .conv2d(x, w, bias, y, g, act):
            store(
                ReferenceMath.conv2d(load(x), weight: load(w), bias: bias.map(load), batch: x.rows, g, activation: act),
                y)
        case let .convTranspose2d(x, w, bias, y, g, act):
            store(
                ReferenceMath.convTranspose2d(
                    load(x), weight: load(w), bias: bias.map(load), batch: x.rows, g, activation: act), y)
        case let .conv2dWeightGradient(x, dy, dw, g):
            store(ReferenceMath.conv2dWeightGradient(x: load(x), dy: load(dy), batch: x.rows, g), dw)
        case let .channelSum(x, out, plane):
            store(ReferenceMath.channelSum(load(x), rows: x.rows, plane: plane), out)
        case let .batchNorm(x, gamma, beta, y, mean, invStd, rm, rv, plane, momentum, epsilon, training, act):
            if training {
                let r = ReferenceMath.batchNormTraining(
                    load(x), gamma: load(gamma), beta: load(beta), rows: x.rows, plane: plane, epsilon: Double(epsilon),
                    activation: act)
                let m = Double(momentum)
                store(r.y, y); store(r.mean, mean); store(r.invStd, invStd)
                store(zip(load(rm), r.mean).map { (1 - m) * $0 + m * $1 }, rm)
                store(zip(load(rv), r.unbiasedVariance).map { (1 - m) * $0 + m * $1 }, rv)
            } else {
                let (rmv, rvv) = (load(rm), load(rv))
                store(
                    ReferenceMath.batchNormEvaluation(
                        load(x), gamma: load(gamma), beta: load(beta), runningMean: rmv, runningVar: rvv, plane: plane,
                        epsilon: Double(epsilon), activation: act), y)
                store(rmv, mean); store(rvv.map { 1 / ($0 + Double(epsilon)).squareRoot() }, invStd)
            }
        case let .batchNormBackward(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, plane):
            let r = ReferenceMath.batchNormBackward(
                x: load(x), dy: load(dy), gamma: load(gamma), mean: load(mean), invStd: load(invStd), rows: x.rows,
                plane: plane)
            store(r.dx, dx); store(r.dgamma, dgamma); store(r.dbeta, dbeta)
        case let .activation(act, x, y):
            store(load(x).map { ReferenceMath.activate($0, act) }, y)
        case let .activationBackward(act, y, dy, dx):
            let yv = load(y), dyv = load(dy)
            store((0..<yv.count).map { dyv[$0] * ReferenceMath.derivative(output: yv[$0], act) }, dx)
        case let .columnSum(x, out, acc):
            var s = ReferenceMath.columnSum(load(x), rows: x.rows, columns: x.columns)
            if acc { s = zip(s, load(out)).map(+) }
            store(s, out)
        case let .rowSum(x, out):
            store(ReferenceMath.rowSum(load(x), rows: x.rows, columns: x.columns), out)
        case let .sum(x, out, acc):
            store([load(x).reduce(0, +) + (acc ? load(out)[0] : 0)], out)
        case let .reparameterize(posterior, eps, z, schedule, seed, stream, offset):
            let noise = Philox.gaussianNoise(
                count: z.count, seed: seed, step: words(schedule)[0], stream: stream, offset: offset)
            // eps is stored as float32 and z computed from the stored value, as a GPU does.
            let epsF = noise.map { Double(Float($0)) }
            let (mu, logvar) = ReferenceMath.splitPosterior(load(posterior), latent: z.columns)
            store(epsF, eps)
            store(ReferenceMath.reparameterize(mu: mu, logvar: logvar, eps: epsF), z)
        case let .klDivergence(posterior, out, beta):
            let latent = posterior.columns / 2
            let (mu, logvar) = ReferenceMath.splitPosterior(load(posterior), latent: latent)
            store(
                ReferenceMath.klDivergence(
                    mu: mu, logvar: logvar, rows: posterior.rows, columns: latent, beta: Double(beta)), out)
        case let .latentBackward(dz, posterior, eps, dposterior, beta):
            let (mu, logvar) = ReferenceMath.splitPosterior(load(posterior), latent: dz.columns)
            let r = ReferenceMath.reparameterizeBackward(dz: load(dz), logvar: logvar, eps: load(eps))
            let g = ReferenceMath.klDivergenceGradient(mu: mu, logvar: logvar, beta: Double(beta))
            store(
                ReferenceMath.joinPosterior(
                    mu: zip(r.dmu, g.dmu).map(+), logvar: zip(r.dlogvar, g.dlogvar).map(+), latent: dz.columns),
                dposterior)
        case let .importanceLogWeight(z, eps, posterior, nll, out):
            let zv = load(z), ev = load(eps), nv = load(nll), cols = z.columns
            let lv = ReferenceMath.splitPosterior(load(posterior), latent: cols).logvar
            store(
                (0..<z.rows).map { i in
                    var w = -nv[i]
                    for j in (i * cols)..<((i + 1) * cols) { w += -0.5 * zv[j] * zv[j] + 0.5 * (ev[j] * ev[j] + lv[j]) }
                    return w
                }, out)
        case let .logSumExpAccumulate(x, m, s):
            let xv = load(x), mv = load(m), sv = load(s)
            var newM = mv, newS = sv
            for i in xv.indices {
                newM[i] = max(mv[i], xv[i])
                newS[i] = sv[i] * exp(mv[i] - newM[i]) + exp(xv[i] - newM[i])
            }
            store(newM, m); store(newS, s)
        case let .bernoulliNLL(l, t, out):
            store(ReferenceMath.bernoulliNLL(logits: load(l), target: load(t), rows: l.rows, columns: l.columns), out)
        case let .bernoulliNLLWithGradient(l, t, out, d, scale):
            run(.bernoulliNLL(logits: l, target: t, out: out))
            run(.bernoulliNLLBackward(logits: l, target: t, dlogits: d, scale: scale))
        case let .bernoulliNLLBackward(l, t, d, scale):
            store(ReferenceMath.bernoulliNLLGradient(logits: load(l), target: load(t), scale: Double(scale)), d)
        case let .gaussianNLL(m, t, v, out):
            store(
                ReferenceMath.gaussianNLL(
                    mean: load(m), target: load(t), logVariance: load(v), rows: m.rows, columns: m.columns), out)
        case let .gaussianNLLBackward(m, t, v, d, dv, scale):
            let g = ReferenceMath.gaussianNLLGradient(
                mean: load(m), target: load(t), logVariance: load(v), columns: m.columns, scale: Double(scale))
            store(g.dmean, d)
            if let dv { store(g.dlogVariance, dv) }
        case let .adam(p, g, m, v, s, b1, b2, eps):
            let schedule = words(s)
            let r = ReferenceMath.adam(
                parameter: load(p), gradient: load(g), m: load(m), v: load(v), step: Int(schedule[0]),
                learningRate: Double(Float(bitPattern: schedule[1])),
                beta1: Double(b1), beta2: Double(b2), epsilon: Double(eps))
            store(r.parameter, p); store(r.m, m); store(r.v, v)
        case let .advanceStep(s):
            storage(s).words(s.count)[0] &+= 1
        case .gatherRowsAtStep:
            preconditionFailure("CPUDevice.launch turns a gather at the step into a plain gather")
        case let .gatherRows(src, idx, first, dst, scale, shard):
            let base = shard ?? 0
            let cols = src.columns, indices = words(idx)[first..<(first + dst.rows)]
            let values: [Double] =
                src.elementType == .uint8
                ? storage(src).bytes(src.count).map { Double($0) }
                : load(src)
            // Rows another shard holds keep their values.
            var out = shard == nil ? [Double](repeating: 0, count: dst.count) : load(dst)
            for (r, i) in zip(0..., indices) {
                let row = Int(i) - base
                if shard != nil && !(0..<src.rows).contains(row) { continue }
                precondition((0..<src.rows).contains(row), "gather index \(i) out of range 0..<\(src.rows)")
                for j in 0..<cols { out[r * cols + j] = Double(scale) * values[row * cols + j] }
            }
            store(out, dst)
        case let .sampleBernoulli(x, s, seed, stream, offset):
            let bits = Philox.words(
                count: x.count, counter: (0, words(s)[0], stream, 1), key: Philox.key(seed: seed), offset: offset)
            store(zip(load(x), bits).map { p, word in Philox.uniform(word) < p ? 1 : 0 }, x)
        case let .axpby(x, y, a, b):
            let xv = load(x), yv = load(y)
            store((0..<xv.count).map { Double(a) * xv[$0] + (b == 0 ? 0 : Double(b) * yv[$0]) }, y)
        case let .fill(x, value):
            store([Double](repeating: Double(value), count: x.count), x)
        case let .copy(src, dst):
            let n = src.elementType.storageBytes(count: src.count)
            storage(dst).bytes.copyMemory(from: storage(src).bytes, byteCount: n)
        case let .clamp(x, lo, hi):
            store(load(x).map { min(max($0, Double(lo)), Double(hi)) }, x)
        case let .randomBits(out, counter, key):
            let bits = Philox.words(
                count: out.count, counter: (counter.x, counter.y, counter.z, counter.w), key: (key.x, key.y))
            _ = storage(out).words(out.count).update(fromContentsOf: bits)
        }
    }

    static func storage(_ t: Tensor) -> CPUStorage { t.storage as! CPUStorage }
    static func load(_ t: Tensor) -> [Double] { storage(t).floats(t.count).map(Double.init) }
    static func words(_ t: Tensor) -> [UInt32] { Array(storage(t).words(t.count)) }
    static func store(_ values: [Double], _ t: Tensor) {
        let out = storage(t).floats(t.count)
        for i in 0..<t.count { out[i] = Float(values[i]) }
    }
}
