import Testing
import VAECompute
import VAESelfTest

@Suite("optimizer")
struct OptimizerTests {
    @Test(arguments: OptimizerCases.all)
    func adamMatchesReference(_ c: KernelCase) throws { try check(c) }

    @Test func advanceStepIncrementsTheCounter() throws {
        try check(
            KernelCase("advance_step", inputs: [], outputs: [HostTensor([2], .words([41, 7]))], tolerance: .exact) {
                _, o in
                [.advanceStep(schedule: o[0]), .advanceStep(schedule: o[0])]
            })
    }
}
