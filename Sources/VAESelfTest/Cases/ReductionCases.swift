import Foundation
import VAECPU
import VAECompute

/// (rows, columns): 1, odd, around the 64-wide reduction workgroup, and the reference model's.
public let matrixShapes = [(1, 1), (1, 9), (9, 1), (3, 7), (5, 65), (2, 1025), (128, 20), (128, 784)]

public enum ReductionCases {
    public static var all: [KernelCase] {
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
