import VAECompute
import VAEVulkan

/// What the Vulkan device the tests open (`--device vulkan`, the driver's best) can do, so that a test which
/// needs an emulated device or one driver's knob says so by capability and still asserts something on any
/// other device, instead of naming lavapipe.
public enum VulkanCapabilities {
    /// The device `VulkanDevice(.init())` and `--device vulkan` open: the most capable kind, first listed.
    public static let best: DeviceInfo? = VulkanDevice.devices().min {
        ($0.kind.preference, Int($0.details["index"] ?? "") ?? 0) < (
            $1.kind.preference, Int($1.details["index"] ?? "") ?? 0
        )
    }

    /// Whether that device emulates a GPU on the CPU (lavapipe, SwiftShader).
    public static var isEmulated: Bool { best?.kind == .cpu }

    /// Whether its subgroup width follows `LP_NATIVE_VECTOR_WIDTH` (Mesa's lavapipe: 128 bits → 4 lanes,
    /// 2048 → 64), which lets the suite run every kernel at widths other than the driver's default.
    public static var subgroupWidthFollowsLLVMpipe: Bool { best?.details["driver"]?.hasPrefix("llvmpipe") == true }

    /// The driver's name and version, for test output ("llvmpipe Mesa 25.0.7 (LLVM 15.0.6)").
    public static var driver: String {
        best.map { "\($0.name), driver \($0.details["driver"] ?? "unknown")" } ?? "none"
    }
}
