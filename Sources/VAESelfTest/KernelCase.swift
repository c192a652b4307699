import VAECompute

/// How close a backend's float output must be to the reference: |x − r| ≤ absolute + relative·|r|.
/// `exact` compares bits (used for integer outputs and pure data movement).
public struct Tolerance: CustomStringConvertible, Sendable {
    public var absolute: Float
    public var relative: Float
    public static let exact = Tolerance(absolute: 0, relative: 0)
    public static func within(_ absolute: Float, relative: Float = 0) -> Tolerance {
        Tolerance(absolute: absolute, relative: relative)
    }
    public var description: String { "abs \(absolute) rel \(relative)" }
}

/// One kernel check in the style of ggml's test-backend-ops: operands, the launches, and a tolerance. The
/// case runs on the reference CPU device and on a device under test, and the outputs must agree. The
/// same cases make the test suite's kernel sweep and `vae selftest`.
public struct KernelCase: CustomStringConvertible, Sendable {
    public var name: String
    /// Tensors the kernels only read.
    public var inputs: [HostTensor]
    /// Tensors the kernels write, with their starting contents (NaN where every element must be written).
    public var outputs: [HostTensor]
    public var tolerance: Tolerance
    /// The launches, given the device's input and output tensors.
    public var kernels: @Sendable (_ inputs: [Tensor], _ outputs: [Tensor]) -> [Kernel]

    public var description: String { name }

    /// The family the case belongs to, for summaries: its name's first word (`matmul`, `conv2d`, …).
    public var family: String { String(name.prefix { $0 != " " }) }

    public init(
        _ name: String, inputs: [HostTensor], outputs: [HostTensor], tolerance: Tolerance,
        kernels: @escaping @Sendable ([Tensor], [Tensor]) -> [Kernel]
    ) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.tolerance = tolerance;
        self.kernels = kernels
    }

    public init(
        _ name: String, inputs: [HostTensor], outputs: [HostTensor], tolerance: Tolerance,
        kernel: @escaping @Sendable ([Tensor], [Tensor]) -> Kernel
    ) {
        self.init(name, inputs: inputs, outputs: outputs, tolerance: tolerance) { [kernel($0, $1)] }
    }
}
