import Foundation
import TestSupport
import VAECPU
import VAECompute

@testable import VAEVulkan

/// The devices every kernel case runs on, each compared with `CPUDevice(mode: .reference)`.
///
/// Vulkan runs wherever a driver exists, which includes every CI machine (Mesa's lavapipe runs Vulkan on
/// the CPU), so the Vulkan cases are never skipped: a missing driver fails the suite instead. Set
/// VAE_TEST_NO_VULKAN=1 only to run the CPU half on a machine that cannot have one.
enum TestDevices {
    static var vulkanRequired: Bool { ProcessInfo.processInfo.environment["VAE_TEST_NO_VULKAN"] == nil }

    /// Vulkan with validation (core + synchronization) when the layer is installed; `planAs` plans it as
    /// another kind of device (see `PlanningProfile`).
    static func vulkan(
        staging: Bool = false, matmul: MatmulVariant? = nil, profiling: Bool = false,
        subgroupReductions: Bool = true, planAs: PlanningProfile? = nil
    ) throws -> VulkanDevice {
        var options = VulkanDevice.Options(
            validation: true, profiling: profiling, forceStaging: staging, matmul: matmul,
            subgroupReductions: subgroupReductions)
        options.pipelineCacheDirectory = testPipelineCache
        options.planAs = planAs
        return try VulkanDevice(options)
    }

    /// Vulkan in mixed precision (f16 cooperative matrices), or nil where the device or the build lacks them.
    static func mixedPrecision() throws -> VulkanDevice? {
        guard VulkanDevice.mixedPrecisionShape(.best) != nil else { return nil }
        var options = VulkanDevice.Options(validation: true)
        options.pipelineCacheDirectory = testPipelineCache
        options.precision = .mixed
        return try VulkanDevice(options)
    }

    /// Runs `body` on a set of the devices of `all()` that no other test uses meanwhile, taken from a pool
    /// and put back after: the kernel cases (hundreds) reuse opened devices and their compiled pipelines
    /// instead of opening two Vulkan devices each. (Each case still checks the validation messages it
    /// causes: `CaseRunner.run` counts them before and after.)
    static func withAll<T>(_ body: ([any ComputeDevice]) throws -> T) throws -> T {
        let devices = try pool.take() ?? all()
        defer { pool.give(devices) }
        return try body(devices)
    }

    /// Device sets not in use.
    private final class Pool: @unchecked Sendable {
        private let lock = NSLock()
        private var free: [[any ComputeDevice]] = []
        func take() -> [any ComputeDevice]? { lock.withLock { free.popLast() } }
        func give(_ devices: [any ComputeDevice]) { lock.withLock { free.append(devices) } }
    }
    private static let pool = Pool()

    /// The backends under test: the fast CPU path, Vulkan with mapped memory (reductions with subgroupAdd
    /// where the driver has subgroup arithmetic, as lavapipe does), and Vulkan through staging (reductions
    /// by the shared-memory tree), so every reduction case runs both shader builds.
    static func all() throws -> [any ComputeDevice] {
        var devices: [any ComputeDevice] = [CPUDevice(mode: .fast)]
        if vulkanRequired {
            devices.append(try vulkan())
            devices.append(try vulkan(staging: true, subgroupReductions: false))
        }
        announce(devices)
        return devices
    }

    nonisolated(unsafe) private static var announced = false
    private static let lock = NSLock()

    /// Prints, once per run, which devices the suite uses, so a CI log shows that Vulkan ran and where.
    static func announce(_ devices: [any ComputeDevice]) {
        lock.withLock {
            guard !announced else { return }
            announced = true
            for d in devices {
                let details = d.info.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " ")
                print("[devices] \(d.info) subgroup=\(d.info.subgroupSize) \(details)")
            }
        }
    }
}
