/// The kernel vocabulary: every operation a backend must implement, with its operands.
///
/// Model code describes work as a sequence of `Kernel` values handed to `ComputeDevice.launch(_:)`.
/// Shapes are read from the tensors; scalars travel with the case. Each case documents its contract; the
/// CPU reference backend is the executable definition, and the equivalence suite holds every other
/// backend to it.
public enum Kernel: @unchecked Sendable {
    /// `c = act(op(a)·op(b) + bias)`, op = transpose when the flag is set. `op(a)` is M×K, `op(b)` K×N,
    /// `c` M×N, `bias` has N elements (one per column of `c`). With `accumulate`, `c += op(a)·op(b)`
    /// (then bias must be nil and the activation identity).
    case matmul(
        a: Tensor, b: Tensor, c: Tensor, transposeA: Bool, transposeB: Bool,
        bias: Tensor?, activation: Activation, accumulate: Bool)
    /// 2-D convolution, PyTorch's Conv2d (a cross-correlation), on images stored as rows of NCHW values
    /// (see `ConvGeometry`): `y[n, o, i, j] = act(bias[o] + Σ_{c,u,v} w[o, c, u, v]·x[n, c, i·s − p + u, j·s − p + v])`,
    /// zero outside the input. `x` is [N, inputFeatures], `y` [N, outputFeatures], `weight` holds
    /// `geometry.weightShape`'s count, `bias` one value per output channel.
    case conv2d(x: Tensor, weight: Tensor, bias: Tensor?, y: Tensor, geometry: ConvGeometry, activation: Activation)
    /// The adjoint of `conv2d` in its input: each input value of the convolution collects every output
    /// it fed, `y[n, c, h, w] = act(bias[c] + Σ x[n, o, i, j]·w[o, c, u, v])` over `i·s − p + u = h`,
    /// `j·s − p + v = w`. This is both Conv2d's gradient to its input (no bias, identity) and PyTorch's
    /// ConvTranspose2d (whose `[in, out, kh, kw]` weight is this `w`). `x` is [N, outputFeatures], `y`
    /// [N, inputFeatures], `bias` one value per input channel of the geometry.
    case convTranspose2d(
        x: Tensor, weight: Tensor, bias: Tensor?, y: Tensor, geometry: ConvGeometry, activation: Activation)
    /// The weight gradient of `conv2d`: `dweight[o, c, u, v] = Σ_{n,i,j} dy[n, o, i, j]·x[n, c, i·s − p + u, j·s − p + v]`.
    /// For a ConvTranspose2d layer, `x` is the gradient at its output and `dy` its input.
    case conv2dWeightGradient(x: Tensor, dy: Tensor, dweight: Tensor, geometry: ConvGeometry)
    /// `out[c] = Σ_n Σ_k x[n, c·plane + k]`: per-channel sums of NCHW rows with `plane` = H·W values per
    /// channel (a convolution's bias gradient), summed in a fixed order.
    case channelSum(x: Tensor, out: Tensor, plane: Int)
    /// BatchNorm2d (PyTorch's) on rows of NCHW values with `plane` = H·W values per channel. With
    /// `training`, each channel's mean and biased variance over the batch's N·plane values normalize it,
    /// `y = act(γ·(x − mean)·invStd + β)` with `invStd = 1/√(var + ε)`; `mean` and `invStd` are saved for
    /// the backward pass, and the running statistics move by `momentum`: `running = (1 − momentum)·running
    /// + momentum·statistic`, the variance's unbiased (×M/(M − 1), M = N·plane ≥ 2). Without `training`
    /// (evaluation), the running statistics normalize and are left as they are; `mean` and `invStd`
    /// receive the values used.
    case batchNorm(
        x: Tensor, gamma: Tensor, beta: Tensor, y: Tensor, mean: Tensor, invStd: Tensor, runningMean: Tensor,
        runningVar: Tensor, plane: Int, momentum: Float, epsilon: Float, training: Bool, activation: Activation)
    /// The backward pass of training-mode `batchNorm`, from the gradient `dy` before its activation: with
    /// `x̂ = (x − mean)·invStd` and M = N·plane, `dβ = Σ dy`, `dγ = Σ dy·x̂` and
    /// `dx = γ·invStd·(dy − dβ/M − x̂·dγ/M)`, per channel.
    case batchNormBackward(
        x: Tensor, dy: Tensor, gamma: Tensor, mean: Tensor, invStd: Tensor, dx: Tensor, dgamma: Tensor, dbeta: Tensor,
        plane: Int)
    /// `y = act(x)` elementwise.
    case activation(Activation, x: Tensor, y: Tensor)
    /// `dx = dy ⊙ act'(·)`, with the derivative computed from the forward output `y`.
    case activationBackward(Activation, y: Tensor, dy: Tensor, dx: Tensor)
    /// `out[j] = Σ_i x[i, j]` (bias gradients); with `accumulate`, `out += …`.
    case columnSum(x: Tensor, out: Tensor, accumulate: Bool)
    /// `out[i] = Σ_j x[i, j]`.
    case rowSum(x: Tensor, out: Tensor)
    /// `out[0] = Σ x` (or `out[0] += Σ x` with `accumulate`), summed in a fixed order.
    case sum(x: Tensor, out: Tensor, accumulate: Bool)
    /// Reparameterization: `eps ~ N(0, I)` from Philox-4x32-10 (see `Philox`), then
    /// `z = mu + exp(logvar / 2) ⊙ eps`. `posterior` is [N, 2Z], each row mu (its first Z values) then
    /// logvar (its last Z), as the encoder's two heads write them in one product; `eps` and `z` are [N, Z].
    /// The Philox counter's second word is `schedule[0]` (the step number, advanced on the device), so a
    /// recorded step draws fresh noise without re-recording. `offset`: the index of `z`'s first element in
    /// the whole batch, whose noise is drawn (a slice of a batch, as a data-parallel rank holds, draws the
    /// noise the whole batch would give those elements).
    case reparameterize(
        posterior: Tensor, eps: Tensor, z: Tensor, schedule: Tensor, seed: UInt64, stream: UInt32, offset: Int = 0)
    /// `out[i] = β · KL(N(mu_i, exp(logvar_i)) ‖ N(0, I)) = −β/2 Σ_j (1 + logvar − mu² − exp(logvar))`, with
    /// row i of `posterior` [N, 2Z] holding mu_i then logvar_i (as for `reparameterize`).
    case klDivergence(posterior: Tensor, out: Tensor, beta: Float)
    /// The backward pass of `reparameterize` (the noise held fixed) and of the KL term, in one launch:
    /// `dmu = dz + β·mu`, `dlogvar = dz ⊙ eps ⊙ exp(logvar / 2) / 2 + β/2·(exp(logvar) − 1)`, written to
    /// `dposterior` [N, 2Z] as each row dmu then dlogvar (the layout of `posterior`).
    case latentBackward(dz: Tensor, posterior: Tensor, eps: Tensor, dposterior: Tensor, beta: Float)
    /// The log importance weight of each row's sample z = mu + σ·eps:
    /// `out[i] = log p(x|z) + log p(z) − log q(z|x) = −nll[i] − ½Σ_j z² + ½Σ_j (eps² + logvar)`
    /// (the ½·log 2π terms of p and q cancel); logvar is the second half of each row of `posterior`.
    case importanceLogWeight(z: Tensor, eps: Tensor, posterior: Tensor, nll: Tensor, out: Tensor)
    /// A streaming log-sum-exp, element by element: with `maximum` m and `sum` s (start at −∞ and 0),
    /// `m' = max(m, x)`, `s = s·exp(m − m') + exp(x − m')`, `m = m'`; then log Σ exp(x) = m + log s.
    case logSumExpAccumulate(x: Tensor, maximum: Tensor, sum: Tensor)
    /// `out[i] = Σ_j BCE(sigmoid(logits), target)`, computed stably from logits:
    /// `max(l, 0) − l·t + log(1 + exp(−|l|))`.
    case bernoulliNLL(logits: Tensor, target: Tensor, out: Tensor)
    /// `dlogits = scale · (sigmoid(logits) − target)`.
    case bernoulliNLLBackward(logits: Tensor, target: Tensor, dlogits: Tensor, scale: Float)
    /// `bernoulliNLL` and `bernoulliNLLBackward` in one pass, sharing one exponential per element.
    case bernoulliNLLWithGradient(logits: Tensor, target: Tensor, out: Tensor, dlogits: Tensor, scale: Float)
    /// `out[i] = Σ_j ½(t − μ)²·e^(−v_j) + ½(v_j + log 2π)`: a Gaussian per pixel with log-variance
    /// `v = logVariance`, one value per column (fixed, or a learned parameter).
    case gaussianNLL(mean: Tensor, target: Tensor, logVariance: Tensor, out: Tensor)
    /// `dmean = scale·(μ − t)·e^(−v_j)`; with `dlogVariance` (shaped like `mean`), also its gradient with
    /// respect to each element's log-variance, `scale·½(1 − (t − μ)²·e^(−v_j))` (sum the rows for v's).
    case gaussianNLLBackward(
        mean: Tensor, target: Tensor, logVariance: Tensor, dmean: Tensor, dlogVariance: Tensor?, scale: Float)
    /// Adam, in place, bias-corrected: `m = β1 m + (1−β1) g`, `v = β2 v + (1−β2) g²`,
    /// `p −= lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)`. The step `t` is `schedule[0]` and the
    /// learning rate the float whose bits are `schedule[1]`: both change per step without re-recording.
    case adam(
        parameter: Tensor, gradient: Tensor, m: Tensor, v: Tensor, schedule: Tensor,
        beta1: Float, beta2: Float, epsilon: Float)
    /// `schedule[0] += 1`: advances the step counter that `adam` and `reparameterize` read.
    case advanceStep(schedule: Tensor)
    /// `dst[i, :] = scale · src[indices[first + i] − base, :]`: minibatch rows from a resident dataset,
    /// picked by a slice of a (shuffled) index tensor. `src` may be float32 or uint8 (bytes become floats;
    /// `scale` 1/255 maps pixels to [0, 1]). With `shard` nil, `src` is the whole dataset (base 0) and
    /// every index must be a row of it. With `shard: base`, `src` is one shard holding dataset rows
    /// `base..<base + src.rows`, and rows of `dst` whose index lies outside are left as they are: a dataset
    /// one device buffer cannot hold fills a minibatch with one launch per shard.
    case gatherRows(src: Tensor, indices: Tensor, first: Int, dst: Tensor, scale: Float, shard: Int? = nil)
    /// `gatherRows` whose first index is read on the device when the launch runs: `(schedule[0] − stepBase) ·
    /// dst.rows`, so a recorded training step gathers the next minibatch each time it is run again (the step
    /// counter advances on the device). A first index past the indices writes nothing.
    case gatherRowsAtStep(
        src: Tensor, indices: Tensor, schedule: Tensor, stepBase: Int, dst: Tensor, scale: Float, shard: Int? = nil)
    /// `x[i] = u_i < x[i] ? 1 : 0` with u_i uniform in [0, 1) from Philox at counter (i/4, schedule[0], stream, 1)
    /// (lane i % 4): binary pixels drawn with probability equal to the grey level (dynamic binarization).
    /// `offset` as for `reparameterize`: element i draws what element `offset + i` of the whole batch would.
    case sampleBernoulli(x: Tensor, schedule: Tensor, seed: UInt64, stream: UInt32, offset: Int = 0)
    /// `y = a·x + b·y`.
    case axpby(x: Tensor, y: Tensor, a: Float, b: Float)
    /// `x = value` for every element.
    case fill(x: Tensor, value: Float)
    /// `dst = src`.
    case copy(src: Tensor, dst: Tensor)
    /// `x = min(max(x, lower), upper)` (e.g. a log-variance clamp).
    case clamp(x: Tensor, lower: Float, upper: Float)
    /// `out[i]` = word `i % 4` of Philox-4x32-10 at counter `(counter.x + i/4, counter.y, counter.z,
    /// counter.w)` under `key`: the raw generator bits (uint32 `out`).
    case randomBits(out: Tensor, counter: SIMD4<UInt32>, key: SIMD2<UInt32>)

    /// A short name for logs and profiles.
    public var name: String {
        switch self {
        case let .matmul(_, _, _, ta, tb, bias, act, acc):
            return "matmul_\(ta ? "T" : "N")\(tb ? "T" : "N")" + (bias != nil ? "_bias" : "")
                + (act != .identity ? "_\(act)" : "") + (acc ? "_acc" : "")
        case let .conv2d(_, _, bias, _, _, act):
            return "conv2d" + (bias != nil ? "_bias" : "") + (act != .identity ? "_\(act)" : "")
        case let .convTranspose2d(_, _, bias, _, _, act):
            return "conv_transpose2d" + (bias != nil ? "_bias" : "") + (act != .identity ? "_\(act)" : "")
        case .conv2dWeightGradient: return "conv2d_weight_gradient"
        case .channelSum: return "channel_sum"
        case let .batchNorm(_, _, _, _, _, _, _, _, _, _, _, training, act):
            return "batch_norm" + (training ? "_train" : "_eval") + (act != .identity ? "_\(act)" : "")
        case .batchNormBackward: return "batch_norm_backward"
        case let .activation(act, _, _): return "activation_\(act)"
        case let .activationBackward(act, _, _, _): return "activation_backward_\(act)"
        case .columnSum: return "column_sum"
        case .rowSum: return "row_sum"
        case .sum: return "sum"
        case .reparameterize: return "reparameterize"
        case .klDivergence: return "kl_divergence"
        case .latentBackward: return "latent_backward"
        case .importanceLogWeight: return "importance_log_weight"
        case .logSumExpAccumulate: return "log_sum_exp_accumulate"
        case .bernoulliNLL: return "bernoulli_nll"
        case .bernoulliNLLBackward: return "bernoulli_nll_backward"
        case .bernoulliNLLWithGradient: return "bernoulli_nll_with_gradient"
        case .gaussianNLL: return "gaussian_nll"
        case .gaussianNLLBackward: return "gaussian_nll_backward"
        case .adam: return "adam"
        case .advanceStep: return "advance_step"
        case .gatherRows: return "gather_rows"
        case .gatherRowsAtStep: return "gather_rows_at_step"
        case .sampleBernoulli: return "sample_bernoulli"
        case .axpby: return "axpby"
        case .fill: return "fill"
        case .copy: return "copy"
        case .clamp: return "clamp"
        case .randomBits: return "random_bits"
        }
    }

    /// Tensors the kernel reads (including those it updates in place).
    public var reads: TensorList {
        switch self {
        case let .matmul(a, b, c, _, _, bias, _, acc): return TensorList(a, b, bias, acc ? c : nil)
        case let .conv2d(x, w, bias, _, _, _), let .convTranspose2d(x, w, bias, _, _, _): return TensorList(x, w, bias)
        case let .conv2dWeightGradient(x, dy, _, _): return TensorList(x, dy)
        case let .channelSum(x, _, _): return TensorList(x)
        case let .batchNorm(x, gamma, beta, _, _, _, rm, rv, _, _, _, _, _): return TensorList(x, gamma, beta, rm, rv)
        case let .batchNormBackward(x, dy, gamma, mean, invStd, _, _, _, _):
            return TensorList(x, dy, gamma, mean, invStd)
        case let .activation(_, x, _): return TensorList(x)
        case let .activationBackward(_, y, dy, _): return TensorList(y, dy)
        case let .columnSum(x, out, acc): return TensorList(x, acc ? out : nil)
        case let .rowSum(x, _): return TensorList(x)
        case let .sum(x, out, acc): return TensorList(x, acc ? out : nil)
        case let .reparameterize(posterior, _, _, schedule, _, _, _): return TensorList(posterior, schedule)
        case let .klDivergence(posterior, _, _): return TensorList(posterior)
        case let .latentBackward(dz, posterior, eps, _, _): return TensorList(dz, posterior, eps)
        case let .importanceLogWeight(z, eps, posterior, nll, _): return TensorList(z, eps, posterior, nll)
        case let .logSumExpAccumulate(x, m, s): return TensorList(x, m, s)
        case let .bernoulliNLL(l, t, _): return TensorList(l, t)
        case let .bernoulliNLLBackward(l, t, _, _): return TensorList(l, t)
        case let .bernoulliNLLWithGradient(l, t, _, _, _): return TensorList(l, t)
        case let .gaussianNLL(m, t, v, _): return TensorList(m, t, v)
        case let .gaussianNLLBackward(m, t, v, _, _, _): return TensorList(m, t, v)
        case let .adam(p, g, m, v, s, _, _, _): return TensorList(p, g, m, v, s)
        case let .advanceStep(s): return TensorList(s)
        case let .gatherRows(src, idx, _, dst, _, shard):
            return shard == nil ? TensorList(src, idx) : TensorList(src, idx, dst)
        case let .gatherRowsAtStep(src, idx, s, _, dst, _, shard):
            return shard == nil ? TensorList(src, idx, s) : TensorList(src, idx, s, dst)
        case let .sampleBernoulli(x, s, _, _, _): return TensorList(x, s)
        case let .axpby(x, y, _, b): return TensorList(x, b == 0 ? nil : y)
        case .fill: return TensorList()
        case let .copy(src, _): return TensorList(src)
        case let .clamp(x, _, _): return TensorList(x)
        case .randomBits: return TensorList()
        }
    }

    /// Tensors the kernel writes.
    public var writes: TensorList {
        switch self {
        case let .matmul(_, _, c, _, _, _, _, _): return TensorList(c)
        case let .conv2d(_, _, _, y, _, _), let .convTranspose2d(_, _, _, y, _, _): return TensorList(y)
        case let .conv2dWeightGradient(_, _, dw, _): return TensorList(dw)
        case let .channelSum(_, out, _): return TensorList(out)
        case let .batchNorm(_, _, _, y, mean, invStd, rm, rv, _, _, _, _, _): return TensorList(y, mean, invStd, rm, rv)
        case let .batchNormBackward(_, _, _, _, _, dx, dgamma, dbeta, _): return TensorList(dx, dgamma, dbeta)
        case let .activation(_, _, y): return TensorList(y)
        case let .activationBackward(_, _, _, dx): return TensorList(dx)
        case let .columnSum(_, out, _), let .rowSum(_, out), let .sum(_, out, _): return TensorList(out)
        case let .reparameterize(_, eps, z, _, _, _, _): return TensorList(eps, z)
        case let .klDivergence(_, out, _): return TensorList(out)
        case let .latentBackward(_, _, _, dposterior, _): return TensorList(dposterior)
        case let .importanceLogWeight(_, _, _, _, out): return TensorList(out)
        case let .logSumExpAccumulate(_, m, s): return TensorList(m, s)
        case let .bernoulliNLL(_, _, out), let .gaussianNLL(_, _, _, out): return TensorList(out)
        case let .bernoulliNLLBackward(_, _, d, _): return TensorList(d)
        case let .gaussianNLLBackward(_, _, _, d, dv, _): return TensorList(d, dv)
        case let .bernoulliNLLWithGradient(_, _, out, d, _): return TensorList(out, d)
        case let .adam(p, _, m, v, _, _, _, _): return TensorList(p, m, v)
        case let .advanceStep(s): return TensorList(s)
        case let .gatherRows(_, _, _, dst, _, _), let .gatherRowsAtStep(_, _, _, _, dst, _, _): return TensorList(dst)
        case let .sampleBernoulli(x, _, _, _, _): return TensorList(x)
        case let .axpby(_, y, _, _): return TensorList(y)
        case let .fill(x, _): return TensorList(x)
        case let .copy(_, dst): return TensorList(dst)
        case let .clamp(x, _, _): return TensorList(x)
        case let .randomBits(out, _, _): return TensorList(out)
        }
    }

    /// Floating-point operations of a matmul, counting a multiply-add as two (for GFLOP/s figures); for
    /// the other kernels, the number of elements written.
    public var flops: Int {
        switch self {
        case let .matmul(a, _, c, ta, _, _, _, _):
            let k = ta ? a.rows : a.columns
            return 2 * c.rows * c.columns * k
        case let .conv2d(x, _, _, _, g, _), let .convTranspose2d(_, _, _, x, g, _),
            let .conv2dWeightGradient(x, _, _, g):
            return 2 * x.rows * g.outputFeatures * g.reduction
        default:
            return writes.reduce(0) { $0 + $1.count }
        }
    }
}
