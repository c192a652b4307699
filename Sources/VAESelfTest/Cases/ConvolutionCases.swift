import Foundation
import VAECPU
import VAECompute

/// The convolution kernels on every backend against the reference, over the sweep the conv models need
/// and the odd shapes that break index arithmetic: kernels 1/3/4/5, strides 1/2, padding 0/1/2,
/// channels 1/3/odd/64, images of 1×1, 2×2, odd and non-square, 7, 28 and 64 on a side, batches of 1
/// and odd, and the layers of the conv28 and conv64 presets.
public enum ConvolutionCases {
    /// (geometry, batch)
    public static let shapes: [(ConvGeometry, Int)] = [
        (ConvGeometry(inputChannels: 1, inputHeight: 1, inputWidth: 1, outputChannels: 1, kernel: 1), 1),
        (
            ConvGeometry(
                inputChannels: 3, inputHeight: 5, inputWidth: 5, outputChannels: 4, kernel: 3, stride: 1, padding: 1), 3
        ),
        (
            ConvGeometry(
                inputChannels: 2, inputHeight: 7, inputWidth: 7, outputChannels: 5, kernel: 4, stride: 2, padding: 1), 1
        ),
        (
            ConvGeometry(
                inputChannels: 5, inputHeight: 9, inputWidth: 11, outputChannels: 3, kernel: 5, stride: 2, padding: 2),
            3
        ),
        (
            ConvGeometry(
                inputChannels: 64, inputHeight: 4, inputWidth: 4, outputChannels: 7, kernel: 3, stride: 1, padding: 0),
            5
        ),
        (
            ConvGeometry(
                inputChannels: 3, inputHeight: 8, inputWidth: 6, outputChannels: 2, kernel: 1, stride: 2, padding: 0), 2
        ),
        (
            ConvGeometry(
                inputChannels: 7, inputHeight: 13, inputWidth: 13, outputChannels: 9, kernel: 4, stride: 1, padding: 2),
            3
        ),
        (
            ConvGeometry(
                inputChannels: 4, inputHeight: 2, inputWidth: 2, outputChannels: 3, kernel: 3, stride: 1, padding: 1), 1
        ),
        (
            ConvGeometry(
                inputChannels: 3, inputHeight: 5, inputWidth: 4, outputChannels: 2, kernelHeight: 3, kernelWidth: 2,
                stride: 2, padding: 1), 3
        ),
        // conv28: both encoder layers (their transposes are the decoder's).
        (
            ConvGeometry(
                inputChannels: 1, inputHeight: 28, inputWidth: 28, outputChannels: 32, kernel: 4, stride: 2, padding: 1),
            3
        ),
        (
            ConvGeometry(
                inputChannels: 32, inputHeight: 14, inputWidth: 14, outputChannels: 64, kernel: 4, stride: 2, padding: 1
            ), 2
        ),
        // conv64: the first encoder layer, and a decoder layer with output_padding 1 (2×2 → 4×4).
        (
            ConvGeometry(
                inputChannels: 3, inputHeight: 64, inputWidth: 64, outputChannels: 8, kernel: 3, stride: 2, padding: 1),
            1
        ),
        (
            ConvGeometry.transposed(
                inputChannels: 64, height: 2, width: 2, outputChannels: 32, kernel: 3, stride: 2, padding: 1,
                outputPadding: 1), 3
        ),
    ]

    /// Float32 sums of `terms` products of values in [−1, 1]: rounding grows like √terms ulps; 1e-5·terms bounds it with margin.
    public static func tolerance(_ terms: Int) -> Tolerance {
        .within(1e-5 * Float(max(terms, 1)) + 1e-6, relative: 1e-5)
    }

    public static func label(_ g: ConvGeometry, _ batch: Int) -> String { "\(batch)× \(g)" }

    /// The families that run as implicit GEMMs on the shared-memory tiles where products do (GPUs).
    public static let tiledFamilies = ["conv2d", "conv_transpose2d", "conv2d_weight_gradient"]

    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (index, (g, batch)) in shapes.enumerated() {
            let seed = UInt64(1000 + 10 * index)
            let x = HostTensor.uniform([batch, g.inputFeatures], seed: seed),
                w = HostTensor.uniform(g.weightShape, seed: seed + 1)
            let dy = HostTensor.uniform([batch, g.outputFeatures], seed: seed + 2)
            let outBias = HostTensor.uniform([g.outputChannels], seed: seed + 3),
                inBias = HostTensor.uniform([g.inputChannels], seed: seed + 4)
            let activation: Activation = index % 2 == 0 ? .relu : .leakyRelu
            cases.append(
                KernelCase(
                    "conv2d +bias \(activation) \(label(g, batch))", inputs: [x, w, outBias],
                    outputs: [.unwritten([batch, g.outputFeatures])], tolerance: tolerance(g.reduction)
                ) { i, o in
                    .conv2d(x: i[0], weight: i[1], bias: i[2], y: o[0], geometry: g, activation: activation)
                })
            cases.append(
                KernelCase(
                    "conv2d \(label(g, batch))", inputs: [x, w], outputs: [.unwritten([batch, g.outputFeatures])],
                    tolerance: tolerance(g.reduction)
                ) { i, o in
                    .conv2d(x: i[0], weight: i[1], bias: nil, y: o[0], geometry: g, activation: .identity)
                })
            let transposedTerms = g.outputChannels * g.kernelHeight * g.kernelWidth
            cases.append(
                KernelCase(
                    "conv_transpose2d +bias \(activation) \(label(g, batch))", inputs: [dy, w, inBias],
                    outputs: [.unwritten([batch, g.inputFeatures])], tolerance: tolerance(transposedTerms)
                ) { i, o in
                    .convTranspose2d(x: i[0], weight: i[1], bias: i[2], y: o[0], geometry: g, activation: activation)
                })
            cases.append(
                KernelCase(
                    "conv_transpose2d \(label(g, batch))", inputs: [dy, w],
                    outputs: [.unwritten([batch, g.inputFeatures])],
                    tolerance: tolerance(transposedTerms)
                ) { i, o in
                    .convTranspose2d(x: i[0], weight: i[1], bias: nil, y: o[0], geometry: g, activation: .identity)
                })
            cases.append(
                KernelCase(
                    "conv2d_weight_gradient \(label(g, batch))", inputs: [x, dy], outputs: [.unwritten(g.weightShape)],
                    tolerance: tolerance(batch * g.outputHeight * g.outputWidth)
                ) { i, o in
                    .conv2dWeightGradient(x: i[0], dy: i[1], dweight: o[0], geometry: g)
                })
            let plane = g.outputHeight * g.outputWidth
            cases.append(
                KernelCase(
                    "channel_sum \(batch)×\(g.outputChannels)×\(plane)", inputs: [dy],
                    outputs: [.unwritten([g.outputChannels])],
                    tolerance: tolerance(batch * plane)
                ) { i, o in
                    .channelSum(x: i[0], out: o[0], plane: plane)
                })
        }
        return cases
    }
}
