import Foundation
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

    /// Vulkan with validation (core + synchronization) when the layer is installed.
    static func vulkan(
        staging: Bool = false, matmul: MatmulVariant? = nil, profiling: Bool = false,
        subgroupReductions: Bool = true
    ) throws -> VulkanDevice {
        try VulkanDevice(
            .init(
                validation: true, profiling: profiling, forceStaging: staging, matmul: matmul,
                subgroupReductions: subgroupReductions))
    }

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
