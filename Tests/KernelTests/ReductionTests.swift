import Testing
import VAECompute

/// (rows, columns): 1, odd, around the 64-wide reduction workgroup, and the reference model's.
let matrixShapes = [(1, 1), (1, 9), (9, 1), (3, 7), (5, 65), (2, 1025), (128, 20), (128, 784)]

enum ReductionCases {
    static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (r, c) in matrixShapes {
            let x = HostTensor.uniform([r, c], seed: UInt64(r * 1000 + c))
            // Float sums of n terms in [-1, 1] in a different order than the reference: 1e-6·n absolute.
            let tol = Tolerance.within(1e-6 * Float(max(r, c)) + 1e-6, relative: 1e-5)
            cases.append(
                KernelCase("column_sum \(r)x\(c)", inputs: [x], outputs: [.unwritten([c])], tolerance: tol) { i, o in
                    .columnSum(x: i[0], out: o[0], accumulate: false)
                })
            cases.append(
                KernelCase("column_sum += \(r)x\(c)", inputs: [x], outputs: [.uniform([c], seed: 5)], tolerance: tol) {
                    i, o in
                    .columnSum(x: i[0], out: o[0], accumulate: true)
                })
            cases.append(
                KernelCase("row_sum \(r)x\(c)", inputs: [x], outputs: [.unwritten([r])], tolerance: tol) { i, o in
                    .rowSum(x: i[0], out: o[0])
                })
        }
        for n in elementCounts + [70_000] {
            let tol = Tolerance.within(2e-6 * Float(n).squareRoot() * 10 + 1e-6, relative: 1e-5)
            cases.append(
                KernelCase(
                    "sum n=\(n)", inputs: [.uniform([n], seed: UInt64(n))], outputs: [.unwritten([1])], tolerance: tol
                ) { i, o in
                    .sum(x: i[0], out: o[0], accumulate: false)
                })
            cases.append(
                KernelCase(
                    "sum += n=\(n)", inputs: [.uniform([n], seed: UInt64(n))], outputs: [.filled([1], 3.5)],
                    tolerance: tol
                ) { i, o in
                    .sum(x: i[0], out: o[0], accumulate: true)
                })
        }
        return cases
    }
}

@Suite("reductions")
struct ReductionTests {
    @Test(arguments: ReductionCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }

    /// The same input summed twice on one device gives the same bits: the order is fixed.
    @Test func sumsAreDeterministic() throws {
        for device in try TestDevices.all() {
            let x = try device.tensor(TestRandom.uniform(count: 50_001, -1, 1, seed: 9), shape: [50_001])
            let a = try device.zeros([1]), b = try device.zeros([1])
            try device.launch(.sum(x: x, out: a, accumulate: false))
            try device.launch(.sum(x: x, out: b, accumulate: false))
            #expect(try device.download(a) == device.download(b), "\(device.info)")
        }
    }
}
