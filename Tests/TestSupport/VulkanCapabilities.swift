import VAECompute
import VAEVulkan

/// What the Vulkan device the tests open (`--device vulkan`, the driver's best) can do, so that a test which
/// needs an emulated device or one driver's knob says so by capability and still asserts something on any
/// other device, instead of naming a device or driver.
public enum VulkanCapabilities {
    /// The device `VulkanDevice(.init())` and `--device vulkan` open: the most capable kind, first listed.
    public static let best: DeviceInfo? = VulkanDevice.devices().min {
        ($0.kind.preference, Int($0.details["index"] ?? "") ?? 0) < (
            $1.kind.preference, Int($1.details["index"] ?? "") ?? 0
        )
    }

    /// Whether that device emulates a GPU on the CPU (lavapipe, SwiftShader).
    public static var isEmulated: Bool { best?.kind == .cpu }
}

/// Where the test process's Vulkan devices keep compiled pipelines: the folder its `vae` children use too
/// (they run with XDG_CACHE_HOME under the scratch root), so a pipeline is compiled once per run.
public let testPipelineCache = scratchRoot + "/cache/vulkanvae/pipelines"
