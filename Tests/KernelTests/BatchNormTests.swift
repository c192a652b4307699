import Testing
import VAECPU
import VAECompute

/// BatchNorm2d on every backend against the reference: training mode (batch statistics, the saved
/// mean and 1/σ, the running statistics moved by PyTorch's momentum 0.1 with ε 1e-5), evaluation mode,
/// and the backward pass; channels 1/3/odd/64, planes 1 (a flat feature) to 64×64, batches 1 and odd.
enum BatchNormCases {
    /// (batch, channels, plane)
    static let shapes: [(Int, Int, Int)] = [
        (2, 1, 1), (3, 3, 25), (1, 5, 49), (5, 64, 4), (2, 7, 784), (1, 3, 4096), (13, 2, 1), (4, 32, 196),
    ]

    /// Per-channel sums of n terms, then values of order 1: 1e-5 absolute plus √n-sized rounding.
    static func tolerance(_ n: Int) -> Tolerance { .within(2e-5 + 2e-7 * Float(n), relative: 1e-4) }

    static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (index, (batch, channels, plane)) in shapes.enumerated() {
            let seed = UInt64(2000 + 10 * index), features = channels * plane, n = batch * plane
            // Offsets per channel, so a one-pass variance (E[x²] − E[x]²) would lose digits.
            let x = HostTensor(
                [batch, features],
                .floats(
                    TestRandom.uniform(count: batch * features, -1, 1, seed: seed)
                        .enumerated().map { $0.element * 2 + Float(($0.offset / plane) % channels) * 3 }))
            let gamma = HostTensor.uniform([channels], 0.5, 1.5, seed: seed + 1),
                beta = HostTensor.uniform([channels], seed: seed + 2)
            let runningMean = HostTensor.uniform([channels], seed: seed + 3),
                runningVar = HostTensor.uniform([channels], 0.5, 2, seed: seed + 4)
            let activation: Activation = index % 2 == 0 ? .leakyRelu : .identity
            let stats = [HostTensor.unwritten([channels]), .unwritten([channels])]
            if n >= 2 {
                cases.append(
                    KernelCase(
                        "batch_norm train \(activation) \(batch)×\(channels)×\(plane)", inputs: [x, gamma, beta],
                        outputs: [.unwritten([batch, features])] + stats + [runningMean, runningVar],
                        tolerance: tolerance(n)
                    ) { i, o in
                        .batchNorm(
                            x: i[0], gamma: i[1], beta: i[2], y: o[0], mean: o[1], invStd: o[2], runningMean: o[3],
                            runningVar: o[4],
                            plane: plane, momentum: 0.1, epsilon: 1e-5, training: true, activation: activation)
                    })
            }
            cases.append(
                KernelCase(
                    "batch_norm eval \(activation) \(batch)×\(channels)×\(plane)", inputs: [x, gamma, beta],
                    outputs: [.unwritten([batch, features])] + stats + [runningMean, runningVar],
                    tolerance: tolerance(1)
                ) { i, o in
                    .batchNorm(
                        x: i[0], gamma: i[1], beta: i[2], y: o[0], mean: o[1], invStd: o[2], runningMean: o[3],
                        runningVar: o[4],
                        plane: plane, momentum: 0.1, epsilon: 1e-5, training: false, activation: activation)
                })
            // The backward pass from the statistics the reference's training pass saved.
            if n >= 2 {
                let r = ReferenceMath.batchNormTraining(
                    x.data.floats.map(Double.init), gamma: gamma.data.floats.map(Double.init),
                    beta: beta.data.floats.map(Double.init),
                    rows: batch, plane: plane, epsilon: 1e-5, activation: .identity)
                let mean = HostTensor([channels], .floats(r.mean.map { Float($0) }))
                let invStd = HostTensor([channels], .floats(r.invStd.map { Float($0) }))
                let dy = HostTensor.uniform([batch, features], seed: seed + 5)
                cases.append(
                    KernelCase(
                        "batch_norm_backward \(batch)×\(channels)×\(plane)", inputs: [x, dy, gamma, mean, invStd],
                        outputs: [.unwritten([batch, features]), .unwritten([channels]), .unwritten([channels])],
                        tolerance: tolerance(n)
                    ) { i, o in
                        .batchNormBackward(
                            x: i[0], dy: i[1], gamma: i[2], mean: i[3], invStd: i[4], dx: o[0], dgamma: o[1],
                            dbeta: o[2],
                            plane: plane)
                    })
            }
        }
        return cases
    }
}

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
        let x = TestRandom.uniform(count: batch * features, -2, 2, seed: 41),
            r = TestRandom.uniform(count: batch * features, -1, 1, seed: 42)
        let gamma = TestRandom.uniform(count: channels, 0.5, 1.5, seed: 43),
            beta = TestRandom.uniform(count: channels, -0.5, 0.5, seed: 44)
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
