import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE
@testable import VAEVulkan

/// The bundled MNIST, read once per process.
enum Fixtures {
    /// The package's root directory.
    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static let mnist: TrainingData = try! TrainingData.load(root + "/" + MNIST.bundledDirectory)
}

enum VulkanTestDevice {
    /// Vulkan (lavapipe on machines without a GPU) with validation on, compiling each pipeline once per test
    /// process (the pipeline cache folder the CLI tests' children use too); `planAs` plans it as another
    /// kind of device (see `PlanningProfile`).
    static func make(planAs: PlanningProfile? = nil) throws -> VulkanDevice {
        var options = VulkanDevice.Options(validation: true)
        options.pipelineCacheDirectory = testPipelineCache
        options.planAs = planAs
        return try VulkanDevice(options)
    }
}

@Suite("training")
struct TrainingTests {
    /// A small model trained from the same seed on the CPU and on Vulkan sees the same noise (Philox) and
    /// the same minibatches, so losses and parameters agree to float rounding after several steps: with the
    /// device planned as its driver says, and as a GPU of many compute units (shared-memory tiles, products
    /// split along k: the kernels a GPU would run, here on whatever device the suite has).
    @Test(arguments: [nil, PlanningProfile(kind: .discreteGPU, computeUnits: 132)])
    func cpuAndVulkanTrainTheSameModel(planAs: PlanningProfile?) throws {
        let config = VAEConfiguration(inputSize: 784, hidden: [32], latent: 4)
        var options = TrainingOptions()
        options.batchSize = 16
        options.logInterval = 1
        let train = Fixtures.mnist.train.prefix(80), test = Fixtures.mnist.test.prefix(20)
        var results: [(LossSummary, LossSummary, [Float])] = []
        let vulkan = try VulkanTestDevice.make(planAs: planAs)
        if planAs != nil {
            // The plan is the GPU's: fc1's forward (16×32, k 784) on 32-wide tiles, split along k.
            let a = try vulkan.zeros([16, 784]), b = try vulkan.zeros([32, 784]), c = try vulkan.zeros([16, 32])
            let plan = try VulkanKernelPlan(
                .matmul(
                    a: a, b: b, c: c, transposeA: false, transposeB: true, bias: nil, activation: .relu,
                    accumulate: false), device: vulkan)
            #expect(plan.shader == "matmul_tiled" && plan.then.map(\.shader) == ["matmul_split_sum"])
        }
        for device in [CPUDevice(mode: .fast), vulkan] as [any ComputeDevice] {
            let model = try VAEModel(config, device: device, seed: 7)
            let trainer = try Trainer(model: model, train: train, test: test, options: options)
            var losses: [LossSummary] = []
            for epoch in 1...2 { losses.append(try trainer.trainEpoch(epoch)) }
            results.append(
                (losses[1], try trainer.evaluateTestSet(), try device.download(model.layer(.encoder(0)).weight.value)))
        }
        let (cpu, gpu) = (results[0], results[1])
        for (a, b) in [(cpu.0, gpu.0), (cpu.1, gpu.1)] {
            #expect(abs(a.loss - b.loss) <= 1e-3 * abs(a.loss), "loss \(a.loss) vs \(b.loss)")
            #expect(abs(a.kl - b.kl) <= 1e-3 * abs(a.kl) + 1e-3, "kl \(a.kl) vs \(b.kl)")
        }
        // After 10 Adam steps of size ~1e-3, parameters agree to well under one step.
        let maxDiff = zip(cpu.2, gpu.2).map { abs($0 - $1) }.max() ?? 0
        #expect(maxDiff < 1e-4, "largest weight difference \(maxDiff)")
        #expect(vulkan.validationMessages.isEmpty, "\(vulkan.validationMessages.prefix(3))")
    }

    /// The default `vae train` (784-400-20, batch 128, seed 1, full MNIST) keeps its epoch-1 losses: the same
    /// initialization streams, launches and order. On a CPU with AVX-512 every product runs on our own kernel
    /// (`VAE_CPU_GEMM=avx512`), which rounds the same on every such CPU: the automatic choice sends the
    /// latent-sized products to OpenBLAS, whose kernels differ per CPU model (an AMD EPYC with AVX-512 and an
    /// Intel one differ in the fourth decimal), so it is not pinned. Elsewhere OpenBLAS is all there is; its
    /// figure holds to 2e-3, still far below what a changed stream or wiring moves.
    ///
    /// Re-pinned when the two heads became one layer (`VAE_CPU_GEMM=avx512 vae train --epochs 1 --device
    /// cpu`; the OpenBLAS figure with `VAE_CPU_GEMM=openblas OPENBLAS_CORETYPE=Haswell`, and `Zen`, which agree:
    /// the kernels of a CPU without AVX-512). The gradient at the heads' input is now one sum over 2Z terms
    /// where it was Z terms plus Z more, so every step rounds differently: the test loss moved by 0.035,
    /// against 0.075 between the AVX-512 kernel and OpenBLAS on the same code, and both the initial values
    /// (`theHeadsAreOneLayerButTwoCheckpointLayers`) and the gradients (`ModelGradientTests`) are unchanged.
    /// The OpenBLAS figure is re-measured and held on every machine with AVX2, this one included, by
    /// `theOpenBLASPinHoldsOnOpenBLASsKernels` (a child process with those two variables set).
    @Test(.disabled(if: runningUnderSanitizer != nil, "a pinned figure: checked by the plain suite"))
    func defaultRunKeepsItsEpochOneLosses() throws {
        let avx512 = CPUDevice.hasAVX512
        let device = CPUDevice(mode: .fast, matrixEngine: avx512 ? .avx512 : .automatic)
        let model = try VAEModel(VAEConfiguration(), device: device, seed: 1)
        let trainer = try Trainer(
            model: model, train: Fixtures.mnist.train, test: Fixtures.mnist.test, options: TrainingOptions())
        let train = try trainer.trainEpoch(1), test = try trainer.evaluateTestSet()
        let (expectedTrain, expectedTest, tolerance) = avx512 ? (163.7311, 127.7297, 1e-4) : (163.7322, 127.8037, 2e-3)
        #expect(
            abs(train.loss - expectedTrain) <= tolerance, "epoch 1 train loss \(train.loss), pinned \(expectedTrain)")
        #expect(abs(test.loss - expectedTest) <= tolerance, "epoch 1 test loss \(test.loss), pinned \(expectedTest)")
    }

    /// A small model on a subset learns: the test loss falls well below the untrained model's.
    @Test func smallModelConverges() throws {
        let config = VAEConfiguration(inputSize: 784, hidden: [64], latent: 8)
        var options = TrainingOptions()
        options.batchSize = 64
        let model = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 1)
        let trainer = try Trainer(
            model: model, train: Fixtures.mnist.train.prefix(4000), test: Fixtures.mnist.test.prefix(1000),
            options: options)
        let before = try trainer.evaluateTestSet()
        for epoch in 1...5 { _ = try trainer.trainEpoch(epoch) }
        let after = try trainer.evaluateTestSet()
        // Untrained: ~540 nats. Measured: 180.5 after 5 epochs on 4000 images; a broken gradient stays far above.
        #expect(before.loss > 500)
        #expect(after.loss < 200, "test loss after 5 epochs: \(after.loss)")
        #expect(after.kl > 1, "the latent code carries information (KL \(after.kl))")
    }

    /// The benchmark's FLOP count: forward, weight gradients, and input gradients of every layer that does
    /// not read the image, also when a hidden layer is as wide as the image.
    @Test func flopsPerImageCountsTheProducts() {
        #expect(TrainingBenchmark.flopsPerImage(VAEConfiguration()) == 3_280_000)
        // conv28: 5,032,960 multiply-adds forward (conv 100,352 + 1,605,632, dense 802,816 + 10,240 + 5,120 + 802,816,
        // transposed 1,605,632 + 100,352), so 3 × 10,065,920 FLOP less the first layer's input gradient.
        #expect(
            TrainingBenchmark.flopsPerImage(VAEConfiguration(architecture: .conv28)) == 3 * 10_065_920 - 2 * 100_352)
        let wide = 2.0 * Double(784 * 784 + 2 * 784 * 20 + 20 * 784 + 784 * 784)
        #expect(
            TrainingBenchmark.flopsPerImage(VAEConfiguration(hidden: [784], latent: 20)) == 3 * wide - 2 * 784 * 784)
        let shallow = 2.0 * Double(2 * 784 * 2 + 2 * 784)
        #expect(
            TrainingBenchmark.flopsPerImage(VAEConfiguration(hidden: [], latent: 2)) == 3 * shallow - 2 * 2 * 784 * 2)
    }
}

@Suite("device failures")
struct DeviceFailureTests {
    /// A device that stops answering (here: a fence timeout far below one step's time on lavapipe) ends the
    /// epoch with an error naming the device's batch and the training step, not a process that hangs.
    @Test func aHungDeviceNamesTheStep() throws {
        let device = try VulkanTestDevice.make()
        let model = try VAEModel(VAEConfiguration(inputSize: 784, hidden: [4096], latent: 8), device: device, seed: 1)
        var options = TrainingOptions()
        options.batchSize = 256
        options.logInterval = 1
        let trainer = try Trainer(
            model: model, train: Fixtures.mnist.train.prefix(512), test: Fixtures.mnist.test.prefix(64),
            options: options)
        try device.synchronize()
        device.fenceTimeoutSeconds = 1e-9
        #expect { _ = try trainer.trainEpoch(1) } throws: { error in
            "\(error)".contains("it may be hung") && "\(error)".contains("(training epoch 1, step 1 of 2)")
        }
        device.fenceTimeoutSeconds = 600
        try device.synchronize()
    }
}
