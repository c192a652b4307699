import Foundation
import VAECPU
import VAECompute
import VAEVulkan

/// The kernel equivalence sweep as a product feature ("is my GPU and its driver computing the right
/// answers?"): every case of every kernel family, on each configuration of the device under test, against
/// the double-precision reference. The test suite sweeps the same table.
public enum SelfTest {
    /// Every case, family by family.
    public static var cases: [KernelCase] {
        MatmulCases.all + MixedPrecisionCases.all + ConvolutionCases.all + BatchNormCases.all + ActivationCases.forward
            + ActivationCases.backward + LatentCases.all + ImportanceCases.all + LossCases.all + OptimizerCases.all
            + ReductionCases.all + UtilityCases.all
    }

    /// One way of running the device under test: a backend build or variant that must agree with the
    /// reference like the others.
    public struct Configuration: Sendable {
        public var label: String
        public var open: @Sendable () throws -> any ComputeDevice
        /// The families it applies to (nil: all).
        public var families: Set<String>?

        public init(
            label: String, families: Set<String>? = nil, open: @escaping @Sendable () throws -> any ComputeDevice
        ) {
            self.label = label; self.families = families; self.open = open
        }
    }

    /// The CPU backend: its fast path as it runs, and unless `quick` its products on each matrix engine.
    public static func cpuConfigurations(quick: Bool) -> [Configuration] {
        var list = [Configuration(label: "cpu fast") { CPUDevice(mode: .fast) }]
        if !quick {
            for engine in [CPUDevice.MatrixEngine.openblas, .avx512] {
                list.append(
                    Configuration(label: "cpu fast, \(engine.rawValue) products", families: ["matmul"]) {
                        CPUDevice(mode: .fast, matrixEngine: engine)
                    })
            }
        }
        return list
    }

    /// The GPUs the planner is made to assume where the device is not one (`PlanningProfile`), so that its
    /// automatic choices for a GPU (tile presets by size, split-K, tiled convolutions) run against the
    /// reference on any device: one with many compute units (an H100 has 132), where small products split
    /// along k, and one with few, where they take larger tiles unsplit.
    public static let plannedGPUs = [
        PlanningProfile(kind: .discreteGPU, computeUnits: 132), PlanningProfile(kind: .integratedGPU, computeUnits: 4),
    ]

    /// A Vulkan device as it runs (mapped memory where it has it, subgroup reductions, matmul variants by
    /// shape), and unless `quick` also with device-local memory behind staging copies and the shared-memory
    /// reductions, with each matmul variant forced (the shared-memory ones with the convolutions), and
    /// planned as each of `plannedGPUs`. `pipelineCache`: where the devices keep compiled pipelines.
    public static func vulkanConfigurations(
        _ selection: VulkanDevice.Selection, validation: Bool, quick: Bool, pipelineCache: String? = nil
    ) -> [Configuration] {
        func options(
            matmul: MatmulVariant? = nil, staging: Bool = false, planAs: PlanningProfile? = nil
        ) -> VulkanDevice.Options {
            var o = VulkanDevice.Options(
                selection: selection, validation: validation, forceStaging: staging, matmul: matmul,
                subgroupReductions: !staging)
            o.pipelineCacheDirectory = pipelineCache
            o.planAs = planAs
            return o
        }
        let plain = options()
        var list = [Configuration(label: "vulkan") { try VulkanDevice(plain) }]
        // Mixed precision where the device and the build have cooperative matrices (quick runs it too: it is
        // the configuration that differs most from the others).
        if let shape = VulkanDevice.mixedPrecisionShape(selection) {
            var options = plain
            options.precision = .mixed
            let mixed = options
            list.append(
                Configuration(label: "vulkan, mixed precision (cooperative matrices \(shape))", families: ["mixed"]) {
                    try VulkanDevice(mixed)
                })
        }
        guard !quick else { return list }
        let staged = options(staging: true)
        list.append(Configuration(label: "vulkan, staging, shared-memory reductions") { try VulkanDevice(staged) })
        // A shared-memory preset, or a GPU's plan, runs the convolutions on its tiles too (implicit GEMMs).
        let tiled = Set(["matmul"] + ConvolutionCases.tiledFamilies)
        for variant in MatmulVariant.all {
            let forced = options(matmul: variant)
            let families = variant.stagedDepth == nil ? ["matmul"] : tiled
            list.append(
                Configuration(label: "vulkan, matmul \(variant.name)", families: families) { try VulkanDevice(forced) })
        }
        for profile in plannedGPUs {
            let planned = options(planAs: profile)
            list.append(
                Configuration(label: "vulkan planned as \(profile)", families: tiled) { try VulkanDevice(planned) })
        }
        return list
    }

    /// A family's results.
    public struct FamilyReport: Sendable {
        public var family: String
        public var runs: Int
        public var failed: Int
        /// The largest error as a fraction of its tolerance, and where.
        public var worstRatio: Double
        public var worstCase: String
    }

    /// Everything a sweep found.
    public struct Report: Sendable {
        public var device: String
        public var configurations: [String]
        public var outcomes: [CaseOutcome]
        public var passed: Int { outcomes.filter(\.passed).count }
        public var failed: Int { outcomes.count - passed }
        public var failures: [CaseOutcome] { outcomes.filter { !$0.passed } }

        /// Per family, in the order the families first appear.
        public var families: [FamilyReport] {
            var order: [String] = [], reports: [String: FamilyReport] = [:]
            for o in outcomes {
                if reports[o.family] == nil {
                    order.append(o.family)
                    reports[o.family] = FamilyReport(family: o.family, runs: 0, failed: 0, worstRatio: 0, worstCase: "")
                }
                reports[o.family]!.runs += 1
                if !o.passed { reports[o.family]!.failed += 1 }
                if o.worstRatio > reports[o.family]!.worstRatio || reports[o.family]!.worstCase.isEmpty {
                    reports[o.family]!.worstRatio = max(o.worstRatio, reports[o.family]!.worstRatio)
                    reports[o.family]!.worstCase = "\(o.name) on \(o.device)"
                }
            }
            return order.map { reports[$0]! }
        }
    }

    /// Runs `cases` on every configuration; `progress(done, total)` after each run. A configuration whose
    /// device cannot be opened fails all its cases with the reason.
    public static func run(
        _ configurations: [Configuration], cases: [KernelCase] = cases,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Report {
        var devices: [(Configuration, Result<any ComputeDevice, Error>)] = []
        for c in configurations { devices.append((c, Result { try c.open() })) }
        let total = cases.reduce(0) { sum, c in
            sum + configurations.filter { $0.families?.contains(c.family) ?? true }.count
        }
        var outcomes: [CaseOutcome] = []
        var name = ""
        for c in cases {
            let expected = try CaseRunner.reference(c)
            for (configuration, opened) in devices where configuration.families?.contains(c.family) ?? true {
                switch opened {
                case .success(let device):
                    if name.isEmpty { name = "\(device.info)" }
                    var outcome = CaseRunner.run(c, expected: expected, on: device)
                    outcome.device = configuration.label
                    outcomes.append(outcome)
                case .failure(let error):
                    outcomes.append(
                        CaseOutcome(
                            name: c.name, family: c.family, device: configuration.label,
                            problems: ["the device could not be opened: \(error)"], worstRatio: .infinity))
                }
                progress(outcomes.count, total)
            }
        }
        return Report(device: name, configurations: configurations.map(\.label), outcomes: outcomes)
    }
}
