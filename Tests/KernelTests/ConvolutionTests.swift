import Testing
import VAECPU
import VAECompute
import VAESelfTest

@testable import VAEVulkan

@Suite("convolution")
struct ConvolutionTests {
    @Test(arguments: ConvolutionCases.all)
    func matchesReference(_ c: KernelCase) throws {
        try check(c)
    }

    /// A full conv28 batch of the second encoder layer, where the fast path groups images and splits
    /// them over threads (the small cases above run one group on one thread).
    @Test func realisticBatchOnTheFastPath() throws {
        let g = ConvolutionCases.shapes[10].0, batch = 37
        let x = HostTensor.uniform([batch, g.inputFeatures], seed: 5), w = HostTensor.uniform(g.weightShape, seed: 6)
        let dy = HostTensor.uniform([batch, g.outputFeatures], seed: 7),
            bias = HostTensor.uniform([g.outputChannels], seed: 8)
        let devices: [any ComputeDevice] = [CPUDevice(mode: .fast), CPUDevice(mode: .fast, matrixEngine: .openblas)]
        try check(
            KernelCase(
                "conv2d batch 37", inputs: [x, w, bias], outputs: [.unwritten([batch, g.outputFeatures])],
                tolerance: ConvolutionCases.tolerance(g.reduction)
            ) { i, o in
                .conv2d(x: i[0], weight: i[1], bias: i[2], y: o[0], geometry: g, activation: .relu)
            }, devices: devices)
        try check(
            KernelCase(
                "conv_transpose2d batch 37", inputs: [dy, w], outputs: [.unwritten([batch, g.inputFeatures])],
                tolerance: ConvolutionCases.tolerance(g.outputChannels * 16)
            ) { i, o in
                .convTranspose2d(x: i[0], weight: i[1], bias: nil, y: o[0], geometry: g, activation: .identity)
            }, devices: devices)
        try check(
            KernelCase(
                "conv2d_weight_gradient batch 37", inputs: [x, dy], outputs: [.unwritten(g.weightShape)],
                tolerance: ConvolutionCases.tolerance(batch * 49)
            ) { i, o in
                .conv2dWeightGradient(x: i[0], dy: i[1], dweight: o[0], geometry: g)
            }, devices: devices)
    }

    /// The convolutions as implicit GEMMs on every shared-memory preset (the GPUs' path; split-K forced on
    /// the weight gradient by the split presets): every case of the sweep, its odd shapes straddling the
    /// tiles, under the validation layer.
    @Test(arguments: MatmulVariant.tiled + MatmulVariant.split)
    func tiledConvolutionsMatchTheReference(_ variant: MatmulVariant) throws {
        let device = try TestDevices.vulkan(matmul: variant)
        for c in ConvolutionCases.all where c.family != "channel_sum" { try check(c, devices: [device]) }
        #expect(device.validationMessages.isEmpty, "\(device.validationMessages.prefix(3))")
    }

    /// Which shader each convolution runs: a device planned as CPU-emulated (lavapipe's own choice) and the
    /// forced unstaged presets keep the direct kernels; a device planned as a GPU, a shared-memory preset or
    /// `.tiled` takes the tiles, split along k for the weight gradient only (its C is a plain matrix);
    /// `.direct` wins over a preset. Every device is planned explicitly, so this holds on any driver.
    @Test func theTilesAreChosenWhereProductsRunOnThem() throws {
        let g = ConvolutionCases.shapes[10].0, batch = 2
        func shaders(_ options: VulkanDevice.Options) throws -> [[String]] {
            let device = try VulkanDevice(options)
            let x = try device.zeros([batch, g.inputFeatures]), w = try device.zeros(g.weightShape)
            let y = try device.zeros([batch, g.outputFeatures])
            return try [
                Kernel.conv2d(x: x, weight: w, bias: nil, y: y, geometry: g, activation: .identity),
                .convTranspose2d(x: y, weight: w, bias: nil, y: x, geometry: g, activation: .identity),
                .conv2dWeightGradient(x: x, dy: y, dweight: w, geometry: g),
            ].map { kernel in
                let plan = try VulkanKernelPlan(kernel, device: device)
                return [plan.shader] + plan.then.map(\.shader)
            }
        }
        func planned(_ kind: DeviceKind, _ matmul: MatmulVariant? = nil) -> VulkanDevice.Options {
            var options = VulkanDevice.Options(matmul: matmul)
            options.planAs = PlanningProfile(kind: kind, computeUnits: 8)
            return options
        }
        let direct = [["conv2d"], ["conv_transpose2d"], ["conv2d_weight_gradient"]]
        #expect(try shaders(planned(.cpu)) == direct)
        #expect(try shaders(planned(.discreteGPU, .blocked4x4)) == direct)
        let tiled = [["conv_tiled"], ["conv_tiled"], ["conv_tiled"]]
        #expect(try shaders(planned(.discreteGPU)) == tiled)
        #expect(try shaders(planned(.cpu, .tiled64)) == tiled)
        var forced = planned(.cpu)
        forced.convolutions = .tiled
        #expect(try shaders(forced) == tiled)
        #expect(
            try shaders(.init(matmul: .tiled32.splitting(3)))
                == [["conv_tiled"], ["conv_tiled"], ["conv_tiled", "matmul_split_sum"]])
        forced = planned(.discreteGPU, .tiled64)
        forced.convolutions = .direct
        #expect(try shaders(forced) == direct)
        // More column tiles than one dispatch dimension may hold (65,536 of 64: 2048² positions): the direct
        // kernel, whose grid can spread over two dimensions.
        let device = try VulkanDevice(.init(matmul: .tiled64))
        let wide = ConvGeometry(inputChannels: 1, inputHeight: 2048, inputWidth: 2048, outputChannels: 1, kernel: 1)
        let image = try device.zeros([1, wide.inputFeatures]), out = try device.zeros([1, wide.outputFeatures])
        let plan = try VulkanKernelPlan(
            .conv2d(
                x: image, weight: try device.zeros(wide.weightShape), bias: nil, y: out, geometry: wide,
                activation: .identity), device: device)
        #expect(plan.shader == "conv2d")
    }

    /// Operands that do not fit the geometry are refused before any work, on every backend.
    @Test func mismatchedShapesAreRefused() throws {
        let g = ConvGeometry(
            inputChannels: 2, inputHeight: 5, inputWidth: 5, outputChannels: 3, kernel: 3, stride: 2, padding: 1)
        for device in try TestDevices.all() {
            let x = try device.zeros([2, g.inputFeatures]), w = try device.zeros(g.weightShape),
                y = try device.zeros([2, g.outputFeatures])
            let wrongY = try device.zeros([2, g.outputFeatures + 1]),
                wrongBatch = try device.zeros([3, g.outputFeatures])
            let wrongBias = try device.zeros([g.inputChannels])
            for bad: Kernel in [
                .conv2d(x: x, weight: w, bias: nil, y: wrongY, geometry: g, activation: .identity),
                .conv2d(x: x, weight: w, bias: nil, y: wrongBatch, geometry: g, activation: .identity),
                .conv2d(x: x, weight: w, bias: wrongBias, y: y, geometry: g, activation: .identity),
                .conv2d(x: x, weight: wrongBias, bias: nil, y: y, geometry: g, activation: .identity),
                .convTranspose2d(x: x, weight: w, bias: nil, y: y, geometry: g, activation: .identity),
                .conv2dWeightGradient(x: x, dy: wrongY, dweight: w, geometry: g),
                .channelSum(x: y, out: wrongBias, plane: 9),
                .conv2d(
                    x: x, weight: w, bias: nil, y: y,
                    geometry: ConvGeometry(
                        inputChannels: 2, inputHeight: 5, inputWidth: 5, outputChannels: 3,
                        kernel: 3, stride: 0, padding: 1), activation: .identity),
                .conv2d(
                    x: x, weight: w, bias: nil, y: y,
                    geometry: ConvGeometry(
                        inputChannels: 2, inputHeight: 1, inputWidth: 1, outputChannels: 3,
                        kernel: 5, stride: 1, padding: 1), activation: .identity),
            ] {
                #expect(throws: ComputeError.self, "\(bad.name) on \(device.info)") { try device.launch(bad) }
            }
        }
    }

    /// The output size relation matches PyTorch's Conv2d and ConvTranspose2d (values from their formulas).
    @Test func geometryFollowsPyTorch() {
        let conv = ConvGeometry(
            inputChannels: 1, inputHeight: 28, inputWidth: 28, outputChannels: 32, kernel: 4, stride: 2, padding: 1)
        #expect(conv.outputHeight == 14 && conv.outputWidth == 14)
        let up = ConvGeometry.transposed(
            inputChannels: 64, height: 7, width: 7, outputChannels: 32, kernel: 4, stride: 2, padding: 1,
            outputPadding: 0)
        #expect(up.inputHeight == 14 && up.outputHeight == 7 && up.inputChannels == 32 && up.outputChannels == 64)
        // VanillaVAE's decoder: ConvTranspose2d(k=3, s=2, p=1, output_padding=1) doubles the side.
        let double = ConvGeometry.transposed(
            inputChannels: 512, height: 2, width: 2, outputChannels: 256, kernel: 3, stride: 2, padding: 1,
            outputPadding: 1)
        #expect(double.inputHeight == 4 && double.outputHeight == 2)
        #expect(
            ConvGeometry(
                inputChannels: 1, inputHeight: 9, inputWidth: 9, outputChannels: 1, kernel: 5, stride: 2, padding: 2
            ).outputHeight == 5)
    }
}

/// Finite differences of the reference forward convolutions against every backend's backward kernels.
@Suite("convolution gradients")
struct ConvolutionGradientTests {
    /// L = Σ r ⊙ relu(conv2d(x, w) + b): conv_transpose2d gives dL/dx, conv2d_weight_gradient dL/dw and
    /// channel_sum dL/db from the gradient at the pre-activation.
    @Test(arguments: [
        ConvGeometry(
            inputChannels: 2, inputHeight: 5, inputWidth: 4, outputChannels: 3, kernel: 3, stride: 2, padding: 1),
        ConvGeometry(
            inputChannels: 1, inputHeight: 6, inputWidth: 6, outputChannels: 2, kernel: 4, stride: 2, padding: 1),
        ConvGeometry(
            inputChannels: 3, inputHeight: 4, inputWidth: 4, outputChannels: 2, kernel: 1, stride: 1, padding: 0),
    ])
    func conv2dBackward(_ g: ConvGeometry) throws {
        let batch = 2
        let x = GradientTests.awayFromZero(batch * g.inputFeatures, seed: 21),
            w = SeededRandom.uniform(count: g.weightShape.reduce(1, *), -1, 1, seed: 22)
        let b = SeededRandom.uniform(count: g.outputChannels, -0.5, 0.5, seed: 23),
            r = SeededRandom.uniform(count: batch * g.outputFeatures, -1, 1, seed: 24)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            zip(ReferenceMath.conv2d(x, weight: w, bias: b, batch: batch, g, activation: .relu), r).reduce(0) {
                $0 + $1.0 * Double($1.1)
            }
        }
        let (xd, wd, bd) = (GradientTests.doubles(x), GradientTests.doubles(w), GradientTests.doubles(b))
        let dx = GradientTests.finiteDifference(xd) { loss($0, wd, bd) }
        let dw = GradientTests.finiteDifference(wd) { loss(xd, $0, bd) }
        let db = GradientTests.finiteDifference(bd) { loss(xd, wd, $0) }
        let plane = g.outputHeight * g.outputWidth
        for device in try TestDevices.all() {
            let xt = try device.tensor(x, shape: [batch, g.inputFeatures]),
                wt = try device.tensor(w, shape: g.weightShape)
            let bt = try device.tensor(b, shape: [g.outputChannels]),
                rt = try device.tensor(r, shape: [batch, g.outputFeatures])
            let y = try device.zeros([batch, g.outputFeatures]), dz = try device.zeros([batch, g.outputFeatures])
            let dxt = try device.zeros([batch, g.inputFeatures]), dwt = try device.zeros(g.weightShape),
                dbt = try device.zeros([g.outputChannels])
            try device.launch(.conv2d(x: xt, weight: wt, bias: bt, y: y, geometry: g, activation: .relu))
            try device.launch(.activationBackward(.relu, y: y, dy: rt, dx: dz))
            try device.launch(
                .convTranspose2d(x: dz, weight: wt, bias: nil, y: dxt, geometry: g, activation: .identity))
            try device.launch(.conv2dWeightGradient(x: xt, dy: dz, dweight: dwt, geometry: g))
            try device.launch(.channelSum(x: dz, out: dbt, plane: plane))
            compare(
                .floats(try device.download(dxt)), .floats(GradientTests.floats(dx)), GradientTests.tolerance,
                "conv2d dx \(g) on \(device.info)")
            compare(
                .floats(try device.download(dwt)), .floats(GradientTests.floats(dw)), GradientTests.tolerance,
                "conv2d dw \(g) on \(device.info)")
            compare(
                .floats(try device.download(dbt)), .floats(GradientTests.floats(db)), GradientTests.tolerance,
                "conv2d db \(g) on \(device.info)")
        }
    }

    /// L = Σ r ⊙ conv_transpose2d(x, w) + b, a ConvTranspose2d layer with output padding: conv2d gives
    /// dL/dx, conv2d_weight_gradient with its operands swapped dL/dw, channel_sum dL/db.
    @Test(arguments: [
        ConvGeometry.transposed(
            inputChannels: 3, height: 3, width: 2, outputChannels: 2, kernel: 3, stride: 2, padding: 1, outputPadding: 1
        ),
        ConvGeometry.transposed(
            inputChannels: 2, height: 3, width: 3, outputChannels: 1, kernel: 4, stride: 2, padding: 1, outputPadding: 0
        ),
    ])
    func convTranspose2dBackward(_ g: ConvGeometry) throws {
        let batch = 2
        let x = SeededRandom.uniform(count: batch * g.outputFeatures, -1, 1, seed: 31),
            w = SeededRandom.uniform(count: g.weightShape.reduce(1, *), -1, 1, seed: 32)
        let b = SeededRandom.uniform(count: g.inputChannels, -0.5, 0.5, seed: 33),
            r = SeededRandom.uniform(count: batch * g.inputFeatures, -1, 1, seed: 34)
        func loss(_ x: [Double], _ w: [Double], _ b: [Double]) -> Double {
            zip(ReferenceMath.convTranspose2d(x, weight: w, bias: b, batch: batch, g, activation: .identity), r).reduce(
                0
            ) { $0 + $1.0 * Double($1.1) }
        }
        let (xd, wd, bd) = (GradientTests.doubles(x), GradientTests.doubles(w), GradientTests.doubles(b))
        let dx = GradientTests.finiteDifference(xd) { loss($0, wd, bd) }
        let dw = GradientTests.finiteDifference(wd) { loss(xd, $0, bd) }
        let db = GradientTests.finiteDifference(bd) { loss(xd, wd, $0) }
        for device in try TestDevices.all() {
            let rt = try device.tensor(r, shape: [batch, g.inputFeatures]),
                xt = try device.tensor(x, shape: [batch, g.outputFeatures])
            let wt = try device.tensor(w, shape: g.weightShape)
            let dxt = try device.zeros([batch, g.outputFeatures]), dwt = try device.zeros(g.weightShape),
                dbt = try device.zeros([g.inputChannels])
            try device.launch(.conv2d(x: rt, weight: wt, bias: nil, y: dxt, geometry: g, activation: .identity))
            try device.launch(.conv2dWeightGradient(x: rt, dy: xt, dweight: dwt, geometry: g))
            try device.launch(.channelSum(x: rt, out: dbt, plane: g.inputHeight * g.inputWidth))
            compare(
                .floats(try device.download(dxt)), .floats(GradientTests.floats(dx)), GradientTests.tolerance,
                "convT dx \(g) on \(device.info)")
            compare(
                .floats(try device.download(dwt)), .floats(GradientTests.floats(dw)), GradientTests.tolerance,
                "convT dw \(g) on \(device.info)")
            compare(
                .floats(try device.download(dbt)), .floats(GradientTests.floats(db)), GradientTests.tolerance,
                "convT db \(g) on \(device.info)")
        }
    }
}
