import Testing
import VAECPU
import VAECompute
import VAESelfTest

@testable import VAEVulkan

/// Mixed precision (f16 operands, f32 sums on cooperative matrices) asks the device by capability: where it
/// has cooperative matrices every mixed case runs on them against the reference, and the rounding to f16 is
/// shown to happen; where it has none, asking for mixed precision fails with the reason instead of silently
/// computing in f32. Debian 12's lavapipe has none; scripts/test-coopmat.sh runs the mixed cases and a
/// training run on Mesa 26's, which has them.
@Suite("mixed precision")
struct MixedPrecisionTests {
    static let offered = VulkanDevice.mixedPrecisionShape(.best) != nil

    /// The mixed family on the f32 devices (CPU fast path, Vulkan as it runs): they pass its tolerances too.
    @Test(arguments: MixedPrecisionCases.all.filter { $0.name.contains("f16-exact") }.prefix(12))
    func theCasesHoldOnFullPrecisionDevices(_ c: KernelCase) throws {
        try check(c)
    }

    @Test(.enabled(if: !offered, "the device offers cooperative matrices"))
    func aDeviceWithoutCooperativeMatricesRefusesMixedPrecision() throws {
        var options = VulkanDevice.Options()
        options.precision = .mixed
        let error = #expect(throws: ComputeError.self) { try VulkanDevice(options) }
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(
            text.contains("cooperative") && (text.contains("offers no") || text.contains("this build lacks")), "\(text)"
        )
        #expect(try VulkanDevice(VulkanDevice.Options()).cooperativeMatrix == nil)
    }

    @Test(.enabled(if: offered, "the device offers no cooperative matrices"))
    func everyMixedCaseMatchesTheReferenceOnCooperativeMatrices() throws {
        let device = try #require(try TestDevices.mixedPrecision())
        #expect(device.cooperativeMatrix != nil)
        for c in MixedPrecisionCases.all { try check(c, devices: [device]) }
    }

    /// The operands really are rounded to f16: on f32 operands the mixed product is off the reference by far
    /// more than an f32 product is, yet within the f16 bound its case states.
    @Test(.enabled(if: offered, "the device offers no cooperative matrices"))
    func theOperandsAreRoundedToF16() throws {
        let device = try #require(try TestDevices.mixedPrecision())
        let c = MixedPrecisionCases.make(
            m: 64, n: 64, k: 400, transposeA: false, transposeB: false, exact: false, seed: 5)
        let reference = CPUDevice(mode: .reference)
        func run(_ d: any ComputeDevice) throws -> [Float] {
            let inputs = try c.inputs.map { try $0.make(on: d) }, outputs = try c.outputs.map { try $0.make(on: d) }
            for kernel in c.kernels(inputs, outputs) { try d.launch(kernel) }
            return try d.download(outputs[0])
        }
        let expected = try run(reference), mixed = try run(device)
        let worst: Float = zip(mixed, expected).map { abs($0 - $1) }.max() ?? 0
        let bound: Float = c.tolerance.absolute
        // f32 products of K = 400 terms are off by about 1e-6; f16 operands by about 1e-3.
        #expect(worst > 1e-4, "the product looks like f32 (worst error \(worst))")
        #expect(worst <= bound, "worst error \(worst) beyond the f16 bound \(bound)")
    }
}
