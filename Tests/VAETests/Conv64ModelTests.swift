import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE
@testable import VAEVulkan

/// The 64×64 architecture (PyTorch-VAE's VanillaVAE as flat Sequentials): its PyTorch names and shapes,
/// batch norm in training and evaluation, both backends, checkpoints both ways with PyTorch, bad input.
@Suite("conv64 models")
struct Conv64ModelTests {
    /// A conv64 small enough for lavapipe: channels 4,8 (64 → 32 → 16, back up, and the last Conv2d).
    static let small = VAEConfiguration(
        architecture: .conv64, inputSize: 3 * 64 * 64, convChannels: [4, 8], latent: 3, imageChannels: 3,
        imageHeight: 64, imageWidth: 64)
    static let shapes = SyntheticShapes.make(count: 48, test: false)
    static let shapesTest = SyntheticShapes.make(count: 16, test: true)

    /// The default conv64 is the module of scripts/pytorch/vae_presets.py: every state_dict name, shape and
    /// dtype (printed there by `python vae_presets.py`), PyTorch's initial batch-norm state, 3,937,635 parameters.
    @Test func defaultConv64HasThePyTorchStateDict() throws {
        let config = VAEConfiguration(
            architecture: .conv64, inputSize: 3 * 64 * 64, imageChannels: 3, imageHeight: 64, imageWidth: 64)
        let model = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 1)
        #expect(model.parameterCount == 3_937_635)
        let file = try Checkpoint.contents(of: model)
        var expected: [String: [Int]] = [
            "mu.weight": [128, 2048], "mu.bias": [128], "logvar.weight": [128, 2048], "logvar.bias": [128],
            "decoder.0.weight": [2048, 128], "decoder.0.bias": [2048], "decoder.17.weight": [3, 32, 3, 3],
            "decoder.17.bias": [3],
        ]
        func norm(_ name: String, _ channels: Int) {
            for part in ["weight", "bias", "running_mean", "running_var"] { expected["\(name).\(part)"] = [channels] }
            expected["\(name).num_batches_tracked"] = []
        }
        for (i, (from, to)) in zip([3, 32, 64, 128, 256], [32, 64, 128, 256, 512]).enumerated() {
            expected["encoder.\(3 * i).weight"] = [to, from, 3, 3]
            expected["encoder.\(3 * i).bias"] = [to]
            norm("encoder.\(3 * i + 1)", to)
        }
        for (i, (from, to)) in zip([512, 256, 128, 64, 32], [256, 128, 64, 32, 32]).enumerated() {
            expected["decoder.\(3 * i + 2).weight"] = [from, to, 3, 3]
            expected["decoder.\(3 * i + 2).bias"] = [to]
            norm("decoder.\(3 * i + 3)", to)
        }
        #expect(file.tensors.mapValues(\.shape) == expected)
        #expect(file.metadata["vae.arch"] == "conv64" && file.metadata["vae.batch_norm"] == "1")
        #expect(file.metadata["vae.activation"] == "leaky_relu")
        let counter = try #require(file.tensors["encoder.1.num_batches_tracked"])
        #expect(counter.dtype == .i64 && counter.integers == [0])
        #expect(file.tensors["decoder.15.weight"]!.values.allSatisfy { $0 == 1 })
        #expect(file.tensors["decoder.15.bias"]!.values.allSatisfy { $0 == 0 })
        #expect(file.tensors["encoder.13.running_var"]!.values.allSatisfy { $0 == 1 })
        #expect(file.tensors["encoder.13.running_mean"]!.values.allSatisfy { $0 == 0 })
        // PyTorch's bounds for the convolutions: 1/√fan_in, ConvTranspose2d's fan_in = weight.size(1)·kh·kw.
        for (name, fanIn) in [("encoder.0.weight", 27), ("decoder.2.weight", 256 * 9), ("decoder.17.weight", 288)] {
            let values = try #require(file.tensors[name]).values, bound = 1 / Float(fanIn).squareRoot()
            #expect(values.allSatisfy { abs($0) <= bound } && values.map(abs).max()! > 0.8 * bound, "\(name)")
        }
    }

    /// What conv64 takes and what it refuses.
    @Test func shapesItTakesAndRefuses() throws {
        for channels in [[8], [4, 8, 8, 8, 8]] {
            var c = Self.small
            c.convChannels = channels
            try c.validate()
            let plan = try c.plan()
            let side = 64 >> channels.count
            #expect(
                plan.mu.input == FeatureShape(8 * side * side) && plan.decoder.last!.output == FeatureShape(3, 64, 64))
        }
        var c = Self.small
        c.convChannels = [2, 2, 2, 2, 2, 2]
        #expect { try c.validate() } throws: { "\($0)".contains("takes 1 to 5 entries in --conv-channels") }
        c = VAEConfiguration(architecture: .conv64, inputSize: 784, imageHeight: 28, imageWidth: 28)
        #expect { try c.validate() } throws: { "\($0)".contains("--arch conv64 takes 64×64 images, got 28×28") }
        c = VAEConfiguration(architecture: .conv28, batchNorm: true)
        #expect { try c.validate() } throws: { "\($0)".contains("--batch-norm is for --arch conv64") }
        // Without batch norm the activations fuse into the convolutions and no buffers are saved.
        c = Self.small
        c.batchNorm = false
        let file = try Checkpoint.contents(of: try VAEModel(c, device: CPUDevice(mode: .fast), seed: 1))
        #expect(!file.tensors.keys.contains { $0.contains("running") || $0.contains("num_batches") })
        #expect(file.tensors["encoder.2.weight"]?.shape == [8, 4, 3, 3])
    }

    /// The same seed on the CPU and on Vulkan, training on the synthetic shapes: the losses, the test set's
    /// among them, agree to float rounding (1e-3 relative), and the weights and the batch norms' running
    /// statistics to well under a step.
    ///
    /// A convolution's bias before a batch norm has a gradient of exactly zero (the normalization subtracts
    /// it again), so it is never summed: it stays at its initial value on both devices. (Summed, as PyTorch
    /// does, it is rounding noise that Adam turns into steps of up to the learning rate, differently on each
    /// device; the running means it enters then drifted apart, and the test set's KL, evaluated through them,
    /// differed by 2.4 %.)
    @Test func cpuAndVulkanTrainTheSameConv64Model() throws {
        var options = TrainingOptions()
        options.batchSize = 8
        options.logInterval = 1
        let watched: [(name: String, tolerance: Float)] = [
            ("encoder.0.weight", 1e-4), ("decoder.8.weight", 1e-4), ("decoder.6.weight", 1e-4),
            ("decoder.6.running_var", 1e-4), ("encoder.1.running_var", 1e-4), ("encoder.1.running_mean", 1e-4),
            ("encoder.0.bias", 0),
        ]
        var initialBias: [Float] = []
        var results: [(LossSummary, LossSummary, [[Float]])] = []
        let vulkan = try VulkanTestDevice.make()
        for device in [CPUDevice(mode: .fast), vulkan] as [any ComputeDevice] {
            let model = try VAEModel(Self.small, device: device, seed: 7)
            initialBias = try device.download(
                try #require(model.trainedParameters.first { $0.name == "encoder.0.bias" }).value)
            let trainer = try Trainer(model: model, train: Self.shapes, test: Self.shapesTest, options: options)
            var losses: [LossSummary] = []
            for epoch in 1...2 { losses.append(try trainer.trainEpoch(epoch)) }
            let tensors =
                model.trainedParameters.map { ($0.name, $0.value) }
                + model.bufferTensors.map { ($0.name, TensorSlice(whole: $0.tensor)) }
            let values = try watched.map { w in try device.download(try #require(tensors.first { $0.0 == w.name }).1) }
            results.append((losses[1], try trainer.evaluateTestSet(), values))
        }
        let (cpu, gpu) = (results[0], results[1])
        // The test set is evaluated with batch norm in evaluation mode, through the running statistics.
        for (a, b) in [(cpu.0, gpu.0), (cpu.1, gpu.1)] {
            #expect(abs(a.loss - b.loss) <= 1e-3 * abs(a.loss), "loss \(a.loss) vs \(b.loss)")
            #expect(abs(a.kl - b.kl) <= 1e-3 * abs(a.kl) + 1e-4, "kl \(a.kl) vs \(b.kl)")
        }
        for (w, (a, b)) in zip(watched, zip(cpu.2, gpu.2)) {
            let maxDiff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(maxDiff <= w.tolerance, "\(w.name): largest difference \(maxDiff)")
        }
        #expect(cpu.2.last == initialBias, "the bias before a batch norm stays where it was drawn")
        #expect(vulkan.validationMessages.isEmpty, "\(vulkan.validationMessages.prefix(3))")
    }

    /// A conv64 training step, batch norms and all, is one submission on Vulkan with no host wait.
    @Test func oneSubmitPerStepOnVulkan() throws {
        let device = try VulkanTestDevice.make()
        let model = try VAEModel(Self.small, device: device, seed: 1)
        var options = TrainingOptions()
        options.batchSize = 8
        options.logInterval = 1_000_000
        let trainer = try Trainer(model: model, train: Self.shapes.prefix(32), test: Self.shapesTest, options: options)
        _ = try trainer.trainEpoch(1)
        let before = device.counters
        _ = try trainer.trainEpoch(2)
        let after = device.counters
        // 4 steps, plus the epoch's shuffle upload and the final loss read.
        #expect(after.submits - before.submits <= 4 + 2, "\(after.submits - before.submits) submits for 4 steps")
        #expect(after.hostWaits - before.hostWaits <= 2, "\(after.hostWaits - before.hostWaits) host waits")
    }

    /// Training moves the running statistics (12 steps of momentum 0.1 from 0 and 1), and evaluation uses
    /// them: an image's reconstruction is the same alone and among others, which batch statistics would change.
    @Test func evaluationUsesTheRunningStatistics() throws {
        let device = CPUDevice(mode: .fast)
        let model = try VAEModel(Self.small, device: device, seed: 3)
        var options = TrainingOptions()
        options.batchSize = 8
        let trainer = try Trainer(model: model, train: Self.shapes, test: Self.shapesTest, options: options)
        _ = try trainer.trainEpoch(1)
        _ = try trainer.trainEpoch(2)
        #expect(try model.step() == 12)
        let mean = try device.download(model.bufferTensors.first { $0.name == "encoder.1.running_mean" }!.tensor)
        let variance = try device.download(model.bufferTensors.first { $0.name == "encoder.1.running_var" }!.tensor)
        #expect(mean.contains { abs($0) > 1e-3 } && variance.contains { abs($0 - 1) > 1e-3 })
        let images = (0..<5).map { Self.shapesTest.image($0) }
        let together = try model.reconstruct(images)
        let alone = try model.reconstruct([images[2]])
        // (The same to float rounding: the fast convolutions group images differently for other batch sizes.)
        let apart = zip(alone[0], together[2]).map { abs($0 - $1) }.max()!
        #expect(apart < 1e-5, "alone and in a batch: \(apart) apart")
        // Evaluation leaves the running statistics as they were.
        #expect(try device.download(model.bufferTensors[0].tensor) == mean, "evaluation moved the running mean")
        #expect(try Checkpoint.contents(of: model).tensors["decoder.3.num_batches_tracked"]?.integers == [12])
    }

    /// `vae train` draws its pictures after every epoch: drawing (sampling and reconstructing, with batch
    /// norm in evaluation mode) must leave the training that follows exactly as it would have been.
    @Test func picturesBetweenEpochsLeaveTrainingAsItWas() throws {
        func secondEpoch(drawing: Bool) throws -> LossSummary {
            let model = try VAEModel(Self.small, device: CPUDevice(mode: .fast), seed: 4)
            var options = TrainingOptions()
            options.batchSize = 8
            let trainer = try Trainer(model: model, train: Self.shapes, test: Self.shapesTest, options: options)
            _ = try trainer.trainEpoch(1)
            _ = try trainer.evaluateTestSet()
            if drawing {
                _ = try Pictures.samples(model, seed: options.seed)
                _ = try Pictures.reconstructions(model, images: Self.shapesTest)
            }
            return try trainer.trainEpoch(2)
        }
        #expect(try secondEpoch(drawing: true) == secondEpoch(drawing: false))
    }

    /// A conv64 checkpoint holds the running statistics, and the model comes back from the file alone, with
    /// or without our metadata.
    @Test func checkpointRoundTrip() throws {
        let device = CPUDevice(mode: .fast)
        let model = try VAEModel(Self.small, device: device, seed: 5)
        var options = TrainingOptions()
        options.batchSize = 16
        _ = try Trainer(model: model, train: Self.shapes, test: Self.shapesTest, options: options).trainEpoch(1)
        let path = temporaryDirectory() + "/model.safetensors"
        try Checkpoint.save(model, to: path)
        let loaded = try Checkpoint.load(from: path, device: CPUDevice(mode: .fast))
        #expect(loaded.configuration == Self.small)
        let image = Self.shapesTest.image(3)
        #expect(try model.reconstruct([image]) == loaded.reconstruct([image]))
        var bare = try SafeTensors(contentsOf: path)
        bare.metadata = [:]
        try bare.write(to: path)
        #expect(try Checkpoint.load(from: path, device: device).configuration == Self.small)
    }

    /// The images of the PyTorch fixture: x[n, c, h, w] = ((7n + 3c + 5h + 11w) mod 17) / 16.
    static func fixtureImages() -> [[Float]] {
        (0..<2).map { n in
            (0..<(3 * 64 * 64)).map { k in
                let (c, h, w) = (k / 4096, k / 64 % 64, k % 64)
                return Float((7 * n + 3 * c + 5 * h + 11 * w) % 17) / 16
            }
        }
    }

    /// A conv64 saved by PyTorch's safetensors library after training-mode passes, with random γ and β
    /// (scripts/fixtures/make-pytorch-conv64.py), evaluates as PyTorch's eval mode did, on the CPU and on Vulkan.
    @Test func pyTorchSavedConv64ComputesWhatPyTorchDid() throws {
        let base = Fixtures.root + "/Tests/VAETests/Fixtures/pytorch-conv64-4-8-3"
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: base + ".json")))
                as? [String: [[Double]]])
        for device in [CPUDevice(mode: .fast), try VulkanTestDevice.make()] as [any ComputeDevice] {
            let model = try Checkpoint.load(from: base + ".safetensors", device: device)
            #expect(model.configuration == Self.small)
            let (mu, logvar) = try model.encode(Self.fixtureImages())
            let reconstruction = try model.decode(mu).map { row in stride(from: 0, to: row.count, by: 5).map { row[$0] }
            }
            func close(_ a: [[Float]], _ b: [[Double]]?, _ tolerance: Double) -> Bool {
                guard let b, a.count == b.count else { return false }
                return zip(a, b).allSatisfy { x, y in
                    x.count == y.count && zip(x, y).allSatisfy { abs(Double($0) - $1) < tolerance }
                }
            }
            #expect(close(mu, expected["mu"], 1e-4) && close(logvar, expected["logvar"], 1e-4), "\(device.info)")
            #expect(close(reconstruction, expected["reconstruction_every_5th"], 1e-5), "\(device.info)")
        }
    }

    /// Batch-norm state that cannot be right: one clear line naming the file and the tensor.
    @Test func badBatchNormStateIsOneClearError() throws {
        let base = Fixtures.root + "/Tests/VAETests/Fixtures/pytorch-conv64-4-8-3.safetensors"
        let dir = temporaryDirectory()
        var negative = try SafeTensors(contentsOf: base)
        negative.tensors["decoder.6.running_var"]!.values[1] = -0.5
        try negative.write(to: dir + "/negative.safetensors")
        var float = try SafeTensors(contentsOf: base)
        float.tensors["encoder.1.num_batches_tracked"] = .init(shape: [], values: [3])
        try float.write(to: dir + "/float.safetensors")
        var missing = try SafeTensors(contentsOf: base)
        missing.tensors["encoder.4.running_mean"] = nil
        try missing.write(to: dir + "/missing.safetensors")
        var counted = try SafeTensors(contentsOf: base)
        counted.tensors["decoder.3.num_batches_tracked"] = .init(shape: [], integers: [-4])
        try counted.write(to: dir + "/counted.safetensors")
        for (file, message) in [
            ("negative", "tensor decoder.6.running_var holds a negative variance (-0.5 at element 1)"),
            ("float", "tensor encoder.1.num_batches_tracked is F32, it must be I64"),
            ("missing", "missing tensor encoder.4.running_mean"),
            ("counted", "tensor decoder.3.num_batches_tracked counts -4 batches"),
        ] {
            #expect {
                _ = try Checkpoint.load(from: dir + "/\(file).safetensors", device: CPUDevice(mode: .fast))
            } throws: { error in
                "\(error)".contains(message) && "\(error)".contains("\(file).safetensors") && !"\(error)".contains("\n")
            }
        }
    }
}
