import Testing
import VAECPU
import VAECompute
import VAESelfTest

@Suite("batch norm")
struct BatchNormTests {
    @Test(arguments: BatchNormCases.all)
    func matchesReference(_ c: KernelCase) throws {
        try check(c)
    }

    /// L = Σ r ⊙ leaky_relu(BatchNorm2d(x)) in training mode (the batch statistics depend on x):
    /// batch_norm_backward gives dL/dx, dL/dγ and dL/dβ, against finite differences of the reference.
    @Test(arguments: [(3, 2, 5), (2, 3, 1), (1, 2, 9)])
    func backwardMatchesFiniteDifferences(batch: Int, channels: Int, plane: Int) throws {
        let features = channels * plane
        let x = SeededRandom.uniform(count: batch * features, -2, 2, seed: 41),
            r = SeededRandom.uniform(count: batch * features, -1, 1, seed: 42)
        let gamma = SeededRandom.uniform(count: channels, 0.5, 1.5, seed: 43),
            beta = SeededRandom.uniform(count: channels, -0.5, 0.5, seed: 44)
        func loss(_ x: [Double], _ g: [Double], _ b: [Double]) -> Double {
            let y = ReferenceMath.batchNormTraining(
                x, gamma: g, beta: b, rows: batch, plane: plane, epsilon: 1e-5, activation: .leakyRelu
            ).y
            return zip(y, r).reduce(0) { $0 + $1.0 * Double($1.1) }
        }
        let (xd, gd, bd) = (GradientTests.doubles(x), GradientTests.doubles(gamma), GradientTests.doubles(beta))
        let dx = GradientTests.finiteDifference(xd) { loss($0, gd, bd) }
        let dg = GradientTests.finiteDifference(gd) { loss(xd, $0, bd) }
        let db = GradientTests.finiteDifference(bd) { loss(xd, gd, $0) }
        for device in try TestDevices.all() {
            let xt = try device.tensor(x, shape: [batch, features]),
                rt = try device.tensor(r, shape: [batch, features])
            let gt = try device.tensor(gamma, shape: [channels]), bt = try device.tensor(beta, shape: [channels])
            let y = try device.zeros([batch, features]), dz = try device.zeros([batch, features]),
                dxt = try device.zeros([batch, features])
            let mean = try device.zeros([channels]), invStd = try device.zeros([channels])
            let rm = try device.zeros([channels]),
                rv = try device.tensor([Float](repeating: 1, count: channels), shape: [channels])
            let dgt = try device.zeros([channels]), dbt = try device.zeros([channels])
            try device.launch(
                .batchNorm(
                    x: xt, gamma: gt, beta: bt, y: y, mean: mean, invStd: invStd, runningMean: rm, runningVar: rv,
                    plane: plane, momentum: 0.1, epsilon: 1e-5, training: true, activation: .leakyRelu))
            try device.launch(.activationBackward(.leakyRelu, y: y, dy: rt, dx: dz))
            try device.launch(
                .batchNormBackward(
                    x: xt, dy: dz, gamma: gt, mean: mean, invStd: invStd, dx: dxt, dgamma: dgt, dbeta: dbt,
                    plane: plane))
            // Normalization divides by σ of a few values: 1e-4 absolute on top of the usual tolerance.
            let tolerance = Tolerance.within(1e-4, relative: 1e-4)
            compare(
                .floats(try device.download(dxt)), .floats(GradientTests.floats(dx)), tolerance,
                "batch norm dx on \(device.info)")
            compare(
                .floats(try device.download(dgt)), .floats(GradientTests.floats(dg)), tolerance,
                "batch norm dγ on \(device.info)")
            compare(
                .floats(try device.download(dbt)), .floats(GradientTests.floats(db)), tolerance,
                "batch norm dβ on \(device.info)")
        }
    }

    /// A single value per channel cannot be normalized in training mode (PyTorch refuses it too).
    @Test func oneValuePerChannelIsRefusedInTraining() throws {
        for device in try TestDevices.all() {
            let x = try device.zeros([1, 3]), c = try device.zeros([3])
            #expect(throws: ComputeError.self) {
                try device.launch(
                    .batchNorm(
                        x: x, gamma: c, beta: c, y: x, mean: c, invStd: c, runningMean: c, runningVar: c, plane: 1,
                        momentum: 0.1, epsilon: 1e-5, training: true, activation: .identity))
            }
        }
    }
}
