import Foundation
import VAECPU
import VAECompute

/// BatchNorm2d on every backend against the reference: training mode (batch statistics, the saved
/// mean and 1/σ, the running statistics moved by PyTorch's momentum 0.1 with ε 1e-5), evaluation mode,
/// and the backward pass; channels 1/3/odd/64, planes 1 (a flat feature) to 64×64, batches 1 and odd.
public enum BatchNormCases {
    /// (batch, channels, plane)
    public static let shapes: [(Int, Int, Int)] = [
        (2, 1, 1), (3, 3, 25), (1, 5, 49), (5, 64, 4), (2, 7, 784), (1, 3, 4096), (13, 2, 1), (4, 32, 196),
    ]

    /// Per-channel sums of n terms, then values of order 1: 1e-5 absolute plus √n-sized rounding.
    public static func tolerance(_ n: Int) -> Tolerance { .within(2e-5 + 2e-7 * Float(n), relative: 1e-4) }

    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (index, (batch, channels, plane)) in shapes.enumerated() {
            let seed = UInt64(2000 + 10 * index), features = channels * plane, n = batch * plane
            // Offsets per channel, so a one-pass variance (E[x²] − E[x]²) would lose digits.
            let x = HostTensor(
                [batch, features],
                .floats(
                    SeededRandom.uniform(count: batch * features, -1, 1, seed: seed)
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
