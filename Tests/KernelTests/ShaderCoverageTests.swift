import Foundation
import Testing
import VAECompute
import VAESelfTest

@testable import VAEVulkan

/// Every shader in Shaders/ is run by the equivalence table (`SelfTest.cases`, which the kernel suites and
/// `vae selftest` sweep) against the CPU reference: each case's launches are planned on Vulkan (and the
/// product and convolution cases again with the shared-memory tiles forced, and with split-K) and the shaders
/// they use are collected.
@Suite("shader coverage")
struct ShaderCoverageTests {
    /// Every compute shader of the package, by name: a new shader must be added here and to the table.
    static let shaders = [
        "activation", "activation_backward", "adam", "advance_step", "axpby", "batch_norm", "batch_norm_backward",
        "bernoulli_nll", "bernoulli_nll_backward", "bernoulli_nll_with_gradient", "channel_sum", "clamp",
        "column_sum", "conv2d", "conv2d_weight_gradient", "conv_tiled", "conv_transpose2d", "copy", "fill",
        "gather_rows",
        "gaussian_nll", "gaussian_nll_backward", "importance_log_weight", "kl_divergence", "latent_backward",
        "log_sum_exp_accumulate", "matmul", "matmul_coopmat", "matmul_split_sum", "matmul_tiled", "random_bits",
        "reparameterize",
        "row_sum", "sample_bernoulli", "sum",
    ]

    @Test func theListNamesEveryShaderFile() throws {
        let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "Shaders")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.path)
            .filter { $0.hasSuffix(".comp") }.map { String($0.dropLast(".comp".count)) }
        #expect(Set(files) == Set(Self.shaders), "\(Set(files).symmetricDifference(Self.shaders))")
    }

    @Test func theEquivalenceTableRunsEveryShader() throws {
        let plain = try TestDevices.vulkan(), tiled = try TestDevices.vulkan(matmul: .tiled64)
        let split = try TestDevices.vulkan(matmul: .tiled32.splitting(3))
        var used = Set<String>()
        for c in SelfTest.cases {
            let onTiles = c.family == "matmul" || ConvolutionCases.tiledFamilies.contains(c.family)
            for device in onTiles ? [plain, tiled, split] : [plain] {
                let inputs = try c.inputs.map { try $0.make(on: device) }
                let outputs = try c.outputs.map { try $0.make(on: device) }
                for kernel in c.kernels(inputs, outputs) {
                    let plan = try VulkanKernelPlan(kernel, device: device)
                    for part in [plan] + plan.then { used.insert(String(part.shader.prefix { $0 != "+" })) }
                }
            }
        }
        // advance_step has its own test (OptimizerTests.advanceStepIncrementsTheCounter): it has no inputs
        // for the table to compare, only a counter.
        // matmul_coopmat runs only on devices with cooperative matrices (MixedPrecisionTests and
        // scripts/test-coopmat.sh run it there); where this one has them, the mixed family is planned on it.
        var expected = Set(Self.shaders).subtracting(["advance_step"])
        if let mixed = try TestDevices.mixedPrecision() {
            for c in SelfTest.cases where c.family == "mixed" {
                let inputs = try c.inputs.map { try $0.make(on: mixed) }
                let outputs = try c.outputs.map { try $0.make(on: mixed) }
                for kernel in c.kernels(inputs, outputs) {
                    used.insert(try VulkanKernelPlan(kernel, device: mixed).shader)
                }
            }
        } else {
            expected.remove("matmul_coopmat")
        }
        let missing = expected.subtracting(used)
        #expect(missing.isEmpty, "shaders no equivalence case runs: \(missing.sorted())")
    }
}
