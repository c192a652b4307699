import Foundation
import Testing
import VAECPU
import VAECompute
import VAESelfTest
import VAEVulkan

extension KernelCase: CustomTestStringConvertible {
    public var testDescription: String { name }
}

/// Runs a case on the reference and on every device under test (the library's runner, as `vae selftest`
/// runs it), and expects every output within the case's tolerance, no out-of-bounds write and no
/// validation message.
func check(_ c: KernelCase, devices: [any ComputeDevice]? = nil) throws {
    let expected = try CaseRunner.reference(c)
    func run(_ devices: [any ComputeDevice]) {
        for device in devices {
            let outcome = CaseRunner.run(c, expected: expected, on: device)
            if !outcome.passed {
                Issue.record("\(c.name) on \(device.info): \(outcome.problems.joined(separator: "; "))")
            }
        }
    }
    if let devices { run(devices) } else { try TestDevices.withAll(run) }
}

/// Element-by-element comparison with the suite's expectations (see `CaseRunner.compare`).
func compare(_ actual: HostData, _ expected: HostData, _ tol: Tolerance, _ what: String) {
    let (problem, _) = CaseRunner.compare(actual, expected, tol)
    #expect(problem == nil, "\(what): \(problem ?? "")")
}
