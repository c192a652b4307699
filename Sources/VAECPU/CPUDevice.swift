import COpenBLAS
import Dispatch
import VAECompute

/// The CPU backend. It runs each launch at once, in order, so `flush` and `synchronize` have nothing to do.
///
/// It has two faces: `.reference`, the plain double-precision definitions that every other backend is
/// tested against, and `.fast`, OpenBLAS and float loops for training. Both give the same answers to
/// float rounding.
public final class CPUDevice: ComputeDevice {
    /// Which implementation runs the kernels.
    public enum Mode: String, Sendable {
        case reference, fast
    }

    public let mode: Mode
    /// Whether launches are timed (see `takeProfile`).
    public let profiling: Bool
    private var profile: [KernelTiming] = []
    private var launches = 0
    private let ledger = AllocationLedger()

    public var counters: DeviceCounters {
        var c = DeviceCounters()
        c.launches = launches
        c.allocatedBytes = ledger.current
        c.peakAllocatedBytes = ledger.peak
        return c
    }

    /// - Parameter threads: threads for the fast path (nil: one per core). Matrix products run as
    ///   single-threaded OpenBLAS calls on blocks, one block per thread (see `FastKernels.matmul`).
    public init(mode: Mode = .fast, threads: Int? = nil, profiling: Bool = false) {
        self.mode = mode
        self.profiling = profiling
        openblas_set_num_threads(1)
        if let threads { Parallel.setThreads(threads) }
    }

    public var info: DeviceInfo {
        DeviceInfo(backend: "cpu", name: mode == .fast ? "CPU (OpenBLAS)" : "CPU (reference)", kind: .cpu,
                   memoryBytes: 0, subgroupSize: 1,
                   details: mode == .fast ? ["blas": String(cString: openblas_get_config()),
                                            "threads": String(Parallel.cores)] : [:])
    }

    public func makeTensor(shape: [Int], elementType: ElementType) throws -> Tensor {
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ComputeError.invalidArguments(kernel: "makeTensor", reason: "negative dimension in \(shape)")
        }
        let bytes = elementType.storageBytes(count: shape.reduce(1, *))
        let storage = CPUStorage(byteCount: bytes, ledger: ledger)
        return Tensor(shape: shape, elementType: elementType, storage: storage, deviceID: ObjectIdentifier(self))
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to tensor: Tensor) throws {
        let s = try storage(tensor, "write")
        guard bytes.count <= s.byteCount else {
            throw ComputeError.invalidArguments(kernel: "write", reason: "\(bytes.count) bytes do not fit \(tensor)")
        }
        if let base = bytes.baseAddress { s.bytes.copyMemory(from: base, byteCount: bytes.count) }
    }

    public func read(_ tensor: Tensor, into bytes: UnsafeMutableRawBufferPointer) throws {
        let s = try storage(tensor, "read")
        if let base = bytes.baseAddress { base.copyMemory(from: s.bytes, byteCount: min(bytes.count, s.byteCount)) }
    }

    public func launch(_ kernel: Kernel) throws {
        try kernel.validate()
        for t in kernel.reads + kernel.writes where t.deviceID != ObjectIdentifier(self) {
            throw ComputeError.foreignTensor(kernel: kernel.name)
        }
        launches += 1
        let start = profiling ? DispatchTime.now().uptimeNanoseconds : 0
        switch mode {
        case .reference: ReferenceKernels.run(kernel)
        case .fast: FastKernels.run(kernel)
        }
        if profiling { profile.append(KernelTiming(name: kernel.name, nanoseconds: Double(DispatchTime.now().uptimeNanoseconds - start))) }
    }

    public func takeProfile() -> [KernelTiming] {
        defer { profile.removeAll() }
        return profile
    }

    public func flush() throws {}
    public func synchronize() throws {}

    private func storage(_ t: Tensor, _ op: String) throws -> CPUStorage {
        guard t.deviceID == ObjectIdentifier(self), let s = t.storage as? CPUStorage else { throw ComputeError.foreignTensor(kernel: op) }
        return s
    }
}
