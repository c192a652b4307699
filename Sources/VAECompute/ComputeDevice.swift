/// What kind of processor a device runs on; `auto` device selection prefers them in this order.
public enum DeviceKind: String, Sendable, Comparable {
    case discreteGPU = "discrete GPU"
    case integratedGPU = "integrated GPU"
    case virtualGPU = "virtual GPU"
    case cpu = "CPU"
    case other = "other"

    /// Lower is preferred.
    public var preference: Int {
        switch self {
        case .discreteGPU: return 0
        case .integratedGPU: return 1
        case .virtualGPU: return 2
        case .other: return 3
        case .cpu: return 4
        }
    }

    public static func < (a: DeviceKind, b: DeviceKind) -> Bool { a.preference < b.preference }
}

/// A description of a device, for `vae devices`, logs and test output.
public struct DeviceInfo: Sendable, CustomStringConvertible {
    /// The backend: "cpu" or "vulkan".
    public var backend: String
    /// The device's name (e.g. "llvmpipe (LLVM 15.0.6, 256 bits)").
    public var name: String
    public var kind: DeviceKind
    /// Memory the device can use, in bytes (0 when unknown).
    public var memoryBytes: UInt64
    /// The SIMD width kernels run at (the Vulkan subgroup size; 1 for the CPU backend).
    public var subgroupSize: Int
    /// Further facts worth printing (driver, API version, limits).
    public var details: [String: String]
    /// The largest tensor the device can bind to a kernel, in bytes (Vulkan: maxStorageBufferRange);
    /// a dataset larger than this is split into shards.
    public var maxTensorBytes = Int.max

    public init(
        backend: String, name: String, kind: DeviceKind, memoryBytes: UInt64, subgroupSize: Int,
        details: [String: String] = [:]
    ) {
        self.backend = backend; self.name = name; self.kind = kind
        self.memoryBytes = memoryBytes; self.subgroupSize = subgroupSize; self.details = details
    }

    /// "vulkan: NAME (KIND)", with the kind the kernel planner assumes instead where it is told to
    /// (`plannedAs`, see VAEVulkan's `PlanningProfile`).
    public var description: String {
        "\(backend): \(name) (\(kind.rawValue)\(details["plannedAs"].map { ", planned as \($0)" } ?? "")"
            + (details["precision"].map { $0.hasPrefix("mixed") ? ", \($0)" : "" } ?? "") + ")"
    }
}

/// Work counts of a device since it was made: what `vae bench` reports per training step.
public struct DeviceCounters: Sendable, Equatable {
    /// Kernel launches.
    public var launches = 0
    /// Memory barriers recorded between launches (always 0 on backends that run in order).
    public var barriers = 0
    /// Submissions of recorded work to a queue.
    public var submits = 0
    /// Times the host blocked waiting for the device because it needed a result (a read, a synchronize).
    public var hostWaits = 0
    /// Times the host blocked because it had run too far ahead of the device (a bounded queue of
    /// submissions); the device stays busy meanwhile, so these do not stall it.
    public var throttles = 0
    /// Staging buffers allocated for transfers (they are reused, so this stays small).
    public var stagingBuffersMade = 0
    /// Bytes currently allocated for tensors.
    public var allocatedBytes = 0
    /// The high-water mark of `allocatedBytes`.
    public var peakAllocatedBytes = 0

    public init() {}
}

/// A compute device: the one contract every backend implements and all model code is written against.
///
/// The vocabulary is small on purpose: tensors (made by the device), kernel launches, transfers and
/// synchronization. A backend may execute launches at once (CPU) or record them and run them later
/// (Vulkan); either way launches take effect in order, and `read` sees every earlier launch.
public protocol ComputeDevice: AnyObject {
    /// What this device is.
    var info: DeviceInfo { get }
    /// Work counts since the device was made.
    var counters: DeviceCounters { get }

    /// Makes a tensor of `shape`; its contents are unspecified until written.
    func makeTensor(shape: [Int], elementType: ElementType) throws -> Tensor
    /// Makes tensors of `shapes` in one allocation, all zero, and a vector over all of them (see
    /// `TensorGroup`). Each part starts where the device can bind it on its own (Vulkan: the buffer's memory
    /// alignment; the CPU: 64 bytes, for vector loads); the padding between parts belongs to the whole.
    func makeTensorGroup(shapes: [[Int]], elementType: ElementType) throws -> TensorGroup
    /// Writes `bytes` (the tensor's `storageBytes`, or fewer for a prefix) into a tensor, after every
    /// earlier launch that uses it.
    func write(_ bytes: UnsafeRawBufferPointer, to tensor: Tensor) throws
    /// Reads a tensor's bytes after every earlier launch. On recording backends this submits and waits.
    func read(_ tensor: Tensor, into bytes: UnsafeMutableRawBufferPointer) throws
    /// Runs `body` on the tensor's own bytes, after every earlier launch, where the device keeps tensors in
    /// host memory (the CPU backend); `body` may change them and later launches see the change. Returns nil
    /// without calling `body` where the device cannot (a GPU's memory): `read` and `write` a copy there.
    /// Saves the two copies where the host works on a tensor in place (summing gradients over MPI ranks).
    func withHostMemory<R>(of tensor: Tensor, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R?
    /// Launches a kernel (validated first; an invalid one throws and changes nothing).
    func launch(_ kernel: Kernel) throws
    /// Records the launches `body` makes, without running them, for `run(_:times:)`. The body may only
    /// launch: transfers throw while recording.
    func record(_ body: () throws -> Void) throws -> any RecordedWork
    /// Runs recorded work `times` times in a row, as if its launches were made again that often (on Vulkan,
    /// one submission of the recorded command buffer repeated, with nothing recorded anew).
    func run(_ work: any RecordedWork, times: Int) throws
    /// Submits recorded work without waiting for it.
    func flush() throws
    /// Waits until every launch so far has finished.
    func synchronize() throws
    /// Time of each finished launch since the last call, when the device was made with profiling on
    /// (GPU timestamps on Vulkan, wall clock on the CPU); empty otherwise.
    func takeProfile() -> [KernelTiming]
}

/// Launches recorded by `ComputeDevice.record`, to be run again as a unit.
public protocol RecordedWork: AnyObject {
    /// Launches in one run.
    var launches: Int { get }
}

/// How long one launch took.
public struct KernelTiming: Sendable {
    public var name: String
    public var nanoseconds: Double
    public init(name: String, nanoseconds: Double) { self.name = name; self.nanoseconds = nanoseconds }
}
