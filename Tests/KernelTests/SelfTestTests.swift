import Foundation
import Testing
import VAECPU
import VAECompute
import VAESelfTest

/// A CPU device that gets some launches wrong on purpose, to show that the sweep notices.
final class SabotagedDevice: ComputeDevice {
    enum Fault {
        /// Adds 1 to the first element a `fill` writes.
        case wrongFill
        /// Overwrites the most recently made tensor after every launch (the runner's last sentinel), as a
        /// kernel writing past its output's end would.
        case outOfBounds
    }

    let inner = CPUDevice(mode: .fast)
    let fault: Fault
    private var made: [Tensor] = []

    init(_ fault: Fault) { self.fault = fault }

    var info: DeviceInfo { inner.info }
    var counters: DeviceCounters { inner.counters }
    func makeTensor(shape: [Int], elementType: ElementType) throws -> Tensor {
        let t = try inner.makeTensor(shape: shape, elementType: elementType)
        made.append(t)
        return t
    }
    func makeTensorGroup(shapes: [[Int]], elementType: ElementType) throws -> TensorGroup {
        try inner.makeTensorGroup(shapes: shapes, elementType: elementType)
    }
    func write(_ bytes: UnsafeRawBufferPointer, to tensor: Tensor) throws { try inner.write(bytes, to: tensor) }
    func read(_ tensor: Tensor, into bytes: UnsafeMutableRawBufferPointer) throws {
        try inner.read(tensor, into: bytes)
    }
    func flush() throws { try inner.flush() }
    func record(_ body: () throws -> Void) throws -> any RecordedWork { try inner.record(body) }
    func run(_ work: any RecordedWork, times: Int) throws { try inner.run(work, times: times) }
    func synchronize() throws { try inner.synchronize() }
    func takeProfile() -> [KernelTiming] { inner.takeProfile() }

    func launch(_ kernel: Kernel) throws {
        try inner.launch(kernel)
        switch fault {
        case .wrongFill:
            guard kernel.name.hasPrefix("fill"), let out = kernel.writes.first else { return }
            var values = try inner.download(out)
            values[0] += 1
            try inner.upload(values, to: out)
        case .outOfBounds:
            guard let last = made.last, last.elementType == .float32 else { return }
            try inner.upload([Float](repeating: 0, count: last.count), to: last)
        }
    }
}

@Suite("selftest")
struct SelfTestTests {
    /// A wrong value is reported against its family only, with where and by how much.
    @Test func aWrongKernelFailsItsFamily() throws {
        let report = try SelfTest.run(
            [SelfTest.Configuration(label: "sabotaged") { SabotagedDevice(.wrongFill) }], cases: UtilityCases.all)
        let fills = UtilityCases.all.filter { $0.family == "fill" }.count
        #expect(fills > 0 && report.failed == fills, "\(report.failed) failed of \(report.outcomes.count)")
        #expect(report.failures.allSatisfy { $0.family == "fill" && $0.worstRatio == .infinity })
        #expect(
            report.failures.first?.problems.first?.contains("elements beyond abs 0.0 rel 0.0; worst at 0") == true,
            "\(report.failures.first?.problems ?? [])")
        let family = try #require(report.families.first { $0.family == "fill" })
        #expect(family.failed == fills && report.families.filter { $0.failed > 0 }.count == 1)
    }

    /// A write outside the outputs hits a sentinel and fails the case even where the outputs are right.
    @Test func anOutOfBoundsWriteIsCaught() throws {
        let cases = Array(ReductionCases.all.prefix(4))
        let report = try SelfTest.run(
            [SelfTest.Configuration(label: "sabotaged") { SabotagedDevice(.outOfBounds) }], cases: cases)
        #expect(report.failed == cases.count)
        #expect(report.failures.allSatisfy { $0.problems.contains { $0.contains("out-of-bounds write") } })
    }

    /// A device that cannot be opened fails every case it would have run, naming why.
    @Test func anUnopenableDeviceFailsItsCases() throws {
        struct Missing: Error, CustomStringConvertible { var description: String { "no such GPU" } }
        let report = try SelfTest.run(
            [
                SelfTest.Configuration(label: "cpu") { CPUDevice(mode: .fast) },
                SelfTest.Configuration(label: "missing", families: ["matmul"]) { throw Missing() },
            ], cases: Array(MatmulCases.all.prefix(3)) + Array(UtilityCases.all.prefix(2)))
        #expect(report.outcomes.count == 5 + 3 && report.failed == 3)
        #expect(report.failures.allSatisfy { $0.device == "missing" && $0.problems[0].contains("no such GPU") })
    }

    /// The comparison's ratio: error over what the tolerance allows.
    @Test func comparisonReportsTheWorstRatio() {
        let tol = Tolerance.within(0.1, relative: 0.1)
        let (ok, ratio) = CaseRunner.compare(.floats([1.1, 2]), .floats([1, 2]), tol)
        #expect(ok == nil && abs(ratio - 0.5) < 1e-5, "\(ratio)")
        let (bad, worse) = CaseRunner.compare(.floats([1, 2.5]), .floats([1, 2]), tol)
        #expect(bad?.contains("1 of 2 elements") == true && abs(worse - 5.0 / 3) < 1e-5)
        #expect(CaseRunner.compare(.floats([.nan]), .floats([1]), tol).problem != nil)
        #expect(CaseRunner.compare(.floats([.nan]), .floats([.nan]), tol).problem == nil)
        #expect(CaseRunner.compare(.words([1]), .words([2]), .exact).worstRatio == .infinity)
    }
}
