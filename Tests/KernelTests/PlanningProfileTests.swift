import Testing
import VAECPU
import VAECompute
import VAESelfTest

@testable import VAEVulkan

/// The planning profile: the automatic choices a GPU makes (shared-memory tiles by size, split-K, tiled
/// convolutions) taken on whatever device the suite has, lavapipe included, and checked against the reference.
@Suite("planning profiles")
struct PlanningProfileTests {
    @Test func profilesParseAndBadOnesAreOneClearError() throws {
        #expect(
            try PlanningProfile(parsing: "discrete-gpu:132") == PlanningProfile(kind: .discreteGPU, computeUnits: 132))
        #expect(try PlanningProfile(parsing: "integrated-gpu") == PlanningProfile(kind: .integratedGPU))
        #expect(try PlanningProfile(parsing: "CPU") == PlanningProfile(kind: .cpu))
        for bad in ["gpu", "discrete-gpu:0", "discrete-gpu:x", "discrete-gpu:1:2", "discrete-gpu:70000", ":8"] {
            #expect(throws: ComputeError.self, "\(bad)") { try PlanningProfile(parsing: bad) }
        }
        #expect(try PlanningProfile.fromEnvironment([:]) == nil)
        #expect(try PlanningProfile.fromEnvironment([PlanningProfile.environmentVariable: ""]) == nil)
        #expect(
            try PlanningProfile.fromEnvironment([PlanningProfile.environmentVariable: "discrete-gpu:8"])
                == PlanningProfile(kind: .discreteGPU, computeUnits: 8))
    }

    /// fc1's forward on a batch of 128 (128×400, k 784) as each kind plans it: without shared memory on a
    /// CPU-emulated device; on 32-wide tiles split along k on a GPU of 132 compute units (52 tiles would
    /// leave most of them idle); on 64-wide tiles unsplit on one of 4. The device says how it is planned.
    @Test func theProfileDecidesTheKernels() throws {
        func shaders(_ profile: PlanningProfile) throws -> [String] {
            let device = try TestDevices.vulkan(planAs: profile)
            let a = try device.zeros([128, 784]), b = try device.zeros([400, 784]), c = try device.zeros([128, 400])
            let plan = try VulkanKernelPlan(
                .matmul(
                    a: a, b: b, c: c, transposeA: false, transposeB: true, bias: nil, activation: .identity,
                    accumulate: false), device: device)
            return [plan.shader + "/\(plan.constants[0])x\(plan.constants[1])"] + plan.then.map(\.shader)
        }
        #expect(try shaders(PlanningProfile(kind: .cpu)).first?.hasPrefix("matmul/") == true)
        #expect(
            try shaders(PlanningProfile(kind: .discreteGPU, computeUnits: 132)) == [
                "matmul_tiled/8x8", "matmul_split_sum",
            ])
        #expect(try shaders(PlanningProfile(kind: .integratedGPU, computeUnits: 4)) == ["matmul_tiled/16x16"])
        let device = try TestDevices.vulkan(planAs: PlanningProfile(kind: .discreteGPU, computeUnits: 132))
        #expect(device.info.details["plannedAs"] == "discrete GPU with 132 compute units")
        #expect(device.info.description.hasSuffix(", planned as discrete GPU with 132 compute units)"))
    }

    /// Every product and convolution case on a device planned as each GPU of `SelfTest.plannedGPUs` (the
    /// selftest's full sweep runs the same), under the validation layer.
    @Test(arguments: SelfTest.plannedGPUs)
    func plannedGPUsMatchTheReference(_ profile: PlanningProfile) throws {
        let device = try TestDevices.vulkan(planAs: profile)
        for c in MatmulCases.all + ConvolutionCases.all where c.family != "channel_sum" {
            try check(c, devices: [device])
        }
        #expect(device.validationMessages.isEmpty, "\(device.validationMessages.prefix(3))")
    }

    /// `vae selftest`'s full sweep on Vulkan: the device as it runs, through staging, every matmul preset, and
    /// planned as each GPU of `SelfTest.plannedGPUs`, each configuration opening the device it names. (The
    /// cases themselves run on the same devices in this suite: `everyVariant`, `splitKMatchesTheReference`,
    /// `tiledConvolutionsMatchTheReference`, `plannedGPUsMatchTheReference`.)
    @Test func theFullSweepRunsEveryPresetAndPlannedGPU() throws {
        let full = SelfTest.vulkanConfigurations(.best, validation: false, quick: false)
        let labels = full.map(\.label)
        #expect(SelfTest.vulkanConfigurations(.best, validation: false, quick: true).map(\.label) == ["vulkan"])
        for variant in MatmulVariant.all { #expect(labels.contains("vulkan, matmul \(variant.name)"), "\(labels)") }
        for profile in SelfTest.plannedGPUs {
            let configuration = try #require(full.first { $0.label == "vulkan planned as \(profile)" }, "\(labels)")
            #expect(try configuration.open().info.details["plannedAs"] == profile.description)
            #expect(configuration.families == Set(["matmul"] + ConvolutionCases.tiledFamilies))
        }
    }
}
