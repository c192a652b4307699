import Testing
import VAECPU
import VAECompute
import VAESelfTest

/// Every backward kernel, on every device, against central finite differences of the reference forward
/// computed in double precision (step 1e-4, so the difference error is ~1e-8 and float32 rounding of the
/// kernels dominates: tolerance 1e-5 absolute + 1e-4 relative).
@Suite("gradients")
struct GradientTests {
    static let h = 1e-4
    static let tolerance = Tolerance.within(1e-5, relative: 1e-4)

    /// d/dx_i of f at x, element by element, where f is separable or summed per element.
    static func finiteDifference(_ x: [Double], _ f: ([Double]) -> Double) -> [Double] {
        (0..<x.count).map { i in
            var plus = x, minus = x
            plus[i] += h; minus[i] -= h
            return (f(plus) - f(minus)) / (2 * h)
        }
    }

    static func floats(_ v: [Double]) -> [Float] { v.map { Float($0) } }
    static func doubles(_ v: [Float]) -> [Double] { v.map { Double($0) } }

    /// Inputs kept away from relu's kink at 0, where a finite difference is meaningless.
    static func awayFromZero(_ n: Int, seed: UInt64) -> [Float] {
        SeededRandom.uniform(count: n, -3, 3, seed: seed).map { abs($0) < 0.01 ? $0 + 0.05 : $0 }
    }

    @Test(arguments: Activation.allCases)
    func activationBackward(_ act: Activation) throws {
        let n = 37
        let x = Self.awayFromZero(n, seed: 1), w = SeededRandom.uniform(count: n, -1, 1, seed: 2)
        let expected = Self.finiteDifference(Self.doubles(x)) { xs in
            zip(xs, w).reduce(0) { $0 + Double($1.1) * ReferenceMath.activate($1.0, act) }
        }
        for device in try TestDevices.all() {
            let xt = try device.tensor(x, shape: [n]), yt = try device.zeros([n]),
                wt = try device.tensor(w, shape: [n]), dx = try device.zeros([n])
            try device.launch(.activation(act, x: xt, y: yt))
            try device.launch(.activationBackward(act, y: yt, dy: wt, dx: dx))
            compare(
                .floats(try device.download(dx)), .floats(Self.floats(expected)), Self.tolerance,
                "\(act)' on \(device.info)")
        }
    }

    /// The three products of a dense layer's backward pass (dA = dZ·Bᵀ, dB = Aᵀ·dZ, dbias = Σ_rows dZ),
    /// through a relu epilogue, for L = Σ W ⊙ relu(A·B + bias).
    @Test func denseLayerBackward() throws {
        let (m, k, n) = (5, 4, 3)
        let a = Self.awayFromZero(m * k, seed: 3), b = Self.awayFromZero(k * n, seed: 4)
        let bias = SeededRandom.uniform(count: n, -1, 1, seed: 5),
            w = SeededRandom.uniform(count: m * n, -1, 1, seed: 6)
        func loss(_ a: [Double], _ b: [Double], _ bias: [Double]) -> Double {
            let y = ReferenceMath.matmul(
                a, b, m: m, n: n, k: k, transposeA: false, transposeB: false, bias: bias, activation: .relu)
            return zip(y, w).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        let (ad, bd, biasd) = (Self.doubles(a), Self.doubles(b), Self.doubles(bias))
        let da = Self.finiteDifference(ad) { loss($0, bd, biasd) }
        let db = Self.finiteDifference(bd) { loss(ad, $0, biasd) }
        let dbias = Self.finiteDifference(biasd) { loss(ad, bd, $0) }
        for device in try TestDevices.all() {
            let at = try device.tensor(a, shape: [m, k]), bt = try device.tensor(b, shape: [k, n]),
                biast = try device.tensor(bias, shape: [n])
            let y = try device.zeros([m, n]), dy = try device.tensor(w, shape: [m, n]), dz = try device.zeros([m, n])
            let dat = try device.zeros([m, k]), dbt = try device.zeros([k, n]), dbiast = try device.zeros([n])
            try device.launch(
                .matmul(
                    a: at, b: bt, c: y, transposeA: false, transposeB: false, bias: biast, activation: .relu,
                    accumulate: false))
            try device.launch(.activationBackward(.relu, y: y, dy: dy, dx: dz))
            try device.launch(
                .matmul(
                    a: dz, b: bt, c: dat, transposeA: false, transposeB: true, bias: nil, activation: .identity,
                    accumulate: false))
            try device.launch(
                .matmul(
                    a: at, b: dz, c: dbt, transposeA: true, transposeB: false, bias: nil, activation: .identity,
                    accumulate: false))
            try device.launch(.columnSum(x: dz, out: dbiast, accumulate: false))
            compare(.floats(try device.download(dat)), .floats(Self.floats(da)), Self.tolerance, "dA on \(device.info)")
            compare(.floats(try device.download(dbt)), .floats(Self.floats(db)), Self.tolerance, "dB on \(device.info)")
            compare(
                .floats(try device.download(dbiast)), .floats(Self.floats(dbias)), Self.tolerance,
                "dbias on \(device.info)")
        }
    }

    /// z = mu + exp(logvar/2)·eps with eps held fixed, and the KL term: L = Σ w ⊙ z + Σ_rows β·KL.
    @Test func latentBackward() throws {
        let (r, c) = (3, 5), beta = 0.7
        let mu = SeededRandom.uniform(count: r * c, -2, 2, seed: 7),
            logvar = SeededRandom.uniform(count: r * c, -3, 1, seed: 8)
        let eps = SeededRandom.uniform(count: r * c, -2, 2, seed: 9),
            w = SeededRandom.uniform(count: r * c, -1, 1, seed: 10)
        let (mud, lvd, epsd) = (Self.doubles(mu), Self.doubles(logvar), Self.doubles(eps))
        func loss(_ mu: [Double], _ lv: [Double]) -> Double {
            let z = ReferenceMath.reparameterize(mu: mu, logvar: lv, eps: epsd)
            return zip(z, w).reduce(0) { $0 + $1.0 * Double($1.1) }
                + ReferenceMath.klDivergence(mu: mu, logvar: lv, rows: r, columns: c, beta: beta).reduce(0, +)
        }
        let dmu = Self.finiteDifference(mud) { loss($0, lvd) }
        let dlv = Self.finiteDifference(lvd) { loss(mud, $0) }
        for device in try TestDevices.all() {
            // The posterior's rows hold mu then logvar, as the heads' one product writes them.
            let posterior = try device.tensor(
                Self.floats(ReferenceMath.joinPosterior(mu: mud, logvar: lvd, latent: c)), shape: [r, 2 * c])
            let epst = try device.tensor(eps, shape: [r, c]), dz = try device.tensor(w, shape: [r, c])
            let dposterior = try device.zeros([r, 2 * c])
            // The output starts as NaN: the kernel writes it, it does not add to it.
            try device.launch(.fill(x: dposterior, value: .nan))
            try device.launch(
                .latentBackward(dz: dz, posterior: posterior, eps: epst, dposterior: dposterior, beta: Float(beta)))
            let (dmuOut, dlvOut) = ReferenceMath.splitPosterior(
                Self.doubles(try device.download(dposterior)), latent: c)
            compare(.floats(Self.floats(dmuOut)), .floats(Self.floats(dmu)), Self.tolerance, "dmu on \(device.info)")
            compare(
                .floats(Self.floats(dlvOut)), .floats(Self.floats(dlv)), Self.tolerance, "dlogvar on \(device.info)")
        }
    }

    @Test func likelihoodBackward() throws {
        let (r, c) = (4, 9)
        let logits = SeededRandom.uniform(count: r * c, -8, 8, seed: 11),
            target = SeededRandom.uniform(count: r * c, 0, 1, seed: 12)
        let logVariance = SeededRandom.uniform(count: c, -2, 1, seed: 13)
        let (ld, td, vd) = (Self.doubles(logits), Self.doubles(target), Self.doubles(logVariance))
        let dBernoulli = Self.finiteDifference(ld) {
            ReferenceMath.bernoulliNLL(logits: $0, target: td, rows: r, columns: c).reduce(0, +)
        }
        let dMean = Self.finiteDifference(ld) {
            ReferenceMath.gaussianNLL(mean: $0, target: td, logVariance: vd, rows: r, columns: c).reduce(0, +)
        }
        // The gradient per log-variance is the column sum of the per-element gradients.
        let dLogVariance = Self.finiteDifference(vd) {
            ReferenceMath.gaussianNLL(mean: ld, target: td, logVariance: $0, rows: r, columns: c).reduce(0, +)
        }
        for device in try TestDevices.all() {
            let lt = try device.tensor(logits, shape: [r, c]), tt = try device.tensor(target, shape: [r, c]),
                d = try device.zeros([r, c])
            let vt = try device.tensor(logVariance, shape: [c]), dv = try device.zeros([r, c]),
                dvSum = try device.zeros([c])
            try device.launch(.bernoulliNLLBackward(logits: lt, target: tt, dlogits: d, scale: 1))
            compare(
                .floats(try device.download(d)), .floats(Self.floats(dBernoulli)), Self.tolerance,
                "bernoulli on \(device.info)")
            try device.launch(
                .gaussianNLLBackward(mean: lt, target: tt, logVariance: vt, dmean: d, dlogVariance: dv, scale: 1))
            try device.launch(.columnSum(x: dv, out: dvSum, accumulate: false))
            compare(
                .floats(try device.download(d)), .floats(Self.floats(dMean)), Self.tolerance,
                "gaussian mean on \(device.info)")
            compare(
                .floats(try device.download(dvSum)), .floats(Self.floats(dLogVariance)), Self.tolerance,
                "gaussian log-variance on \(device.info)")
        }
    }
}
