import CVulkan
import Foundation
import VAECompute

/// The Vulkan backend: kernels run as SPIR-V compute shaders, recorded into command buffers and
/// submitted in batches (see `VulkanCommandStream`).
///
/// Launches are recorded, not run: `launch` returns at once, `flush` submits without waiting, and the
/// host waits only in `read`, `synchronize`, or when writing a tensor that pending work still uses.
public final class VulkanDevice: ComputeDevice {
    /// Which physical device to open.
    public enum Selection: Sendable, Equatable {
        /// The most capable: discrete GPU, then integrated, virtual, other, CPU.
        case best
        /// By position in `VulkanDevice.devices()`.
        case index(Int)
        /// The first device whose name contains this text (case-insensitive).
        case name(String)
    }

    /// How to open the device.
    public struct Options: Sendable {
        public var selection: Selection = .best
        /// Enable the Khronos validation layer (core + synchronization) when it is installed.
        public var validation = false
        /// Write a timestamp after every launch (see `takeProfile`).
        public var profiling = false
        /// Keep tensors in device-only memory with staging transfers even where mapped device memory
        /// exists (tests use it to exercise the staging path on drivers with one memory type).
        public var forceStaging = false
        /// The matmul kernel's register blocking; nil chooses by shape (`MatmulVariant.forShape`). A
        /// shared-memory preset also runs the convolutions on its tiles (see `convolutions`).
        public var matmul: MatmulVariant? = nil
        /// How convolutions run: `.automatic` as implicit GEMMs on the shared-memory tiles where products run
        /// on them (GPUs, or a forced shared-memory `matmul` preset) and the layer has at least
        /// `ConvolutionGEMM.fewestTiledRows` output channels, else one output per invocation; `.direct` and
        /// `.tiled` force either (`vae bench --convolutions`).
        public var convolutions: ConvolutionPath = .automatic
        /// Reductions with subgroupAdd where the device has subgroup arithmetic (false: the shared-memory
        /// tree everywhere; tests run both).
        public var subgroupReductions = true
        /// A tensor size limit below the device's own (maxStorageBufferRange), so tests can make a small
        /// dataset take the path of one too large for a binding (shards).
        public var maxTensorBytes: Int? = nil
        /// A memory size below the device's own (its tensor heap), so tests can make a small dataset take
        /// the path of one too large for the device (minibatches streamed from host memory).
        public var memoryBytes: Int? = nil
        /// How long a wait for the device may last before it is reported as hung (a clear error instead of
        /// a process that never returns); generous, since one submission on lavapipe can take seconds.
        public var fenceTimeoutSeconds: Double = 600
        /// Where compiled pipelines are kept between runs, one file per device and driver (nil: nowhere;
        /// the command line uses `$XDG_CACHE_HOME/vulkanvae/pipelines`).
        public var pipelineCacheDirectory: String? = nil
        /// What the kernel planner takes the device for; nil: `VAE_VULKAN_PLAN_AS` when the environment sets it,
        /// else what the driver reports. Tests plan lavapipe as a discrete GPU so that every GPU choice runs
        /// against the reference here; see `PlanningProfile`.
        public var planAs: PlanningProfile? = nil
        /// The matrix products' arithmetic. `.mixed` runs them on cooperative matrices with f16 operands and
        /// f32 sums, and opening the device fails with the reason where that is not possible (the build's
        /// shader compiler or the device lacks it); convolutions stay f32.
        public var precision: MatmulPrecision = .full

        public init(
            selection: Selection = .best, validation: Bool = false, profiling: Bool = false,
            forceStaging: Bool = false, matmul: MatmulVariant? = nil, subgroupReductions: Bool = true
        ) {
            self.selection = selection; self.validation = validation; self.profiling = profiling
            self.forceStaging = forceStaging; self.matmul = matmul; self.subgroupReductions = subgroupReductions
        }
    }

    let context: VulkanContext
    let memory: VulkanMemory
    let pipelines: VulkanPipelines
    let stream: VulkanCommandStream
    public let options: Options
    /// What the kernel planner decides on: the driver's kind and compute units, or `options.planAs`.
    let planning: PlanningFacts
    /// The cooperative-matrix shape the products run on (mixed precision), nil for f32 products.
    public let cooperativeMatrix: CooperativeMatrixShape?

    /// Why mixed precision cannot run on `physical`, or the shape it would use.
    static func cooperativeMatrixShape(_ physical: VulkanPhysicalDevice) throws -> CooperativeMatrixShape {
        let label = "vulkan:\(physical.index) \(physical.name)"
        guard CooperativeMatrix.built else {
            throw ComputeError.noDevice(
                "mixed precision needs the cooperative-matrix shader, which this build lacks (its shader compiler did "
                    + "not know GL_KHR_cooperative_matrix; scripts/fetch-glslang.sh fetches glslang 13, then rebuild)")
        }
        guard let shape = CooperativeMatrix.choose(physical.cooperativeMatrixShapes),
            CooperativeMatrix.sharedBytes(shape) <= Int(physical.limits.maxComputeSharedMemorySize),
            4 * physical.subgroupSize <= Int(physical.limits.maxComputeWorkGroupInvocations)
        else {
            throw ComputeError.noDevice(
                "\(label) offers no cooperative matrices for mixed precision (VK_KHR_cooperative_matrix with f16 "
                    + "inputs, f32 sums and shaderFloat16); use full precision on it")
        }
        return shape
    }

    /// Whether this build has the cooperative-matrix shader that mixed precision runs on.
    public static var mixedPrecisionBuilt: Bool { CooperativeMatrix.built }

    /// Whether the device `selection` picks can run mixed-precision products, and on which shape.
    public static func mixedPrecisionShape(_ selection: Selection) -> CooperativeMatrixShape? {
        var options = Options(selection: selection)
        options.precision = .mixed
        return (try? VulkanDevice(options))?.cooperativeMatrix
    }

    /// Every Vulkan physical device on this machine (empty, not an error, when there is no driver).
    public static func devices() -> [DeviceInfo] {
        guard let instance = try? VulkanInstance(validation: false),
            let handles = try? VulkanInstance.lifecycle.shared({ try instance.physicalDevices() })
        else { return [] }
        return VulkanInstance.lifecycle.shared {
            handles.enumerated().map { VulkanPhysicalDevice($1, index: $0, instance: instance.handle).info }
        }
    }

    public init(_ options: Options = Options()) throws {
        self.options = options
        let instance = try VulkanInstance(validation: options.validation)
        let physical = try VulkanInstance.lifecycle.shared {
            try instance.physicalDevices().enumerated().map {
                VulkanPhysicalDevice($1, index: $0, instance: instance.handle)
            }
        }
        guard !physical.isEmpty else { throw ComputeError.noDevice("no Vulkan device found (the driver lists none)") }
        let chosen: VulkanPhysicalDevice
        switch options.selection {
        case .best:
            chosen = physical.min { ($0.kind.preference, $0.index) < ($1.kind.preference, $1.index) }!
        case let .index(i):
            guard physical.indices.contains(i) else {
                throw ComputeError.noDevice(
                    "no Vulkan device \(i): there are \(physical.count) (\(physical.map(\.name).joined(separator: ", ")))"
                )
            }
            chosen = physical[i]
        case let .name(text):
            guard let match = physical.first(where: { $0.name.lowercased().contains(text.lowercased()) }) else {
                throw ComputeError.noDevice(
                    "no Vulkan device named like '\(text)': found \(physical.map(\.name).joined(separator: ", "))")
            }
            chosen = match
        }
        cooperativeMatrix = options.precision == .mixed ? try Self.cooperativeMatrixShape(chosen) : nil
        context = try VulkanContext(
            instance: instance, physical: chosen,
            extraExtensions: cooperativeMatrix == nil ? [] : CooperativeMatrix.extensions)
        let profile = try options.planAs ?? PlanningProfile.fromEnvironment(ProcessInfo.processInfo.environment)
        planning = PlanningFacts(chosen, profile: profile)
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        memory = try VulkanMemory(
            context: context, forceStaging: options.forceStaging, maxTensorBytes: options.maxTensorBytes,
            memoryBytes: options.memoryBytes)
        pipelines = VulkanPipelines(context: context, cacheDirectory: options.pipelineCacheDirectory)
        stream = try VulkanCommandStream(
            context: context, profiling: options.profiling, fenceTimeoutSeconds: options.fenceTimeoutSeconds)
    }

    deinit {
        VulkanInstance.lifecycle.shared { _ = try? stream.synchronize() }
    }

    /// Whether the reductions run their subgroupAdd build (asked for, and the device has subgroup arithmetic).
    var usesSubgroupReductions: Bool { options.subgroupReductions && context.physical.subgroupArithmetic }

    public var info: DeviceInfo {
        var info = context.physical.info
        info.details["validation"] = context.instance.validationEnabled ? "on" : "off"
        info.details["tensorMemory"] = memory.tensorsAreHostVisible ? "mapped" : "device-local with staging"
        info.details["reductions"] = usesSubgroupReductions ? "subgroupAdd" : "shared-memory tree"
        if let profile = planning.profile { info.details["plannedAs"] = profile.description }
        info.details["precision"] = cooperativeMatrix.map { "mixed (f16 cooperative matrices \($0))" } ?? "full (f32)"
        info.maxTensorBytes = memory.maxTensorBytes
        info.memoryBytes = min(info.memoryBytes, memory.heapLimit)
        return info
    }

    public var counters: DeviceCounters {
        var c = stream.counters
        c.allocatedBytes = memory.allocatedBytes
        c.stagingBuffersMade = memory.staging.made
        c.peakAllocatedBytes = peakBytes
        return c
    }

    private var peakBytes = 0

    /// How long a wait for the device may last before it throws as hung (see `Options.fenceTimeoutSeconds`).
    public var fenceTimeoutSeconds: Double {
        get { stream.fenceTimeoutSeconds }
        set { stream.fenceTimeoutSeconds = newValue }
    }

    /// Whether the bytes between `tensor`'s end and the end of its allocation still hold the pattern written
    /// when it was made: false means a kernel wrote past the tensor's end (always true where tensor memory is
    /// not mapped and cannot be checked).
    public func slackIntact(_ tensor: Tensor) -> Bool {
        guard let b = try? buffer(tensor, "slack") else { return true }
        return b.slackIntact
    }

    /// Whether the validation layer is active.
    public var validationEnabled: Bool { context.instance.validationEnabled }

    /// Messages the validation layer reported so far (always empty without validation).
    public var validationMessages: [String] { context.instance.validationMessages }

    /// GPU time of each finished launch since the last call (needs `Options.profiling`).
    public func takeProfile() -> [KernelTiming] {
        VulkanInstance.lifecycle.shared {
            stream.takeProfile().map { KernelTiming(name: $0.name, nanoseconds: $0.nanoseconds) }
        }
    }

    // MARK: Tensors and transfers

    public func makeTensor(shape: [Int], elementType: ElementType) throws -> Tensor {
        try VulkanInstance.lifecycle.shared { try makeTensorLocked(shape: shape, elementType: elementType) }
    }

    private func makeTensorLocked(shape: [Int], elementType: ElementType) throws -> Tensor {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ComputeError.invalidArguments(kernel: "makeTensor", reason: "negative dimension in \(shape)")
        }
        let bytes = elementType.storageBytes(count: try CheckedSize.tensorElements(shape))
        let buffer = try memory.allocate(bytes: bytes)
        peakBytes = max(peakBytes, memory.allocatedBytes)
        return Tensor(shape: shape, elementType: elementType, storage: buffer, deviceID: ObjectIdentifier(self))
    }

    public func makeTensorGroup(shapes: [[Int]], elementType: ElementType) throws -> TensorGroup {
        let group = try VulkanInstance.lifecycle.shared {
            let counts = try shapes.map(CheckedSize.tensorElements)
            let made = try memory.allocateGroup(
                byteCounts: counts.map { elementType.storageBytes(count: $0) }, elementSize: elementType.size)
            peakBytes = max(peakBytes, memory.allocatedBytes)
            let id = ObjectIdentifier(self)
            return TensorGroup(
                whole: Tensor(
                    shape: [made.whole.byteCount / elementType.size], elementType: elementType, storage: made.whole,
                    deviceID: id),
                parts: zip(shapes, made.parts).map {
                    Tensor(shape: $0, elementType: elementType, storage: $1, deviceID: id)
                },
                offsets: made.byteOffsets.map { $0 / elementType.size })
        }
        // Device memory starts undefined; the padding too must be zero (a launch on the whole reads it).
        try [UInt8](repeating: 0, count: group.whole.count * elementType.size).withUnsafeBytes {
            try write($0, to: group.whole)
        }
        return group
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to tensor: Tensor) throws {
        try VulkanInstance.lifecycle.shared { try writeLocked(bytes, to: tensor) }
    }

    private func writeLocked(_ bytes: UnsafeRawBufferPointer, to tensor: Tensor) throws {
        try refuseWhileRecording("write")
        let buffer = try self.buffer(tensor, "write")
        guard bytes.count <= buffer.byteCount else {
            throw ComputeError.invalidArguments(kernel: "write", reason: "\(bytes.count) bytes do not fit \(tensor)")
        }
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        if let mapped = buffer.mapped, buffer.lastUse <= stream.completedSerial {
            // Not used by unfinished work: write in place, now.
            mapped.copyMemory(from: source, byteCount: bytes.count)
            return
        }
        // In use, or device-only memory: stage it and record a copy, ordered after earlier launches.
        let staging = try memory.staging.take(bytes: bytes.count, forReading: false)
        staging.mapped.copyMemory(from: source, byteCount: bytes.count)
        try stream.copy(
            from: staging.buffer, to: buffer.buffer, bytes: bytes.count,
            read: MemoryRegion(whole: staging), written: buffer.hazardRegion, retain: [staging, buffer])
    }

    public func read(_ tensor: Tensor, into bytes: UnsafeMutableRawBufferPointer) throws {
        try VulkanInstance.lifecycle.shared { try readLocked(tensor, into: bytes) }
    }

    private func readLocked(_ tensor: Tensor, into bytes: UnsafeMutableRawBufferPointer) throws {
        try refuseWhileRecording("read")
        let buffer = try self.buffer(tensor, "read")
        let count = min(bytes.count, buffer.byteCount)
        guard let destination = bytes.baseAddress, count > 0 else { return }
        if let mapped = buffer.mapped {
            try stream.wait(for: buffer.lastWrite)
            destination.copyMemory(from: mapped, byteCount: count)
            return
        }
        let staging = try memory.staging.take(bytes: count, forReading: true)
        try stream.copy(
            from: buffer.buffer, to: staging.buffer, bytes: count,
            read: buffer.hazardRegion, written: MemoryRegion(whole: staging), retain: [staging, buffer])
        try stream.wait(for: try stream.recordingSerial)
        destination.copyMemory(from: staging.mapped, byteCount: count)
    }

    // MARK: Launching

    public func launch(_ kernel: Kernel) throws {
        try VulkanInstance.lifecycle.shared { try launchLocked(kernel) }
    }

    private func launchLocked(_ kernel: Kernel) throws {
        try kernel.validate()
        let plan = try VulkanKernelPlan(kernel, device: self)
        for part in [plan] + plan.then {
            guard part.groups.0 > 0, part.groups.1 > 0, part.groups.2 > 0 else { continue }
            let pipeline = try pipelines.pipeline(
                .init(shader: part.shader, constants: part.constants), bindings: part.bindings.count)
            let reads =
                try part.reads?.map { try buffer($0, kernel.name) } ?? kernel.reads.map { try buffer($0, kernel.name) }
            let writes =
                try part.writes?.map { try buffer($0, kernel.name) }
                ?? kernel.writes.map { try buffer($0, kernel.name) }
            try stream.dispatch(
                pipeline, buffers: try part.bindings.map { try buffer($0, kernel.name) }, reads: reads, writes: writes,
                pushConstants: part.pushConstants, groups: part.groups, name: kernel.name)
            try stream.noteWrites(writes)
        }
    }

    /// The scratch of split-K products (their slices' partial sums): one tensor for all of them, grown to the
    /// largest asked for; the launches' hazard tracking orders its reuse.
    private var splitScratchTensor: Tensor?

    /// The split-K scratch, at least `floats` long. Called while launching (the lifecycle lock held).
    func splitScratch(floats: Int) throws -> Tensor {
        if let t = splitScratchTensor, t.count >= floats { return t }
        let t = try makeTensorLocked(shape: [floats], elementType: .float32)
        splitScratchTensor = t
        return t
    }

    public func record(_ body: () throws -> Void) throws -> any RecordedWork {
        try VulkanInstance.lifecycle.shared { try stream.beginProgram() }
        do {
            try body()
        } catch {
            VulkanInstance.lifecycle.shared { stream.abandonProgram() }
            throw error
        }
        return try VulkanInstance.lifecycle.shared { try stream.endProgram() }
    }

    public func run(_ work: any RecordedWork, times: Int) throws {
        guard let program = work as? VulkanProgram, program.stream === stream else {
            throw ComputeError.invalidArguments(kernel: "run", reason: "the work was recorded on another device")
        }
        try VulkanInstance.lifecycle.shared { try stream.run(program, times: times) }
    }

    public func flush() throws { try VulkanInstance.lifecycle.shared { try stream.flush() } }

    public func synchronize() throws { try VulkanInstance.lifecycle.shared { try stream.synchronize() } }

    private func refuseWhileRecording(_ op: String) throws {
        if stream.isRecordingProgram {
            throw ComputeError.invalidArguments(kernel: op, reason: "transfers cannot be recorded for replay")
        }
    }

    func buffer(_ t: Tensor, _ op: String) throws -> VulkanBuffer {
        guard t.deviceID == ObjectIdentifier(self), let b = t.storage as? VulkanBuffer else {
            throw ComputeError.foreignTensor(kernel: op)
        }
        return b
    }
}
