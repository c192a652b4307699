import Testing
import VAECPU
import VAECompute
import VAESelfTest

@testable import VAEVulkan

@Suite("matmul")
struct MatmulTests {
    @Test(arguments: MatmulCases.all)
    func matchesReference(_ c: KernelCase) throws {
        try check(c)
    }

    /// The reference model's largest product (the encoder's first layer on a batch), forward and both
    /// backward forms, once each.
    @Test(arguments: [(false, true), (false, false), (true, false)])
    func referenceModelShapes(transposeA: Bool, transposeB: Bool) throws {
        let (m, n, k) = transposeA ? (400, 784, 128) : transposeB ? (128, 400, 784) : (128, 784, 400)
        try check(
            MatmulCases.make(
                m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB, bias: !transposeA,
                activation: transposeA ? .identity : .relu, seed: 3))
    }

    /// The CPU's AVX-512 kernel on every product (the automatic choice sends small ones to OpenBLAS), on
    /// shapes around its 8-row and 48-column register block and its 192-deep k-blocks. On a CPU without
    /// AVX-512 this checks the OpenBLAS fallback instead (the device's details say which ran).
    @Test(arguments: [
        (1, 1, 1), (7, 47, 191), (8, 48, 192), (9, 49, 193), (17, 97, 385), (130, 100, 37), (64, 784, 400), (3, 200, 0),
    ])
    func cpuAVX512Engine(m: Int, n: Int, k: Int) throws {
        let device = CPUDevice(mode: .fast, matrixEngine: .avx512)
        var seed: UInt64 = 500
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            seed += 10
            try check(
                MatmulCases.make(
                    m: m, n: n, k: k, transposeA: ta, transposeB: tb, bias: false, activation: .identity, seed: seed),
                devices: [device])
            try check(
                MatmulCases.make(
                    m: m, n: n, k: k, transposeA: ta, transposeB: tb, bias: false, activation: .identity,
                    accumulate: true, seed: seed + 1),
                devices: [device])
        }
        // Bias and ReLU/leaky ReLU are fused into the kernel's stores; the other activations follow it.
        try Self.checkEveryActivation(m: m, n: n, k: k, on: device, seed: &seed, transposedAToo: true)
    }

    /// Every register-blocking variant of the shader on shapes that straddle its tiles.
    @Test(arguments: MatmulVariant.all)
    func everyVariant(_ variant: MatmulVariant) throws {
        let device = try TestDevices.vulkan(matmul: variant)
        for (m, n, k) in [(1, 1, 1), (3, 5, 7), (33, 65, 17), (70, 9, 130)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                try check(
                    MatmulCases.make(
                        m: m, n: n, k: k, transposeA: ta, transposeB: tb, bias: true, activation: .leakyRelu, seed: 11),
                    devices: [device])
            }
        }
    }

    /// Split-K on shapes whose k does not divide into the slices (slices of whole 16- or 32-deep slabs, the
    /// last one short; more slices asked for than k has slabs), with every epilogue: bias, each activation,
    /// and accumulation into C, which the sum of the slices must apply once, after adding them up.
    @Test(arguments: MatmulVariant.split)
    func splitKMatchesTheReference(_ variant: MatmulVariant) throws {
        let device = try TestDevices.vulkan(matmul: variant)
        var seed: UInt64 = 900
        for (m, n, k) in [(1, 1, 33), (5, 3, 200), (33, 65, 17), (40, 24, 784), (128, 20, 400), (2, 70, 1000)] {
            for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
                seed += 10
                try check(
                    MatmulCases.make(
                        m: m, n: n, k: k, transposeA: ta, transposeB: tb, bias: false, activation: .identity,
                        accumulate: true, seed: seed), devices: [device])
            }
            try Self.checkEveryActivation(m: m, n: n, k: k, on: device, seed: &seed)
        }
        // These products were split: two dispatches each, through the shared scratch.
        let plan = try VulkanKernelPlan(
            .matmul(
                a: try device.makeTensor(shape: [40, 784], elementType: .float32),
                b: try device.makeTensor(shape: [784, 24], elementType: .float32),
                c: try device.makeTensor(shape: [40, 24], elementType: .float32), transposeA: false,
                transposeB: false, bias: nil, activation: .relu, accumulate: false), device: device)
        let slices = MatmulVariant.sliceDepth(k: 784, slices: variant.splitK!, depth: variant.stagedDepth!).count
        #expect(slices > 2 && plan.groups.2 == UInt32(slices) && plan.then.map(\.shader) == ["matmul_split_sum"])
    }

    /// The shared-memory product loads an operand as vec4s exactly when its stored rows are whole vec4s (the
    /// sweep's shapes then prove both loaders of every transpose form on every tiled preset).
    @Test func vec4LoadsWhereRowsAreWholeVectors() throws {
        let device = try TestDevices.vulkan(matmul: .tiled64)
        func constants(_ a: [Int], _ b: [Int], ta: Bool = false, tb: Bool = false) throws -> [UInt32] {
            let m = ta ? a[1] : a[0], n = tb ? b[0] : b[1]
            let plan = try VulkanKernelPlan(
                .matmul(
                    a: try device.makeTensor(shape: a, elementType: .float32),
                    b: try device.makeTensor(shape: b, elementType: .float32),
                    c: try device.makeTensor(shape: [m, n], elementType: .float32), transposeA: ta, transposeB: tb,
                    bias: nil, activation: .identity, accumulate: false), device: device)
            return Array(plan.constants.suffix(2))
        }
        #expect(try constants([12, 44], [44, 36]) == [1, 1])
        #expect(try constants([31, 65], [65, 64]) == [0, 1])
        #expect(try constants([44, 12], [36, 44], ta: true, tb: true) == [1, 1])
        #expect(try constants([44, 13], [7, 44], ta: true, tb: true) == [0, 1])
        #expect(try constants([13, 44], [44, 7]) == [1, 0])
    }

    /// When a GPU splits k: only grids of under 64 tiles, into enough slices for about 128 workgroups, at most
    /// 8, each at least 128 deep; and how slices of whole slabs cover k.
    @Test func splitKDecisions() {
        // fc1 forward on a batch of 128 (4×13 tiles of 32): 3 slices, 156 workgroups; conv28 3136→256 (4×8): 4.
        #expect(MatmulVariant.automaticSlices(m: 128, n: 400, k: 784, tile: .tiled32) == 3)
        #expect(MatmulVariant.automaticSlices(m: 128, n: 256, k: 3136, tile: .tiled32) == 4)
        #expect(MatmulVariant.automaticSlices(m: 1, n: 1, k: 100_000, tile: .tiled32) == 8)
        // Enough tiles, or too little k to share: no split.
        #expect(MatmulVariant.automaticSlices(m: 128, n: 784, k: 400, tile: .tiled32) == 1)
        #expect(MatmulVariant.automaticSlices(m: 400, n: 784, k: 128, tile: .tiled32) == 1)
        #expect(MatmulVariant.automaticSlices(m: 20, n: 20, k: 200, tile: .tiled32) == 1)
        // Planned for the GPU's own compute units: an H200's 132 SMs want more slices (6 for fc1: 312
        // workgroups; k = 784 allows 6 of ≥ 128), a 16-unit integrated GPU is already busy with 52 tiles.
        #expect(MatmulVariant.automaticSlices(m: 128, n: 400, k: 784, tile: .tiled32, computeUnits: 132) == 6)
        #expect(MatmulVariant.automaticSlices(m: 128, n: 256, k: 3136, tile: .tiled32, computeUnits: 132) == 8)
        #expect(MatmulVariant.automaticSlices(m: 128, n: 400, k: 784, tile: .tiled32, computeUnits: 16) == 1)
        #expect(MatmulVariant.automaticSlices(m: 128, n: 784, k: 400, tile: .tiled32, computeUnits: 132) == 3)
        #expect(MatmulVariant.sliceDepth(k: 784, slices: 2, depth: 16) == (400, 2))
        #expect(MatmulVariant.sliceDepth(k: 130, slices: 3, depth: 16) == (48, 3))
        #expect(MatmulVariant.sliceDepth(k: 17, slices: 8, depth: 16) == (16, 2))
        #expect(MatmulVariant.sliceDepth(k: 7, slices: 3, depth: 16) == (16, 1))
        #expect(MatmulVariant.sliceDepth(k: 0, slices: 3, depth: 16) == (1, 1))
        #expect(MatmulVariant.sliceDepth(k: 500, slices: 1, depth: 16) == (500, 1))
    }

    /// The tile preset for a GPU: the largest whose grid still covers its compute units (2 workgroups per
    /// unit for 128-wide tiles, 1 for 64-wide), so the same product takes smaller tiles on a bigger GPU.
    @Test func tilePresetsFollowTheComputeUnits() {
        // 4096³: 1024 tiles of 128 cover every GPU.
        for units in [8, 64, 132, 512] {
            #expect(MatmulVariant.forGPU(m: 4096, n: 4096, computeUnits: units) == .tiled128)
        }
        // 1024×1024: 64 tiles of 128, 256 of 64: 128-wide on a 16-unit GPU, 64-wide on 64 and 132 units.
        #expect(MatmulVariant.forGPU(m: 1024, n: 1024, computeUnits: 16) == .tiled128)
        #expect(MatmulVariant.forGPU(m: 1024, n: 1024) == .tiled64)
        #expect(MatmulVariant.forGPU(m: 1024, n: 1024, computeUnits: 132) == .tiled64)
        #expect(MatmulVariant.forGPU(m: 1024, n: 1024, computeUnits: 512) == .tiled32)
        // The MLP's fc1 forward on a batch of 128 (2×7 tiles of 64): 32-wide tiles on any GPU but a tiny one.
        #expect(MatmulVariant.forGPU(m: 128, n: 400, computeUnits: 132) == .tiled32)
        #expect(MatmulVariant.forGPU(m: 128, n: 400, computeUnits: 4) == .tiled64)
        #expect(MatmulVariant.forGPU(m: 128, n: 400, computeUnits: 2) == .tiled128)
        #expect(MatmulVariant.forGPU(m: 0, n: 0, computeUnits: 0) == .tiled32)
    }

    /// op(A)·Bᵀ + bias through every activation on `device` (and Aᵀ·B + bias with `transposedAToo`).
    static func checkEveryActivation(
        m: Int, n: Int, k: Int, on device: any ComputeDevice, seed: inout UInt64, transposedAToo: Bool = false
    ) throws {
        for act in Activation.allCases {
            seed += 10
            try check(
                MatmulCases.make(
                    m: m, n: n, k: k, transposeA: false, transposeB: true, bias: true, activation: act, seed: seed),
                devices: [device])
            guard transposedAToo else { continue }
            try check(
                MatmulCases.make(
                    m: m, n: n, k: k, transposeA: true, transposeB: false, bias: true, activation: act, seed: seed + 1),
                devices: [device])
        }
    }
}
