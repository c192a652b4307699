import Foundation
import Testing
import VAECPU
import VAECompute

@testable import VAEVulkan

/// How close a backend's float output must be to the reference: |x − r| ≤ absolute + relative·|r|.
/// `exact` compares bits (used for integer outputs and pure data movement).
struct Tolerance: CustomStringConvertible {
    var absolute: Float
    var relative: Float
    static let exact = Tolerance(absolute: 0, relative: 0)
    static func within(_ absolute: Float, relative: Float = 0) -> Tolerance {
        Tolerance(absolute: absolute, relative: relative)
    }
    var description: String { "abs \(absolute) rel \(relative)" }
}

/// One kernel test in the style of ggml's test-backend-ops: operands, the launch, and a tolerance. The
/// case runs on the reference CPU device and on every device under test, and the outputs must agree.
struct KernelCase: CustomTestStringConvertible, Sendable {
    var name: String
    /// Tensors the kernel only reads.
    var inputs: [HostTensor]
    /// Tensors the kernel writes, with their starting contents (NaN where the kernel must write every element).
    var outputs: [HostTensor]
    var tolerance: Tolerance
    /// The launches, given the device's input and output tensors.
    var kernels: @Sendable (_ inputs: [Tensor], _ outputs: [Tensor]) -> [Kernel]

    var testDescription: String { name }

    init(
        _ name: String, inputs: [HostTensor], outputs: [HostTensor], tolerance: Tolerance,
        kernels: @escaping @Sendable ([Tensor], [Tensor]) -> [Kernel]
    ) {
        self.name = name; self.inputs = inputs; self.outputs = outputs; self.tolerance = tolerance;
        self.kernels = kernels
    }

    init(
        _ name: String, inputs: [HostTensor], outputs: [HostTensor], tolerance: Tolerance,
        kernel: @escaping @Sendable ([Tensor], [Tensor]) -> Kernel
    ) {
        self.init(name, inputs: inputs, outputs: outputs, tolerance: tolerance) { [kernel($0, $1)] }
    }
}

extension HostTensor: @unchecked Sendable {}

/// Runs a case on one device; returns the outputs. Every output is surrounded by sentinel tensors, and on
/// Vulkan the slack after each output is checked too: a kernel writing out of bounds fails here.
func evaluate(_ c: KernelCase, on device: any ComputeDevice) throws -> [HostData] {
    let sentinelValues = [Float](repeating: -12345.5, count: 64)
    func sentinel() throws -> Tensor { try device.tensor(sentinelValues, shape: [64]) }
    let inputs = try c.inputs.map { try $0.make(on: device) }
    var sentinels: [Tensor] = [try sentinel()]
    var outputs: [Tensor] = []
    for o in c.outputs {
        outputs.append(try o.make(on: device))
        sentinels.append(try sentinel())
    }
    for kernel in c.kernels(inputs, outputs) { try device.launch(kernel) }
    try device.synchronize()
    for (i, s) in sentinels.enumerated() {
        #expect(
            try device.download(s) == sentinelValues,
            "\(c.name) on \(device.info): sentinel \(i) overwritten (out-of-bounds write)")
    }
    if device is VulkanDevice {
        for (i, o) in outputs.enumerated() {
            #expect(
                (o.storage as! VulkanBuffer).slackIntact,
                "\(c.name) on \(device.info): wrote past the end of output \(i)")
        }
    }
    return try zip(c.outputs, outputs).map { host, t in
        switch host.data {
        case .floats: return .floats(try device.download(t))
        case .words: return .words(try device.downloadUInt32(t))
        case .bytes: Issue.record("byte outputs are not compared"); return .bytes([])
        }
    }
}

/// Runs a case on the reference and on every device under test, and compares.
func check(_ c: KernelCase, devices: [any ComputeDevice]? = nil) throws {
    let expected = try evaluate(c, on: CPUDevice(mode: .reference))
    for device in try devices ?? TestDevices.all() {
        let actual = try evaluate(c, on: device)
        for (i, (e, a)) in zip(expected, actual).enumerated() {
            compare(a, e, c.tolerance, "\(c.name) output \(i) on \(device.info)")
        }
        if let vulkan = device as? VulkanDevice {
            #expect(vulkan.validationMessages.isEmpty, "\(c.name): validation: \(vulkan.validationMessages.prefix(3))")
        }
    }
}

/// Element-by-element comparison; NaN or infinity where the reference is finite always fails.
func compare(_ actual: HostData, _ expected: HostData, _ tol: Tolerance, _ what: String) {
    switch (actual, expected) {
    case let (.words(a), .words(e)):
        #expect(a == e, "\(what): integer outputs differ")
    case let (.floats(a), .floats(e)):
        #expect(a.count == e.count, "\(what): \(a.count) elements, expected \(e.count)")
        var failures = 0, worst: (Int, Float, Float) = (0, 0, 0), worstExcess: Float = 0
        for i in 0..<min(a.count, e.count) {
            let x = a[i], r = e[i]
            let ok: Bool
            if r.isNaN {
                ok = x.isNaN
            } else if !x.isFinite || !r.isFinite {
                ok = x == r
            } else {
                ok = abs(x - r) <= tol.absolute + tol.relative * abs(r)
            }
            if !ok {
                failures += 1
                let excess = x.isFinite ? abs(x - r) : .infinity
                if failures == 1 || excess > worstExcess { worst = (i, x, r); worstExcess = excess }
            }
        }
        #expect(
            failures == 0,
            "\(what): \(failures) of \(a.count) elements beyond \(tol); worst at \(worst.0): got \(worst.1), expected \(worst.2)"
        )
    default:
        Issue.record("\(what): output types differ")
    }
}
