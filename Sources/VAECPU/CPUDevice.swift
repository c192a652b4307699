import CKernels
import COpenBLAS
import Dispatch
import Foundation
import VAECompute

/// The CPU backend. It runs each launch at once, in order, so `flush` and `synchronize` have nothing to do.
///
/// It has two faces: `.reference`, the plain double-precision definitions that every other backend is
/// tested against, and `.fast`, blocked matrix products (our AVX-512 kernel or OpenBLAS) and vectorized
/// loops for training. Both give the same answers to float rounding.
public final class CPUDevice: ComputeDevice {
    /// Which implementation runs the kernels.
    public enum Mode: String, Sendable {
        case reference, fast
    }

    /// Which routine runs the fast path's matrix products.
    public enum MatrixEngine: String, Sendable, CaseIterable {
        /// The AVX-512 kernel (`CKernels`) where the CPU has AVX-512, except for products it measured
        /// slower on (see `FastKernels.usesAVX512`); OpenBLAS otherwise. `VAE_CPU_GEMM=openblas|avx512`
        /// overrides it.
        case automatic
        /// OpenBLAS sgemm (whatever kernels OpenBLAS picks for this CPU, or OPENBLAS_CORETYPE says).
        case openblas
        /// The AVX-512 kernel for every product; falls back to OpenBLAS only on a CPU without AVX-512.
        case avx512
    }

    /// Whether this CPU can run the AVX-512 matrix kernel.
    public static var hasAVX512: Bool { vae_cpu_has_avx512() }

    public let mode: Mode
    /// The matrix-product routine of the fast path.
    public let matrixEngine: MatrixEngine
    /// Whether launches are timed (see `takeProfile`).
    public let profiling: Bool
    private var profile: [KernelTiming] = []
    private var launches = 0
    private let ledger = AllocationLedger()
    /// The fast convolutions' working memory, kept between launches.
    private let scratch = FastScratch()
    /// What this device's tensors may hold in all (default: the machine's physical memory), so an
    /// impossible model is refused with a one-line error before it swaps or aborts.
    public let capacityBytes: Int

    public var counters: DeviceCounters {
        var c = DeviceCounters()
        c.launches = launches
        c.allocatedBytes = ledger.current
        c.peakAllocatedBytes = ledger.peak
        return c
    }

    /// - Parameter threads: threads for the fast path (nil: one per core). Matrix products run as
    ///   single-threaded calls (our kernel or OpenBLAS) on blocks, one block per thread (see `FastKernels.matmul`).
    /// - Parameter matrixEngine: nil reads `VAE_CPU_GEMM` from the environment, else `.automatic`.
    /// - Parameter capacityBytes: the memory tensors may use in all (nil: the machine's), e.g. to see how
    ///   a model fits a smaller machine.
    public init(
        mode: Mode = .fast, threads: Int? = nil, profiling: Bool = false, matrixEngine: MatrixEngine? = nil,
        capacityBytes: Int? = nil
    ) {
        self.mode = mode
        self.capacityBytes = capacityBytes ?? MemoryBudget.physicalBytes
        let fromEnvironment = ProcessInfo.processInfo.environment["VAE_CPU_GEMM"].flatMap(MatrixEngine.init(rawValue:))
        self.matrixEngine = matrixEngine ?? fromEnvironment ?? .automatic
        self.profiling = profiling
        openblas_set_num_threads(1)
        if let threads { Parallel.setThreads(threads) }
    }

    public var info: DeviceInfo {
        DeviceInfo(
            backend: "cpu", name: mode == .fast ? "CPU (fast)" : "CPU (reference)", kind: .cpu,
            memoryBytes: UInt64(capacityBytes), subgroupSize: 1,
            details: mode == .fast
                ? [
                    "blas": String(cString: openblas_get_config()),
                    "gemm": FastKernels.engineDescription(matrixEngine),
                    "threads": String(Parallel.cores),
                ] : [:])
    }

    public func makeTensor(shape: [Int], elementType: ElementType) throws -> Tensor {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ComputeError.invalidArguments(kernel: "makeTensor", reason: "negative dimension in \(shape)")
        }
        let bytes = elementType.storageBytes(count: try CheckedSize.tensorElements(shape))
        try MemoryBudget.require(
            ledger.current + bytes, fitIn: capacityBytes,
            "tensors of \(MemoryBudget.describe(ledger.current)) and a new \(shape)",
            place: "the machine")
        let storage = CPUStorage(byteCount: bytes, ledger: ledger)
        return Tensor(shape: shape, elementType: elementType, storage: storage, deviceID: ObjectIdentifier(self))
    }

    public func makeTensorGroup(shapes: [[Int]], elementType: ElementType) throws -> TensorGroup {
        let counts = try shapes.map(CheckedSize.tensorElements)
        // 64-byte starts, as the allocator gives a tensor of its own, so vector loads see the same alignment.
        let layout = try TensorGroupLayout(
            reserved: counts, alignment: counts.map { _ in max(1, 64 / elementType.size) })
        let whole = try makeTensor(shape: [layout.count], elementType: elementType)
        let owner = whole.storage as! CPUStorage
        let parts = zip(shapes, zip(counts, layout.offsets)).map { shape, place in
            Tensor(
                shape: shape, elementType: elementType,
                storage: CPUStorage(
                    partOf: owner, byteOffset: place.1 * elementType.size,
                    byteCount: elementType.storageBytes(count: place.0)),
                deviceID: ObjectIdentifier(self))
        }
        return TensorGroup(whole: whole, parts: parts, offsets: layout.offsets)
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to tensor: Tensor) throws {
        try refuseWhileRecording("write")
        let s = try storage(tensor, "write")
        guard bytes.count <= s.byteCount else {
            throw ComputeError.invalidArguments(kernel: "write", reason: "\(bytes.count) bytes do not fit \(tensor)")
        }
        if let base = bytes.baseAddress { s.bytes.copyMemory(from: base, byteCount: bytes.count) }
    }

    public func read(_ tensor: Tensor, into bytes: UnsafeMutableRawBufferPointer) throws {
        try refuseWhileRecording("read")
        let s = try storage(tensor, "read")
        if let base = bytes.baseAddress { base.copyMemory(from: s.bytes, byteCount: min(bytes.count, s.byteCount)) }
    }

    /// Launches run as they are made, so the tensor's bytes are final when `body` sees them.
    public func withHostMemory<R>(of tensor: Tensor, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R? {
        try refuseWhileRecording("withHostMemory")
        let s = try storage(tensor, "withHostMemory")
        return try body(UnsafeMutableRawBufferPointer(start: s.bytes, count: s.byteCount))
    }

    public func launch(_ kernel: Kernel) throws {
        try kernel.validate()
        for t in kernel.reads where t.deviceID != ObjectIdentifier(self) {
            throw ComputeError.foreignTensor(kernel: kernel.name)
        }
        for t in kernel.writes where t.deviceID != ObjectIdentifier(self) {
            throw ComputeError.foreignTensor(kernel: kernel.name)
        }
        if recording != nil {
            recording!.append(kernel)
            return
        }
        execute(kernel)
    }

    /// Launches being recorded (`record`), if any.
    private var recording: [Kernel]?

    /// Launches recorded on the CPU: validated once, run again as they are.
    final class Recording: RecordedWork {
        let kernels: [Kernel]
        let deviceID: ObjectIdentifier
        var launches: Int { kernels.count }
        init(kernels: [Kernel], deviceID: ObjectIdentifier) { self.kernels = kernels; self.deviceID = deviceID }
    }

    public func record(_ body: () throws -> Void) throws -> any RecordedWork {
        precondition(recording == nil, "recordings do not nest")
        recording = []
        defer { recording = nil }
        try body()
        return Recording(kernels: recording!, deviceID: ObjectIdentifier(self))
    }

    public func run(_ work: any RecordedWork, times: Int) throws {
        guard let r = work as? Recording, r.deviceID == ObjectIdentifier(self) else {
            throw ComputeError.invalidArguments(kernel: "run", reason: "the work was recorded on another device")
        }
        for _ in 0..<max(times, 0) { for kernel in r.kernels { execute(kernel) } }
    }

    private func refuseWhileRecording(_ op: String) throws {
        if recording != nil {
            throw ComputeError.invalidArguments(kernel: op, reason: "transfers cannot be recorded for replay")
        }
    }

    /// Runs a validated launch now.
    private func execute(_ kernel: Kernel) {
        launches += 1
        let start = profiling ? DispatchTime.now().uptimeNanoseconds : 0
        // A gather at the device's step is the plain gather from the index the step gives, read now.
        var kernel = kernel
        if case let .gatherRowsAtStep(src, idx, schedule, stepBase, dst, scale, shard) = kernel {
            let step = Int((schedule.storage as! CPUStorage).words(2)[0])
            let first = (step - stepBase) * dst.rows
            guard first >= 0, first + dst.rows <= idx.count else { return }
            kernel = .gatherRows(src: src, indices: idx, first: first, dst: dst, scale: scale, shard: shard)
        }
        switch mode {
        case .reference: ReferenceKernels.run(kernel)
        case .fast:
            let mode = vae_enter_flush_denormals()
            FastKernels.run(kernel, matrixEngine: matrixEngine, scratch: scratch)
            vae_restore_float_mode(mode)
        }
        if profiling {
            profile.append(
                KernelTiming(name: kernel.name, nanoseconds: Double(DispatchTime.now().uptimeNanoseconds - start)))
        }
    }

    public func takeProfile() -> [KernelTiming] {
        defer { profile.removeAll() }
        return profile
    }

    public func flush() throws {}
    public func synchronize() throws {}

    private func storage(_ t: Tensor, _ op: String) throws -> CPUStorage {
        guard t.deviceID == ObjectIdentifier(self), let s = t.storage as? CPUStorage else {
            throw ComputeError.foreignTensor(kernel: op)
        }
        return s
    }
}
