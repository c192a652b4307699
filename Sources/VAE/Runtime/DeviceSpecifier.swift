import Foundation
import VAECPU
import VAECompute
import VAEVulkan

/// A user's choice of device, as written on the command line: `auto`, `cpu`, `cpu-reference`, `vulkan`,
/// `vulkan:N`, or any other text naming a Vulkan device by a part of its name.
public enum DeviceSpecifier: Equatable, Sendable, CustomStringConvertible {
    /// A real GPU when Vulkan has one; otherwise the CPU backend. A CPU-emulated Vulkan device (lavapipe)
    /// is never chosen automatically: it is far slower than the CPU backend.
    case auto
    case cpu
    case cpuReference
    /// The best Vulkan device, whatever its kind.
    case vulkan
    case vulkanIndex(Int)
    case vulkanName(String)

    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        switch t.lowercased() {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "cpu-reference": self = .cpuReference
        case "vulkan", "gpu": self = .vulkan
        case "":
            throw ComputeError.noDevice("empty device name: use auto, cpu, vulkan, vulkan:N or part of a device's name")
        default:
            if t.lowercased().hasPrefix("vulkan:") {
                guard let i = Int(t.dropFirst("vulkan:".count)), i >= 0 else {
                    throw ComputeError.noDevice("bad device '\(t)': vulkan:N needs a device index (see `vae devices`)")
                }
                self = .vulkanIndex(i)
            } else {
                self = .vulkanName(t)
            }
        }
    }

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .cpu: return "cpu"
        case .cpuReference: return "cpu-reference"
        case .vulkan: return "vulkan"
        case let .vulkanIndex(i): return "vulkan:\(i)"
        case let .vulkanName(n): return n
        }
    }

    /// What `.auto` resolves to on this machine, given the Vulkan devices present.
    ///
    /// With `localRank` (a data-parallel rank's number on its machine), the ranks of one machine spread over
    /// its GPUs of the best kind: rank r takes the (r mod count)-th, as one process per GPU wants.
    public static func automaticChoice(among devices: [DeviceInfo], localRank: Int? = nil) -> DeviceSpecifier {
        let gpus = devices.filter { $0.kind != .cpu }
        guard let bestKind = gpus.map(\.kind).min() else { return .cpu }
        let candidates = gpus.filter { $0.kind == bestKind }
        let chosen = candidates[(localRank ?? 0) % candidates.count]
        guard let index = chosen.details["index"].flatMap(Int.init) else { return .cpu }
        return .vulkanIndex(index)
    }

    /// The Vulkan device this names (what `.auto` resolves to, for `.auto`), or nil for the CPU backends.
    public var vulkanSelection: VulkanDevice.Selection? {
        switch self {
        case .auto: return Self.automaticChoice(among: VulkanDevice.devices()).vulkanSelection
        case .cpu, .cpuReference: return nil
        case .vulkan: return .best
        case let .vulkanIndex(i): return .index(i)
        case let .vulkanName(n): return .name(n)
        }
    }

    /// Where the command line keeps compiled Vulkan pipelines: `$XDG_CACHE_HOME/vulkanvae/pipelines` (nil
    /// without a home directory).
    public static var pipelineCacheDirectory: String? {
        DataRequest.defaultCacheDirectory.map { ($0 as NSString).appendingPathComponent("pipelines") }
    }

    /// Refuses mixed precision for a CPU backend, which computes in f32 only.
    public static func requireCPUPrecision(_ precision: MatmulPrecision) throws {
        guard precision == .full else {
            throw ComputeError.noDevice(
                "mixed precision runs on Vulkan devices with cooperative matrices; the CPU backend computes in f32")
        }
    }

    /// Opens the device; a Vulkan device keeps its compiled pipelines in `pipelineCache` between runs.
    /// `cpuThreads`: the CPU backend's threads (nil: one per core); `localRank`: see `automaticChoice`.
    /// `precision`: `.mixed` runs a Vulkan device's products on f16 cooperative matrices, and fails with the
    /// reason on the CPU backends and on devices without them.
    public func open(
        validation: Bool = false, profiling: Bool = false, pipelineCache: String? = nil, cpuThreads: Int? = nil,
        localRank: Int? = nil, precision: MatmulPrecision = .full
    ) throws
        -> any ComputeDevice
    {
        func vulkan(_ s: VulkanDevice.Selection) throws -> VulkanDevice {
            var options = VulkanDevice.Options(selection: s, validation: validation, profiling: profiling)
            options.pipelineCacheDirectory = pipelineCache
            options.precision = precision
            return try VulkanDevice(options)
        }
        switch self {
        case .auto:
            return try Self.automaticChoice(among: VulkanDevice.devices(), localRank: localRank).open(
                validation: validation, profiling: profiling, pipelineCache: pipelineCache, cpuThreads: cpuThreads,
                precision: precision)
        case .cpu:
            try Self.requireCPUPrecision(precision)
            return CPUDevice(mode: .fast, threads: cpuThreads)
        case .cpuReference:
            try Self.requireCPUPrecision(precision)
            return CPUDevice(mode: .reference)
        case .vulkan: return try vulkan(.best)
        case let .vulkanIndex(i): return try vulkan(.index(i))
        case let .vulkanName(n): return try vulkan(.name(n))
        }
    }
}
