import Foundation
import VAECompute

/// The plain, obviously-correct definition of every kernel, in double precision.
///
/// These functions are the oracle of the equivalence suite and the subject of the finite-difference
/// gradient checks, so they favour clarity over speed: simple loops, no reuse of buffers, Double
/// throughout. Matrices are row-major arrays.
public enum ReferenceMath {
    // MARK: Activations

    public static func activate(_ x: Double, _ act: Activation) -> Double {
        switch act {
        case .identity: return x
        case .relu: return max(x, 0)
        case .leakyRelu: return x > 0 ? x : Double(Activation.leakySlope) * x
        case .sigmoid: return 1 / (1 + exp(-x))
        case .tanh: return Foundation.tanh(x)
        case .softplus: return max(x, 0) + log1p(exp(-abs(x)))
        }
    }

    /// The derivative of `act` at the point whose output is `y`.
    public static func derivative(output y: Double, _ act: Activation) -> Double {
        switch act {
        case .identity: return 1
        case .relu: return y > 0 ? 1 : 0
        case .leakyRelu: return y > 0 ? 1 : Double(Activation.leakySlope)
        case .sigmoid: return y * (1 - y)
        case .tanh: return 1 - y * y
        case .softplus: return -expm1(-y)
        }
    }

    // MARK: Matrix product

    /// `act(op(a)·op(b) + bias) (+ c0)`; `op(a)` is m×k, `op(b)` k×n.
    public static func matmul(
        _ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool,
        bias: [Double]?, activation: Activation, accumulateInto c0: [Double]? = nil
    ) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transposeA ? a[p * m + i] : a[i * k + p]
                    let bv = transposeB ? b[j * k + p] : b[p * n + j]
                    s += av * bv
                }
                if let bias { s += bias[j] }
                if let c0 { s += c0[i * n + j] }
                c[i * n + j] = activate(s, activation)
            }
        }
        return c
    }

    // MARK: Convolution

    /// Visits every (output position, kernel tap) pair of a convolution whose input position is inside the
    /// image: `body(outputIndex, inputIndex, weightIndex)` within one image, for every channel pair.
    /// Every convolution kernel below is defined by this one loop, so they are adjoint by construction.
    static func forEachTap(_ g: ConvGeometry, _ body: (_ out: Int, _ input: Int, _ weight: Int) -> Void) {
        let (oh, ow) = (g.outputHeight, g.outputWidth)
        for o in 0..<g.outputChannels {
            for c in 0..<g.inputChannels {
                for u in 0..<g.kernelHeight {
                    for v in 0..<g.kernelWidth {
                        let wi = ((o * g.inputChannels + c) * g.kernelHeight + u) * g.kernelWidth + v
                        for i in 0..<oh {
                            let h = i * g.stride - g.padding + u
                            guard h >= 0 && h < g.inputHeight else { continue }
                            for j in 0..<ow {
                                let w = j * g.stride - g.padding + v
                                guard w >= 0 && w < g.inputWidth else { continue }
                                body((o * oh + i) * ow + j, (c * g.inputHeight + h) * g.inputWidth + w, wi)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Conv2d on `batch` images of `g.inputFeatures` values: `act(Σ w·x + bias)`, zero padding.
    public static func conv2d(
        _ x: [Double], weight: [Double], bias: [Double]?, batch: Int, _ g: ConvGeometry,
        activation: Activation
    ) -> [Double] {
        let (inF, outF, plane) = (g.inputFeatures, g.outputFeatures, g.outputHeight * g.outputWidth)
        var y = [Double](repeating: 0, count: batch * outF)
        for n in 0..<batch {
            forEachTap(g) { out, input, wi in y[n * outF + out] += weight[wi] * x[n * inF + input] }
            for k in 0..<outF { y[n * outF + k] = activate(y[n * outF + k] + (bias?[k / plane] ?? 0), activation) }
        }
        return y
    }

    /// The adjoint of `conv2d` in its input (ConvTranspose2d): every value of `x` (the convolution's output
    /// side) is scattered back through the taps that read it.
    public static func convTranspose2d(
        _ x: [Double], weight: [Double], bias: [Double]?, batch: Int, _ g: ConvGeometry,
        activation: Activation
    ) -> [Double] {
        let (inF, outF, plane) = (g.inputFeatures, g.outputFeatures, g.inputHeight * g.inputWidth)
        var y = [Double](repeating: 0, count: batch * inF)
        for n in 0..<batch {
            forEachTap(g) { out, input, wi in y[n * inF + input] += weight[wi] * x[n * outF + out] }
            for k in 0..<inF { y[n * inF + k] = activate(y[n * inF + k] + (bias?[k / plane] ?? 0), activation) }
        }
        return y
    }

    /// The gradient of Σ dy ⊙ conv2d(x) with respect to the weight.
    public static func conv2dWeightGradient(x: [Double], dy: [Double], batch: Int, _ g: ConvGeometry) -> [Double] {
        let (inF, outF) = (g.inputFeatures, g.outputFeatures)
        var dw = [Double](repeating: 0, count: g.weightShape.reduce(1, *))
        for n in 0..<batch {
            forEachTap(g) { out, input, wi in dw[wi] += dy[n * outF + out] * x[n * inF + input] }
        }
        return dw
    }

    /// Per-channel sums of rows of `channels × plane` values.
    public static func channelSum(_ x: [Double], rows: Int, plane: Int) -> [Double] {
        let columns = rows == 0 ? 0 : x.count / rows
        var out = [Double](repeating: 0, count: columns / plane)
        for i in 0..<rows { for k in 0..<columns { out[k / plane] += x[i * columns + k] } }
        return out
    }

    // MARK: Batch normalization

    /// BatchNorm2d in training mode on `rows` images of channels × `plane` values: the output, each
    /// channel's batch mean and 1/√(biased variance + ε), and the unbiased variance for the running
    /// statistics.
    public static func batchNormTraining(
        _ x: [Double], gamma: [Double], beta: [Double], rows: Int, plane: Int, epsilon: Double, activation: Activation
    ) -> (y: [Double], mean: [Double], invStd: [Double], unbiasedVariance: [Double]) {
        let channels = gamma.count, columns = channels * plane, count = Double(rows * plane)
        var y = [Double](repeating: 0, count: x.count)
        var means: [Double] = [], invStds: [Double] = [], unbiased: [Double] = []
        for c in 0..<channels {
            let indices = (0..<rows).flatMap { n in (0..<plane).map { n * columns + c * plane + $0 } }
            let mean = indices.reduce(0) { $0 + x[$1] } / count
            let variance = indices.reduce(0) { $0 + (x[$1] - mean) * (x[$1] - mean) } / count
            let invStd = 1 / (variance + epsilon).squareRoot()
            for i in indices { y[i] = activate(gamma[c] * (x[i] - mean) * invStd + beta[c], activation) }
            means.append(mean); invStds.append(invStd); unbiased.append(variance * count / max(count - 1, 1))
        }
        return (y, means, invStds, unbiased)
    }

    /// BatchNorm2d in evaluation mode: normalized by the running statistics.
    public static func batchNormEvaluation(
        _ x: [Double], gamma: [Double], beta: [Double], runningMean: [Double], runningVar: [Double], plane: Int,
        epsilon: Double, activation: Activation
    ) -> [Double] {
        let columns = gamma.count * plane
        return x.indices.map { i in
            let c = (i % columns) / plane
            return activate(
                gamma[c] * (x[i] - runningMean[c]) / (runningVar[c] + epsilon).squareRoot() + beta[c], activation)
        }
    }

    /// The gradients of training-mode BatchNorm2d from `dy` before its activation.
    public static func batchNormBackward(
        x: [Double], dy: [Double], gamma: [Double], mean: [Double], invStd: [Double], rows: Int, plane: Int
    ) -> (dx: [Double], dgamma: [Double], dbeta: [Double]) {
        let channels = gamma.count, columns = channels * plane, count = Double(rows * plane)
        var dx = [Double](repeating: 0, count: x.count), dgamma: [Double] = [], dbeta: [Double] = []
        for c in 0..<channels {
            let indices = (0..<rows).flatMap { n in (0..<plane).map { n * columns + c * plane + $0 } }
            let hat = { (i: Int) in (x[i] - mean[c]) * invStd[c] }
            let sumDy = indices.reduce(0) { $0 + dy[$1] }, sumDyHat = indices.reduce(0) { $0 + dy[$1] * hat($1) }
            for i in indices { dx[i] = gamma[c] * invStd[c] * (dy[i] - sumDy / count - hat(i) * sumDyHat / count) }
            dgamma.append(sumDyHat); dbeta.append(sumDy)
        }
        return (dx, dgamma, dbeta)
    }

    // MARK: Reductions

    public static func columnSum(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        var out = [Double](repeating: 0, count: columns)
        for i in 0..<rows { for j in 0..<columns { out[j] += x[i * columns + j] } }
        return out
    }

    public static func rowSum(_ x: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<rows).map { i in (0..<columns).reduce(0.0) { $0 + x[i * columns + $1] } }
    }

    // MARK: Latent variables

    /// The mu and logvar halves of a posterior's rows ([N, 2Z] → two [N, Z]).
    public static func splitPosterior(_ posterior: [Double], latent: Int) -> (mu: [Double], logvar: [Double]) {
        let rows = latent == 0 ? 0 : posterior.count / (2 * latent)
        var mu: [Double] = [], logvar: [Double] = []
        mu.reserveCapacity(rows * latent); logvar.reserveCapacity(rows * latent)
        for r in 0..<rows {
            mu += posterior[(2 * r * latent)..<((2 * r + 1) * latent)]
            logvar += posterior[((2 * r + 1) * latent)..<((2 * r + 2) * latent)]
        }
        return (mu, logvar)
    }

    /// Rows of mu then logvar ([N, Z] twice → [N, 2Z]), the inverse of `splitPosterior`.
    public static func joinPosterior(mu: [Double], logvar: [Double], latent: Int) -> [Double] {
        var posterior: [Double] = []
        posterior.reserveCapacity(2 * mu.count)
        for start in stride(from: 0, to: mu.count, by: max(latent, 1)) {
            let row = start..<(start + latent)
            posterior += mu[row]
            posterior += logvar[row]
        }
        return posterior
    }

    public static func reparameterize(mu: [Double], logvar: [Double], eps: [Double]) -> [Double] {
        (0..<mu.count).map { mu[$0] + exp(0.5 * logvar[$0]) * eps[$0] }
    }

    public static func reparameterizeBackward(
        dz: [Double], logvar: [Double], eps: [Double]
    ) -> (dmu: [Double], dlogvar: [Double]) {
        (dz, (0..<dz.count).map { dz[$0] * eps[$0] * 0.5 * exp(0.5 * logvar[$0]) })
    }

    /// Per-row β·KL(N(mu, exp(logvar)) ‖ N(0, I)).
    public static func klDivergence(mu: [Double], logvar: [Double], rows: Int, columns: Int, beta: Double) -> [Double] {
        (0..<rows).map { i in
            var s = 0.0
            for j in 0..<columns {
                let p = i * columns + j
                s += 1 + logvar[p] - mu[p] * mu[p] - exp(logvar[p])
            }
            return -0.5 * beta * s
        }
    }

    public static func klDivergenceGradient(
        mu: [Double], logvar: [Double], beta: Double
    ) -> (dmu: [Double], dlogvar: [Double]) {
        (mu.map { beta * $0 }, logvar.map { 0.5 * beta * (exp($0) - 1) })
    }

    // MARK: Likelihoods

    public static func bernoulliNLL(logits: [Double], target: [Double], rows: Int, columns: Int) -> [Double] {
        (0..<rows).map { i in
            var s = 0.0
            for j in 0..<columns {
                let l = logits[i * columns + j], t = target[i * columns + j]
                s += max(l, 0) - l * t + log1p(exp(-abs(l)))
            }
            return s
        }
    }

    public static func bernoulliNLLGradient(logits: [Double], target: [Double], scale: Double) -> [Double] {
        (0..<logits.count).map { scale * (1 / (1 + exp(-logits[$0])) - target[$0]) }
    }

    /// Per-row Gaussian NLL with one log-variance per column.
    public static func gaussianNLL(
        mean: [Double], target: [Double], logVariance: [Double], rows: Int, columns: Int
    ) -> [Double] {
        (0..<rows).map { i in
            var s = 0.0
            for j in 0..<columns {
                let d = target[i * columns + j] - mean[i * columns + j]
                s += 0.5 * d * d * exp(-logVariance[j]) + 0.5 * (log(2 * Double.pi) + logVariance[j])
            }
            return s
        }
    }

    /// Gradients of the summed Gaussian NLL with respect to the means and to each element's log-variance.
    public static func gaussianNLLGradient(
        mean: [Double], target: [Double], logVariance: [Double], columns: Int, scale: Double
    )
        -> (dmean: [Double], dlogVariance: [Double])
    {
        let dmean = (0..<mean.count).map { scale * (mean[$0] - target[$0]) * exp(-logVariance[$0 % columns]) }
        let dlv = (0..<mean.count).map { i -> Double in
            let d = target[i] - mean[i]
            return scale * 0.5 * (1 - d * d * exp(-logVariance[i % columns]))
        }
        return (dmean, dlv)
    }

    // MARK: Optimizer

    public static func adam(
        parameter: [Double], gradient: [Double], m: [Double], v: [Double], step: Int,
        learningRate: Double, beta1: Double, beta2: Double, epsilon: Double
    )
        -> (parameter: [Double], m: [Double], v: [Double])
    {
        var p = parameter, m = m, v = v
        let c1 = 1 - pow(beta1, Double(step)), c2 = 1 - pow(beta2, Double(step))
        for i in 0..<p.count {
            m[i] = beta1 * m[i] + (1 - beta1) * gradient[i]
            v[i] = beta2 * v[i] + (1 - beta2) * gradient[i] * gradient[i]
            p[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + epsilon)
        }
        return (p, m, v)
    }
}
