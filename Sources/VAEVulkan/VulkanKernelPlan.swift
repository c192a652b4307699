import VAECompute

/// How one `Kernel` runs as a shader dispatch: which shader, its specialization constants, the tensors
/// bound to bindings 0..<n, the push-constant words and the workgroup grid.
struct VulkanKernelPlan {
    var shader: String
    var constants: [UInt32]
    var bindings: [Tensor]
    var pushConstants: [UInt32]
    var groups: (UInt32, UInt32, UInt32)
    /// What the dispatch reads and writes, for ordering it after earlier work, when not the kernel's own
    /// (a kernel run as several dispatches through scratch tensors).
    var reads: [Tensor]? = nil, writes: [Tensor]? = nil
    /// Dispatches that complete the kernel after this one (split-K's sum of the slices).
    var then: [VulkanKernelPlan] = []

    /// The largest scratch a split-K product may use (its slices' partial sums); larger products are not split
    /// (they have workgroups enough anyway).
    static let splitScratchLimit = 64 << 20

    /// Invocations per workgroup of the elementwise kernels: 256, or the device's largest if smaller
    /// (Vulkan guarantees only 128).
    static func elementwiseGroup(_ device: VulkanPhysicalDevice) -> Int { min(256, device.largestWorkgroup) }

    /// Invocations per workgroup of the row reductions, a power of two (see workgroup_sum.glsl): 64, or one
    /// whole subgroup where subgroups are wider, within the device's limit.
    static func reductionGroup(_ device: VulkanPhysicalDevice) -> Int {
        min(max(64, device.subgroupSize), device.largestWorkgroup)
    }

    /// The reductions' shader: the subgroupAdd build where the device has subgroup arithmetic.
    static func reduction(_ shader: String, _ device: VulkanDevice) -> String {
        device.usesSubgroupReductions ? shader + "+subgroup" : shader
    }

    init(_ kernel: Kernel, device: VulkanDevice) throws {
        let physical = device.context.physical, planning = device.planning
        let elementwiseGroup = Self.elementwiseGroup(physical), reductionGroup = Self.reductionGroup(physical)
        let wg = UInt32(elementwiseGroup), rg = UInt32(reductionGroup)
        func bits(_ f: Float) -> UInt32 { f.bitPattern }
        func u(_ i: Int) -> UInt32 { UInt32(i) }
        func elementwise(
            _ name: String, _ tensors: [Tensor], _ n: Int, _ push: [UInt32], per: Int = 1
        ) -> VulkanKernelPlan {
            VulkanKernelPlan(
                shader: name, constants: [wg], bindings: tensors, pushConstants: [u(n)] + push,
                groups: Self.grid(items: (n + per - 1) / per, groupSize: elementwiseGroup))
        }
        /// The Philox kernels: one invocation per noise block that holds elements offset ..< offset + n.
        func philoxBlocks(
            _ name: String, _ tensors: [Tensor], _ n: Int, seed: UInt64, stream: UInt32, offset: Int,
            _ push: [UInt32] = []
        ) throws -> VulkanKernelPlan {
            guard offset >= 0, offset + n <= Int(UInt32.max) else {
                throw ComputeError.invalidArguments(kernel: name, reason: "element offset \(offset) is out of range")
            }
            return VulkanKernelPlan(
                shader: name, constants: [wg], bindings: tensors,
                pushConstants: [
                    u(n), UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32), stream, u(offset),
                ] + push,
                groups: Self.grid(items: (offset % 4 + n + 3) / 4, groupSize: elementwiseGroup))
        }
        func perRow(_ name: String, _ tensors: [Tensor], rows: Int, cols: Int, _ push: [UInt32]) -> VulkanKernelPlan {
            VulkanKernelPlan(
                shader: Self.reduction(name, device), constants: [rg], bindings: tensors,
                pushConstants: [u(rows), u(cols)] + push,
                groups: Self.grid(items: rows * reductionGroup, groupSize: reductionGroup))
        }
        /// The shared-memory tiles a convolution runs on as an implicit GEMM, or nil for the direct kernel.
        func convolutionTiles(_ gemm: ConvolutionGEMM) -> MatmulVariant? {
            let forced = device.options.matmul.flatMap { $0.stagedDepth == nil ? nil : $0 }
            let tiles: MatmulVariant?
            switch device.options.convolutions {
            case .direct: tiles = nil
            case .tiled:
                tiles = forced ?? MatmulVariant.forGPU(m: gemm.m, n: gemm.n, computeUnits: planning.parallelism)
            case .automatic:
                // A forced preset without shared memory (lavapipe's kernels) keeps the direct convolutions.
                tiles =
                    device.options.matmul != nil
                    ? forced : planning.isEmulated ? nil : gemm.tilesForGPU(computeUnits: planning.parallelism)
            }
            // The tile grid is one dispatch dimension per side of C (at most 65,535 workgroups each, Vulkan's
            // least maximum); the direct kernels spread larger grids over two dimensions.
            guard let tiles else { return nil }
            let grid = tiles.tileGrid(m: gemm.m, n: gemm.n)
            return grid.columns <= Self.maxGroupsPerDimension && grid.rows <= Self.maxGroupsPerDimension ? tiles : nil
        }
        switch kernel {
        case let .matmul(a, b, c, ta, tb, bias, act, acc):
            let m = c.rows, n = c.columns, k = ta ? a.rows : a.columns
            // Mixed precision: the products on cooperative matrices (f16 operands, f32 sums).
            if let shape = device.cooperativeMatrix,
                let plan = Self.cooperativeMatrixProduct(
                    shape, a: a, b: b, c: c, m: m, n: n, k: k, transposeA: ta, transposeB: tb, bias: bias,
                    activation: act, accumulate: acc, device: device)
            {
                self = plan
                break
            }
            // GPUs stage tiles in shared memory; lavapipe runs faster without (see MatmulVariant).
            let v =
                device.options.matmul
                ?? (planning.isEmulated
                    ? MatmulVariant.forShape(m: m, n: n, k: k, transposeA: ta, transposeB: tb)
                    : MatmulVariant.forGPU(m: m, n: n, computeUnits: planning.parallelism))
            let tiles = Self.tileGroups(v, m: m, n: n)
            let constants = [
                u(v.workgroupX), u(v.workgroupY), u(v.rowsPerThread), u(v.columnsPerThread), ta ? 1 : 0, tb ? 1 : 0,
                act.rawValue, bias != nil ? 1 : 0, acc ? 1 : 0,
            ]
            let shape = [u(m), u(n), u(k), u(a.columns), u(b.columns)]
            guard let depth = v.stagedDepth else {
                self.init(
                    shader: "matmul", constants: constants, bindings: [a, b, c, bias ?? c], pushConstants: shape,
                    groups: tiles)
                break
            }
            // vec4 loads of each operand whose stored rows are whole vec4s (see matmul_tiled.comp).
            let vec4 = [a.columns % 4 == 0 ? 1 : 0, b.columns % 4 == 0 ? 1 : 0] as [UInt32]
            // Split-K where the grid of tiles is too small for the GPU (or where the variant forces it).
            guard let split = try Self.splitK(m: m, n: n, k: k, tiles: v, depth: depth, device: device) else {
                self.init(
                    shader: "matmul_tiled", constants: constants + [u(depth), 0] + vec4,
                    bindings: [a, b, c, bias ?? c],
                    pushConstants: shape + [u(max(k, 1))], groups: tiles)
                break
            }
            self.init(
                shader: "matmul_tiled", constants: constants + [u(depth), 1] + vec4,
                bindings: [a, b, split.scratch, split.scratch],
                pushConstants: shape + [u(split.chunk)], groups: (tiles.0, tiles.1, u(split.slices)),
                reads: [a, b], writes: [split.scratch])
            then = [
                Self.splitSum(
                    split, into: c, m: m, n: n, bias: bias, activation: act, accumulate: acc, device: device)
            ]
        case let .conv2d(x, w, bias, y, g, act):
            let gemm = ConvolutionGEMM(.conv2d, g, batch: x.rows)
            if let tiles = convolutionTiles(gemm) {
                self = try Self.tiledConvolution(
                    gemm, tiles, a: w, x: x, output: y, bias: bias, activation: act, device: device)
                break
            }
            self = elementwise("conv2d", [x, w, bias ?? w, y], y.count, [])
            constants = [wg, act.rawValue, bias != nil ? 1 : 0]
            pushConstants = Self.geometry(g, batch: x.rows)
        case let .convTranspose2d(x, w, bias, y, g, act):
            let gemm = ConvolutionGEMM(.convTranspose2d, g, batch: x.rows)
            if let tiles = convolutionTiles(gemm) {
                self = try Self.tiledConvolution(
                    gemm, tiles, a: w, x: x, output: y, bias: bias, activation: act, device: device)
                break
            }
            self = elementwise("conv_transpose2d", [x, w, bias ?? w, y], y.count, [])
            constants = [wg, act.rawValue, bias != nil ? 1 : 0]
            pushConstants = Self.geometry(g, batch: x.rows)
        case let .conv2dWeightGradient(x, dy, dw, g):
            let gemm = ConvolutionGEMM(.weightGradient, g, batch: x.rows)
            if let tiles = convolutionTiles(gemm) {
                self = try Self.tiledConvolution(
                    gemm, tiles, a: dy, x: x, output: dw, bias: nil, activation: .identity, device: device)
                break
            }
            self = elementwise("conv2d_weight_gradient", [x, dy, dw], dw.count, [])
            pushConstants = Self.geometry(g, batch: x.rows)
        case let .channelSum(x, out, plane):
            self.init(
                shader: Self.reduction("channel_sum", device), constants: [rg], bindings: [x, out],
                pushConstants: [u(x.rows), u(out.count), u(plane)],
                groups: Self.grid(items: out.count * reductionGroup, groupSize: reductionGroup))
        case let .batchNorm(x, gamma, beta, y, mean, invStd, rm, rv, plane, momentum, epsilon, training, act):
            self.init(
                shader: Self.reduction("batch_norm", device), constants: [rg, training ? 1 : 0, act.rawValue],
                bindings: [x, gamma, beta, y, mean, invStd, rm, rv],
                pushConstants: [u(x.rows), u(gamma.count), u(plane), bits(momentum), bits(epsilon)],
                groups: Self.grid(items: gamma.count * reductionGroup, groupSize: reductionGroup))
        case let .batchNormBackward(x, dy, gamma, mean, invStd, dx, dgamma, dbeta, plane):
            self.init(
                shader: Self.reduction("batch_norm_backward", device), constants: [rg],
                bindings: [x, dy, gamma, mean, invStd, dx, dgamma, dbeta],
                pushConstants: [u(x.rows), u(gamma.count), u(plane)],
                groups: Self.grid(items: gamma.count * reductionGroup, groupSize: reductionGroup))
        case let .activation(act, x, y):
            self = elementwise("activation", [x, y], x.count, [act.rawValue])
        case let .activationBackward(act, y, dy, dx):
            self = elementwise("activation_backward", [y, dy, dx], y.count, [act.rawValue])
        case let .columnSum(x, out, acc):
            self = elementwise("column_sum", [x, out], out.count, [u(x.rows), acc ? 1 : 0])
            pushConstants = [u(x.rows), u(x.columns), acc ? 1 : 0]
        case let .rowSum(x, out):
            self = perRow("row_sum", [x, out], rows: x.rows, cols: x.columns, [])
        case let .sum(x, out, acc):
            self.init(
                shader: Self.reduction("sum", device), constants: [rg], bindings: [x, out],
                pushConstants: [u(x.count), acc ? 1 : 0], groups: (1, 1, 1))
        case let .reparameterize(posterior, eps, z, schedule, seed, stream, offset):
            self = try philoxBlocks(
                "reparameterize", [posterior, eps, z, schedule], z.count, seed: seed, stream: stream, offset: offset,
                [u(z.columns)])
        case let .klDivergence(posterior, out, beta):
            self = perRow(
                "kl_divergence", [posterior, out], rows: posterior.rows, cols: posterior.columns / 2, [bits(beta)])
        case let .latentBackward(dz, posterior, eps, dposterior, beta):
            self = elementwise(
                "latent_backward", [dz, posterior, eps, dposterior], dz.count, [u(dz.columns), bits(beta)])
        case let .importanceLogWeight(z, eps, posterior, nll, out):
            self = perRow("importance_log_weight", [z, eps, posterior, nll, out], rows: z.rows, cols: z.columns, [])
        case let .logSumExpAccumulate(x, m, s):
            self = elementwise("log_sum_exp_accumulate", [x, m, s], x.count, [])
        case let .bernoulliNLL(l, t, out):
            self = perRow("bernoulli_nll", [l, t, out], rows: l.rows, cols: l.columns, [])
        case let .bernoulliNLLWithGradient(l, t, out, d, scale):
            self = perRow("bernoulli_nll_with_gradient", [l, t, out, d], rows: l.rows, cols: l.columns, [bits(scale)])
        case let .bernoulliNLLBackward(l, t, d, scale):
            self = elementwise("bernoulli_nll_backward", [l, t, d], l.count, [bits(scale)])
        case let .gaussianNLL(m, t, v, out):
            self = perRow("gaussian_nll", [m, t, v, out], rows: m.rows, cols: m.columns, [])
        case let .gaussianNLLBackward(m, t, v, d, dv, scale):
            // Without dlogVariance the shader's binding 4 is bound to dmean and left unwritten.
            self = elementwise(
                "gaussian_nll_backward", [m, t, v, d, dv ?? d], m.count, [u(m.columns), bits(scale), dv != nil ? 1 : 0])
        case let .adam(p, g, m, v, s, b1, b2, eps):
            self = elementwise("adam", [p, g, m, v, s], p.count, [bits(b1), bits(b2), bits(eps)])
        case let .advanceStep(s):
            self.init(shader: "advance_step", constants: [], bindings: [s], pushConstants: [], groups: (1, 1, 1))
        case let .gatherRows(src, idx, first, dst, scale, shard):
            // The schedule binding is unused here (FIRST_FROM_STEP off): the indices stand in for it.
            self = elementwise("gather_rows", [src, idx, dst, idx], dst.count, [])
            constants = [wg, src.elementType == .uint8 ? 1 : 0, 0]
            pushConstants = [
                u(dst.rows), u(dst.columns), bits(scale), u(first), u(shard ?? 0), u(src.rows), 0, u(idx.count),
            ]
        case let .gatherRowsAtStep(src, idx, schedule, stepBase, dst, scale, shard):
            self = elementwise("gather_rows", [src, idx, dst, schedule], dst.count, [])
            constants = [wg, src.elementType == .uint8 ? 1 : 0, 1]
            pushConstants = [
                u(dst.rows), u(dst.columns), bits(scale), 0, u(shard ?? 0), u(src.rows), u(stepBase), u(idx.count),
            ]
        case let .sampleBernoulli(x, s, seed, stream, offset):
            self = try philoxBlocks("sample_bernoulli", [x, s], x.count, seed: seed, stream: stream, offset: offset)
        case let .axpby(x, y, a, b):
            self = elementwise("axpby", [x, y], x.count, [bits(a), bits(b)])
        case let .fill(x, value):
            self = elementwise("fill", [x], x.count, [bits(value)])
        case let .copy(src, dst):
            self = elementwise("copy", [src, dst], src.elementType.storageBytes(count: src.count) / 4, [])
        case let .clamp(x, lo, hi):
            self = elementwise("clamp", [x], x.count, [bits(lo), bits(hi)])
        case let .randomBits(out, counter, key):
            // std430 push-constant layout: n at 0, the uvec4 counter at 16, the uvec2 key at 32.
            self = elementwise(
                "random_bits", [out], out.count, [0, 0, 0, counter.x, counter.y, counter.z, counter.w, key.x, key.y],
                per: 4)
        }
    }

    /// A convolution as an implicit GEMM on the shared-memory tiles (`conv_tiled.comp`): A is the weight (or,
    /// for the weight gradient, dy), B the image gathered on the fly, C the output in its own layout. The
    /// weight gradient, whose C is a small row-major matrix with a long k (batch × positions), is split
    /// along k like a product where its grid would leave the GPU idle.
    static func tiledConvolution(
        _ gemm: ConvolutionGEMM, _ v: MatmulVariant, a: Tensor, x: Tensor, output: Tensor, bias: Tensor?,
        activation: Activation, device: VulkanDevice
    ) throws -> VulkanKernelPlan {
        func u(_ i: Int) -> UInt32 { UInt32(i) }
        let (m, n, k) = (gemm.m, gemm.n, gemm.k)
        let depth = v.stagedDepth ?? 16
        let tiles = tileGroups(v, m: m, n: n)
        func constants(split: Bool) -> [UInt32] {
            [
                u(v.workgroupX), u(v.workgroupY), u(v.rowsPerThread), u(v.columnsPerThread), gemm.mode.rawValue, 0,
                activation.rawValue, bias != nil ? 1 : 0, 0, u(depth), split ? 1 : 0,
            ]
        }
        let shape = geometry(gemm.geometry, batch: gemm.batch) + [u(m), u(n), u(k)]
        // Only the weight gradient's C is a plain row-major matrix that the slices' sum can write.
        guard gemm.mode == .weightGradient,
            let split = try splitK(m: m, n: n, k: k, tiles: v, depth: depth, device: device)
        else {
            return VulkanKernelPlan(
                shader: "conv_tiled", constants: constants(split: false), bindings: [a, x, output, bias ?? a],
                pushConstants: shape + [u(max(k, 1))], groups: tiles)
        }
        var plan = VulkanKernelPlan(
            shader: "conv_tiled", constants: constants(split: true), bindings: [a, x, split.scratch, a],
            pushConstants: shape + [u(split.chunk)], groups: (tiles.0, tiles.1, u(split.slices)), reads: [a, x],
            writes: [split.scratch])
        plan.then = [
            splitSum(
                split, into: output, m: m, n: n, bias: nil, activation: .identity, accumulate: false, device: device)
        ]
        return plan
    }

    /// The workgroups of a product's grid of C tiles on the tiles of `v` (none when C is empty).
    /// A product on cooperative matrices (matmul_coopmat.comp): workgroups of 2×2 subgroups of the device's
    /// subgroup size, each workgroup one block of C. nil where the block grid exceeds a dispatch dimension (the
    /// f32 kernels spread such grids over two dimensions).
    static func cooperativeMatrixProduct(
        _ shape: CooperativeMatrixShape, a: Tensor, b: Tensor, c: Tensor, m: Int, n: Int, k: Int, transposeA: Bool,
        transposeB: Bool, bias: Tensor?, activation: Activation, accumulate: Bool, device: VulkanDevice
    ) -> VulkanKernelPlan? {
        typealias Block = CooperativeMatrix
        let bm = Block.subgroupsM * Block.tilesM * shape.m, bn = Block.subgroupsN * Block.tilesN * shape.n
        let columns = (n + bn - 1) / bn, rows = (m + bm - 1) / bm
        guard columns <= maxGroupsPerDimension, rows <= maxGroupsPerDimension else { return nil }
        let invocations = Block.subgroupsM * Block.subgroupsN * device.context.physical.subgroupSize
        let constants = [
            invocations, shape.m, shape.n, shape.k, transposeA ? 1 : 0, transposeB ? 1 : 0, Int(activation.rawValue),
            bias != nil ? 1 : 0, accumulate ? 1 : 0, Block.subgroupsM, Block.subgroupsN, Block.tilesM, Block.tilesN,
            Block.kSteps,
        ].map { UInt32($0) }
        return VulkanKernelPlan(
            shader: CooperativeMatrix.shader, constants: constants, bindings: [a, b, c, bias ?? c],
            pushConstants: [m, n, k, a.columns, b.columns].map { UInt32($0) },
            groups: m > 0 && n > 0 ? (UInt32(columns), UInt32(rows), 1) : (0, 0, 0))
    }

    static func tileGroups(_ v: MatmulVariant, m: Int, n: Int) -> (UInt32, UInt32, UInt32) {
        guard m > 0, n > 0 else { return (0, 0, 0) }
        let grid = v.tileGrid(m: m, n: n)
        return (UInt32(grid.columns), UInt32(grid.rows), 1)
    }

    /// How an m×n×k product on the tiles of `v` (slabs `depth` deep) splits along k where its grid is too small
    /// for the GPU or the variant forces it: slices `chunk` deep, partial sums in the device's shared scratch.
    /// nil when it is not split (one slice, an empty C, or a scratch beyond `splitScratchLimit`).
    static func splitK(
        m: Int, n: Int, k: Int, tiles v: MatmulVariant, depth: Int, device: VulkanDevice
    ) throws -> (chunk: Int, slices: Int, scratch: Tensor)? {
        let planning = device.planning
        let requested =
            v.splitK
            ?? (planning.isEmulated
                ? 1 : MatmulVariant.automaticSlices(m: m, n: n, k: k, tile: v, computeUnits: planning.parallelism))
        let (chunk, slices) = MatmulVariant.sliceDepth(k: k, slices: requested, depth: depth)
        let scratchFloats = (try? CheckedSize.product([slices, m, n], "split-K")) ?? Int.max
        guard slices > 1, m > 0, n > 0, scratchFloats <= splitScratchLimit / 4 else { return nil }
        return (chunk, slices, try device.splitScratch(floats: scratchFloats))
    }

    /// The second launch of a split product: C = act(the slices' sum + bias), or C += the sum.
    static func splitSum(
        _ split: (chunk: Int, slices: Int, scratch: Tensor), into c: Tensor, m: Int, n: Int, bias: Tensor?,
        activation: Activation, accumulate: Bool, device: VulkanDevice
    ) -> VulkanKernelPlan {
        let group = elementwiseGroup(device.context.physical)
        return VulkanKernelPlan(
            shader: "matmul_split_sum",
            constants: [UInt32(group), activation.rawValue, bias != nil ? 1 : 0, accumulate ? 1 : 0],
            bindings: [split.scratch, c, bias ?? c], pushConstants: [UInt32(m * n), UInt32(n), UInt32(split.slices)],
            groups: grid(items: m * n, groupSize: group),
            reads: [split.scratch] + [bias].compactMap { $0 } + (accumulate ? [c] : []), writes: [c])
    }

    /// The push constants of conv_geometry.glsl.
    static func geometry(_ g: ConvGeometry, batch: Int) -> [UInt32] {
        [
            batch, g.inputChannels, g.inputHeight, g.inputWidth, g.outputChannels, g.outputHeight, g.outputWidth,
            g.kernelHeight, g.kernelWidth, g.stride, g.padding,
        ].map { UInt32($0) }
    }

    init(
        shader: String, constants: [UInt32], bindings: [Tensor], pushConstants: [UInt32],
        groups: (UInt32, UInt32, UInt32), reads: [Tensor]? = nil, writes: [Tensor]? = nil
    ) {
        self.shader = shader; self.constants = constants; self.bindings = bindings
        self.pushConstants = pushConstants; self.groups = groups; self.reads = reads; self.writes = writes
    }

    /// The workgroups a dispatch may have along one dimension on every device (Vulkan's least
    /// maxComputeWorkGroupCount).
    static let maxGroupsPerDimension = 65_535

    /// A grid of workgroups covering `items` invocations; beyond 65535 groups (the minimum per-dimension
    /// limit) the second dimension takes the rest, as `flat_index()` in common.glsl expects.
    static func grid(items: Int, groupSize: Int) -> (UInt32, UInt32, UInt32) {
        let groups = (items + groupSize - 1) / groupSize
        guard groups > 0 else { return (0, 0, 0) }
        let x = min(groups, maxGroupsPerDimension)
        return (UInt32(x), UInt32((groups + x - 1) / x), 1)
    }
}
