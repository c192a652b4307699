import Testing
import VAECompute
import VAESelfTest

@Suite("reductions")
struct ReductionTests {
    @Test(arguments: ReductionCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }

    /// The same input summed twice on one device gives the same bits: the order is fixed.
    @Test func sumsAreDeterministic() throws {
        for device in try TestDevices.all() {
            let x = try device.tensor(SeededRandom.uniform(count: 50_001, -1, 1, seed: 9), shape: [50_001])
            let a = try device.zeros([1]), b = try device.zeros([1])
            try device.launch(.sum(x: x, out: a, accumulate: false))
            try device.launch(.sum(x: x, out: b, accumulate: false))
            #expect(try device.download(a) == device.download(b), "\(device.info)")
        }
    }
}
