extension Kernel {
    /// Checks that the operands' shapes and element types fit the kernel's contract.
    ///
    /// Every backend calls this before doing any work, so a wrong shape is one clear error on every
    /// backend rather than an out-of-bounds access on one of them.
    public func validate() throws {
        func fail(_ reason: String) -> ComputeError { .invalidArguments(kernel: name, reason: reason) }
        // Up to five operands, held inline (a variadic array would be allocated on every launch).
        func requireFloat(
            _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, _ d: Tensor? = nil, _ e: Tensor? = nil
        ) throws {
            for t in TensorList(a, b, c, d, e) where t.elementType != .float32 {
                throw fail("expected float32, got \(t)")
            }
        }
        func requireSameCount(
            _ a: Tensor, _ b: Tensor? = nil, _ c: Tensor? = nil, _ d: Tensor? = nil, _ e: Tensor? = nil
        ) throws {
            for t in TensorList(b, c, d, e) where t.count != a.count {
                throw fail("element counts differ: \(a) vs \(t)")
            }
        }
        func requireCount(_ t: Tensor, _ n: Int, _ what: String) throws {
            if t.count != n { throw fail("\(what) needs \(n) elements, got \(t)") }
        }
        func requireGather(_ src: Tensor, _ idx: Tensor, _ dst: Tensor, _ shard: Int?) throws {
            try requireFloat(dst)
            if let base = shard, base < 0 || base > Int(UInt32.max) - src.rows {
                throw fail("shard base \(base) is out of range")
            }
            if src.elementType == .uint32 { throw fail("src must be float32 or uint8, got \(src)") }
            if idx.elementType != .uint32 { throw fail("indices must be uint32, got \(idx)") }
            if dst.columns != src.columns {
                throw fail("dst rows must have \(src.columns) columns like src, got \(dst)")
            }
        }
        func requireSchedule(_ s: Tensor) throws {
            if s.elementType != .uint32 || s.count < 2 {
                throw fail("schedule must be uint32 with 2 elements, got \(s)")
            }
        }
        // The posterior's parameters for latents `z` [N, Z]: [N, 2Z], mu then logvar in each row.
        func requirePosterior(_ posterior: Tensor, of z: Tensor) throws {
            if z.shape.count != 2 || posterior.shape != [z.rows, 2 * z.columns] {
                throw fail(
                    "posterior must be [N, 2Z] = [\(z.rows), \(2 * z.columns)] for latents \(z), got \(posterior)")
            }
        }
        // The convolution side of `input` is [N, inputFeatures], of `output` [N, outputFeatures], for the same N.
        func requireConvolution(input: Tensor, output: Tensor, weight: Tensor, _ g: ConvGeometry) throws {
            try requireFloat(input, output, weight)
            do { try g.validate() } catch { throw fail("\(error)") }
            if input.rows != output.rows {
                throw fail("input and output have different batch sizes: \(input) vs \(output)")
            }
            if input.columns != g.inputFeatures || input.shape.count != 2 {
                throw fail("the image side needs rows of \(g.inputFeatures) values (\(g)), got \(input)")
            }
            if output.columns != g.outputFeatures || output.shape.count != 2 {
                throw fail("the feature side needs rows of \(g.outputFeatures) values (\(g)), got \(output)")
            }
            try requireCount(weight, g.weightShape.reduce(1, *), "weight \(g.weightShape)")
        }
        // Rows of channels × plane values: the channel count.
        func requireChannels(_ x: Tensor, _ plane: Int) throws -> Int {
            if plane <= 0 || x.shape.count != 2 || x.columns % plane != 0 {
                throw fail("rows of \(x) are not whole channels of \(plane) values")
            }
            return x.columns / plane
        }
        switch self {
        case let .matmul(a, b, c, ta, tb, bias, act, acc):
            try requireFloat(a, b, c)
            let (m, k) = ta ? (a.columns, a.rows) : (a.rows, a.columns)
            let (kb, n) = tb ? (b.columns, b.rows) : (b.rows, b.columns)
            if k != kb { throw fail("inner dimensions differ: op(a) is \(m)×\(k), op(b) is \(kb)×\(n)") }
            if c.rows != m || c.columns != n { throw fail("c must be \(m)×\(n), got \(c)") }
            if let bias {
                try requireFloat(bias)
                try requireCount(bias, n, "bias")
            }
            if acc && (bias != nil || act != .identity) { throw fail("accumulate allows no bias or activation") }
        case let .conv2d(x, w, bias, y, g, _):
            try requireConvolution(input: x, output: y, weight: w, g)
            if let bias { try requireFloat(bias); try requireCount(bias, g.outputChannels, "bias") }
        case let .convTranspose2d(x, w, bias, y, g, _):
            try requireConvolution(input: y, output: x, weight: w, g)
            if let bias { try requireFloat(bias); try requireCount(bias, g.inputChannels, "bias") }
        case let .conv2dWeightGradient(x, dy, dw, g):
            try requireConvolution(input: x, output: dy, weight: dw, g)
        case let .channelSum(x, out, plane):
            try requireFloat(x, out)
            if plane <= 0 || x.columns % plane != 0 || out.count != x.columns / plane {
                throw fail("out needs one value per channel of \(plane) values in rows of \(x.columns), got \(out)")
            }
        case let .batchNorm(x, gamma, beta, y, mean, invStd, rm, rv, plane, momentum, epsilon, training, _):
            try requireFloat(x, y, gamma, beta, mean)
            try requireFloat(invStd, rm, rv)
            try requireSameCount(x, y)
            let channels = try requireChannels(x, plane)
            for t in TensorList(gamma, beta, mean, invStd, rm) { try requireCount(t, channels, "per-channel \(t)") }
            try requireCount(rv, channels, "runningVar")
            if training && x.rows * plane < 2 {
                throw fail("training needs more than one value per channel (batch \(x.rows), \(plane) per image)")
            }
            guard momentum >= 0, momentum <= 1, epsilon > 0, epsilon.isFinite else {
                throw fail("momentum must be in [0, 1] and epsilon positive, got \(momentum) and \(epsilon)")
            }
        case let .batchNormBackward(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, plane):
            try requireFloat(x, dy, gamma, mean, invStd)
            try requireFloat(dx, dgamma, dbeta)
            try requireSameCount(x, dy, dx)
            let channels = try requireChannels(x, plane)
            for t in TensorList(gamma, mean, invStd, dgamma, dbeta) {
                try requireCount(t, channels, "per-channel \(t)")
            }
        case let .activation(_, x, y):
            try requireFloat(x, y); try requireSameCount(x, y)
        case let .activationBackward(_, y, dy, dx):
            try requireFloat(y, dy, dx); try requireSameCount(y, dy, dx)
        case let .columnSum(x, out, _):
            try requireFloat(x, out); try requireCount(out, x.columns, "out")
        case let .rowSum(x, out):
            try requireFloat(x, out); try requireCount(out, x.rows, "out")
        case let .sum(x, out, _):
            try requireFloat(x, out); try requireCount(out, 1, "out")
        case let .reparameterize(posterior, eps, z, schedule, _, _, offset):
            try requireFloat(posterior, eps, z); try requireSameCount(eps, z)
            try requirePosterior(posterior, of: z)
            try requireSchedule(schedule)
            if offset < 0 || offset > Int(UInt32.max) - z.count {
                throw fail("element offset \(offset) is out of range")
            }
        case let .klDivergence(posterior, out, _):
            try requireFloat(posterior, out)
            if posterior.shape.count != 2 || posterior.columns % 2 != 0 {
                throw fail("posterior must be [N, 2Z] (mu then logvar per row), got \(posterior)")
            }
            try requireCount(out, posterior.rows, "out")
        case let .latentBackward(dz, posterior, eps, dposterior, _):
            try requireFloat(dz, posterior, eps, dposterior); try requireSameCount(dz, eps)
            try requireSameCount(posterior, dposterior)
            try requirePosterior(posterior, of: dz)
        case let .bernoulliNLL(l, t, out):
            try requireFloat(l, t, out); try requireSameCount(l, t)
            try requireCount(out, l.rows, "out")
        case let .gaussianNLL(m, t, v, out):
            try requireFloat(m, t, v, out); try requireSameCount(m, t)
            try requireCount(out, m.rows, "out"); try requireCount(v, m.columns, "logVariance")
        case let .importanceLogWeight(z, eps, posterior, nll, out):
            try requireFloat(z, eps, posterior, nll, out); try requireSameCount(z, eps)
            try requirePosterior(posterior, of: z)
            try requireCount(nll, z.rows, "nll"); try requireCount(out, z.rows, "out")
        case let .logSumExpAccumulate(x, m, s):
            try requireFloat(x, m, s); try requireSameCount(x, m, s)
        case let .bernoulliNLLWithGradient(l, t, out, d, _):
            try requireFloat(l, t, out, d); try requireSameCount(l, t, d)
            try requireCount(out, l.rows, "out")
        case let .bernoulliNLLBackward(l, t, d, _):
            try requireFloat(l, t, d); try requireSameCount(l, t, d)
        case let .gaussianNLLBackward(m, t, v, d, dv, _):
            try requireFloat(m, t, v, d); try requireSameCount(m, t, d); try requireCount(v, m.columns, "logVariance")
            if let dv { try requireFloat(dv); try requireSameCount(m, dv) }
        case let .adam(p, g, m, v, s, _, _, _):
            try requireFloat(p, g, m, v); try requireSameCount(p, g, m, v); try requireSchedule(s)
        case let .advanceStep(s):
            try requireSchedule(s)
        case let .gatherRows(src, idx, first, dst, _, shard):
            try requireGather(src, idx, dst, shard)
            if first < 0 || first + dst.rows > idx.count {
                throw fail("indices \(first)..<\(first + dst.rows) are outside the \(idx.count) given")
            }
        case let .gatherRowsAtStep(src, idx, s, stepBase, dst, _, shard):
            try requireGather(src, idx, dst, shard)
            try requireSchedule(s)
            if stepBase < 0 || stepBase > Int(UInt32.max) { throw fail("step base \(stepBase) is out of range") }
        case let .sampleBernoulli(x, s, _, _, offset):
            try requireFloat(x); try requireSchedule(s)
            if offset < 0 || offset > Int(UInt32.max) - x.count {
                throw fail("element offset \(offset) is out of range")
            }
        case let .axpby(x, y, _, _):
            try requireFloat(x, y); try requireSameCount(x, y)
        case let .fill(x, _), let .clamp(x, _, _):
            try requireFloat(x)
        case let .copy(src, dst):
            if src.elementType != dst.elementType { throw fail("element types differ: \(src) vs \(dst)") }
            try requireSameCount(src, dst)
        case let .randomBits(out, _, _):
            if out.elementType != .uint32 { throw fail("out must be uint32, got \(out)") }
        }
    }
}
