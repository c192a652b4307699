import VAECompute

/// What the kernel planner assumes a device is when it chooses how kernels run: its kind (a CPU-emulated
/// device runs products without shared memory; a GPU stages tiles and splits small products along k) and
/// its compute units (how many workgroups keep it busy).
///
/// A device is planned as what its driver reports unless `VulkanDevice.Options.planAs` says otherwise. The
/// override exists so that every choice a GPU would make (tile presets, split-K, tiled convolutions) runs on
/// lavapipe too, where the results are compared with the reference; it changes which shaders run, never
/// what they compute. `VAE_VULKAN_PLAN_AS` sets it for every command (`discrete-gpu:132`, `integrated-gpu`,
/// `cpu`).
public struct PlanningProfile: Sendable, Equatable, CustomStringConvertible {
    public var kind: DeviceKind
    /// The compute units to plan for; nil: the device's own count or the kind's assumption.
    public var computeUnits: Int?

    public init(kind: DeviceKind, computeUnits: Int? = nil) {
        self.kind = kind; self.computeUnits = computeUnits
    }

    /// The environment variable that sets `VulkanDevice.Options.planAs` for a process.
    public static let environmentVariable = "VAE_VULKAN_PLAN_AS"

    /// Parses `KIND[:UNITS]`, KIND one of discrete-gpu, integrated-gpu, virtual-gpu, cpu.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let kinds: [String: DeviceKind] = [
            "discrete-gpu": .discreteGPU, "integrated-gpu": .integratedGPU, "virtual-gpu": .virtualGPU, "cpu": .cpu,
        ]
        func refuse() -> ComputeError {
            .noDevice(
                "\(Self.environmentVariable)='\(text)' is not KIND[:UNITS] (KIND: discrete-gpu, integrated-gpu, "
                    + "virtual-gpu or cpu; UNITS: 1 to 65536 compute units)")
        }
        guard parts.count <= 2, let kind = kinds[parts[0].lowercased()] else { throw refuse() }
        var units: Int? = nil
        if parts.count == 2 {
            guard let n = Int(parts[1]), (1...65_536).contains(n) else { throw refuse() }
            units = n
        }
        self.init(kind: kind, computeUnits: units)
    }

    /// The profile the environment asks for, nil when it asks for none; a malformed value throws.
    public static func fromEnvironment(_ environment: [String: String]) throws -> PlanningProfile? {
        guard let text = environment[environmentVariable], !text.isEmpty else { return nil }
        return try PlanningProfile(parsing: text)
    }

    public var description: String { kind.rawValue + (computeUnits.map { " with \($0) compute units" } ?? "") }
}

/// The facts the planner decides on, for one opened device: the driver's, or a profile's in their place.
struct PlanningFacts {
    var kind: DeviceKind
    /// The compute units the GPU decisions (tile preset, split-K) plan for.
    var parallelism: Int
    /// The profile in the driver's place, if any.
    var profile: PlanningProfile?

    init(_ physical: VulkanPhysicalDevice, profile: PlanningProfile?) {
        self.profile = profile
        kind = profile?.kind ?? physical.kind
        let assumed =
            kind == .integratedGPU ? MatmulVariant.assumedIntegratedComputeUnits : MatmulVariant.assumedComputeUnits
        parallelism = profile?.computeUnits ?? physical.computeUnits ?? assumed
    }

    /// Whether products and convolutions run the kernels made for a CPU-emulated device (no shared memory).
    var isEmulated: Bool { kind == .cpu }
}
