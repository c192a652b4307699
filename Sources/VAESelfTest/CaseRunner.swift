import VAECPU
import VAECompute
import VAEVulkan

/// What one case did on one device.
public struct CaseOutcome: Sendable {
    public var name: String
    public var family: String
    public var device: String
    /// What went wrong, one line each; empty when the case passed.
    public var problems: [String]
    /// The largest error over every compared element as a fraction of what its tolerance allows (1 = at the
    /// limit; 0 for exact agreement; infinity where an exact output differs or a non-finite value appears).
    public var worstRatio: Double
    public var passed: Bool { problems.isEmpty }
}

/// Runs kernel cases and compares them with the reference.
public enum CaseRunner {
    /// The device whose results are the truth: double-precision reference kernels.
    public static func reference(_ c: KernelCase) throws -> [HostData] {
        try outputs(of: c, on: CPUDevice(mode: .reference)).outputs
    }

    /// Runs `c` on `device`, its outputs fenced by sentinel tensors (and on Vulkan, the slack after each
    /// output checked), so a kernel that writes out of bounds is caught where the device keeps the write.
    public static func outputs(
        of c: KernelCase, on device: any ComputeDevice
    ) throws -> (
        outputs: [HostData], problems: [String]
    ) {
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
        var problems: [String] = []
        for (i, s) in sentinels.enumerated() where try device.download(s) != sentinelValues {
            problems.append("sentinel \(i) overwritten (an out-of-bounds write)")
        }
        if let vulkan = device as? VulkanDevice {
            for (i, o) in outputs.enumerated() where !vulkan.slackIntact(o) {
                problems.append("wrote past the end of output \(i)")
            }
        }
        let values = try zip(c.outputs, outputs).map { host, t -> HostData in
            switch host.data {
            case .floats: return .floats(try device.download(t))
            case .words: return .words(try device.downloadUInt32(t))
            case .bytes: return .bytes([])
            }
        }
        return (values, problems)
    }

    /// Runs `c` on `device` and compares with `expected` (the reference's outputs); errors become problems.
    public static func run(_ c: KernelCase, expected: [HostData], on device: any ComputeDevice) -> CaseOutcome {
        var outcome = CaseOutcome(
            name: c.name, family: c.family, device: "\(device.info)", problems: [], worstRatio: 0)
        let vulkan = device as? VulkanDevice
        let messagesBefore = vulkan?.validationMessages.count ?? 0
        do {
            let (actual, problems) = try outputs(of: c, on: device)
            outcome.problems = problems
            for (i, (a, e)) in zip(actual, expected).enumerated() {
                let comparison = compare(a, e, c.tolerance)
                outcome.worstRatio = max(outcome.worstRatio, comparison.worstRatio)
                if let problem = comparison.problem { outcome.problems.append("output \(i): \(problem)") }
            }
        } catch {
            outcome.problems.append("failed: \(error)")
            outcome.worstRatio = .infinity
        }
        if let vulkan, vulkan.validationMessages.count > messagesBefore {
            outcome.problems.append(
                "validation: \(vulkan.validationMessages[messagesBefore...].prefix(2).joined(separator: " | "))")
        }
        return outcome
    }

    /// Element-by-element comparison; NaN or infinity where the reference is finite always fails.
    public static func compare(
        _ actual: HostData, _ expected: HostData, _ tol: Tolerance
    ) -> (
        problem: String?, worstRatio: Double
    ) {
        switch (actual, expected) {
        case let (.words(a), .words(e)):
            return a == e ? (nil, 0) : ("integer outputs differ", .infinity)
        case let (.floats(a), .floats(e)):
            guard a.count == e.count else { return ("\(a.count) elements, expected \(e.count)", .infinity) }
            var failures = 0, worst: (Int, Float, Float) = (0, 0, 0), worstRatio = 0.0
            for i in 0..<a.count {
                let x = a[i], r = e[i]
                let ratio: Double
                if r.isNaN {
                    ratio = x.isNaN ? 0 : .infinity
                } else if !x.isFinite || !r.isFinite {
                    ratio = x == r ? 0 : .infinity
                } else {
                    let error = Double(abs(x - r)), allowed = Double(tol.absolute + tol.relative * abs(r))
                    ratio = error == 0 ? 0 : allowed > 0 ? error / allowed : .infinity
                }
                if ratio > 1 {
                    failures += 1
                    if ratio > worstRatio || failures == 1 { worst = (i, x, r) }
                }
                worstRatio = max(worstRatio, ratio)
            }
            guard failures > 0 else { return (nil, worstRatio) }
            return (
                "\(failures) of \(a.count) elements beyond \(tol); worst at \(worst.0): got \(worst.1), expected \(worst.2)",
                worstRatio
            )
        default:
            return ("output types differ", .infinity)
        }
    }
}
