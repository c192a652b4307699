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
        for act in Activation.allCases {
            seed += 10
            try check(
                MatmulCases.make(
                    m: m, n: n, k: k, transposeA: false, transposeB: true, bias: true, activation: act, seed: seed),
                devices: [device])
            try check(
                MatmulCases.make(
                    m: m, n: n, k: k, transposeA: true, transposeB: false, bias: true, activation: act, seed: seed + 1),
                devices: [device])
        }
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
}
