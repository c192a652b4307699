import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE
@testable import VAEVulkan

/// The convolutional architecture as a whole: its PyTorch names and shapes, training on both backends,
/// checkpoints both ways with PyTorch, and the errors for inputs it cannot take.
@Suite("conv models")
struct ConvModelTests {
    /// A conv28 small enough for finite differences and lavapipe: channels 4,8, dense 16.
    static let small = VAEConfiguration(architecture: .conv28, hidden: [16], convChannels: [4, 8], latent: 4)

    /// The default conv28 is the PyTorch module of docs/architectures.md: its state_dict names and shapes.
    @Test func defaultConv28HasThePyTorchStateDict() throws {
        let config = VAEConfiguration(architecture: .conv28)
        let file = try Checkpoint.contents(of: try VAEModel(config, device: CPUDevice(mode: .fast), seed: 1))
        #expect(
            file.tensors.mapValues(\.shape) == [
                "encoder.0.weight": [32, 1, 4, 4], "encoder.0.bias": [32], "encoder.2.weight": [64, 32, 4, 4],
                "encoder.2.bias": [64],
                "encoder.5.weight": [256, 3136], "encoder.5.bias": [256], "mu.weight": [20, 256], "mu.bias": [20],
                "logvar.weight": [20, 256], "logvar.bias": [20], "decoder.0.weight": [256, 20], "decoder.0.bias": [256],
                "decoder.2.weight": [3136, 256], "decoder.2.bias": [3136], "decoder.5.weight": [64, 32, 4, 4],
                "decoder.5.bias": [32],
                "decoder.7.weight": [32, 1, 4, 4], "decoder.7.bias": [1],
            ])
        #expect(file.metadata["vae.arch"] == "conv28")
        // PyTorch's initialization bounds: 1/√fan_in, with ConvTranspose2d's fan_in = weight.size(1)·kh·kw.
        for (name, fanIn) in [
            ("encoder.0.weight", 16), ("encoder.2.weight", 512), ("encoder.5.weight", 3136),
            ("decoder.5.weight", 32 * 16), ("decoder.7.weight", 16), ("decoder.7.bias", 16),
        ] {
            let values = try #require(file.tensors[name]).values, bound = 1 / Float(fanIn).squareRoot()
            #expect(values.allSatisfy { abs($0) <= bound }, "\(name) beyond ±\(bound)")
            if values.count >= 16 { #expect(values.map(abs).max()! > 0.8 * bound, "\(name) does not fill ±\(bound)") }
        }
    }

    /// Deeper and shallower channel lists keep the image size through the output padding they need.
    @Test(arguments: [[8], [4, 8, 8], [2, 2, 2, 2]])
    func channelListsRoundTripTheImageSize(_ channels: [Int]) throws {
        let config = VAEConfiguration(architecture: .conv28, hidden: [], convChannels: channels, latent: 3)
        try config.validate()
        let plan = try config.plan()
        #expect(plan.decoder.last!.output == FeatureShape(1, 28, 28))
        let model = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 3)
        let decoded = try model.decode([[0.1, -0.2, 0.3]])
        #expect(decoded.count == 1 && decoded[0].count == 784 && decoded[0].allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    /// The same seed on the CPU and on Vulkan: the same noise, minibatches and initialization, so after
    /// 10 steps the losses agree to float rounding (1e-3 relative) and the weights to well under one step.
    @Test func cpuAndVulkanTrainTheSameConvModel() throws {
        var options = TrainingOptions()
        options.batchSize = 16
        options.logInterval = 1
        let train = Fixtures.mnist.train.prefix(80), test = Fixtures.mnist.test.prefix(20)
        var results: [(LossSummary, LossSummary, [Float], [Float])] = []
        let vulkan = try VulkanTestDevice.make()
        for device in [CPUDevice(mode: .fast), vulkan] as [any ComputeDevice] {
            let model = try VAEModel(Self.small, device: device, seed: 7)
            let trainer = try Trainer(model: model, train: train, test: test, options: options)
            var losses: [LossSummary] = []
            for epoch in 1...2 { losses.append(try trainer.trainEpoch(epoch)) }
            results.append(
                (
                    losses[1], try trainer.evaluateTestSet(),
                    try device.download(model.layer(.encoder(0)).weight.value),
                    try device.download(model.layer(.output).weight.value)
                ))
        }
        let (cpu, gpu) = (results[0], results[1])
        for (a, b) in [(cpu.0, gpu.0), (cpu.1, gpu.1)] {
            #expect(abs(a.loss - b.loss) <= 1e-3 * abs(a.loss), "loss \(a.loss) vs \(b.loss)")
            #expect(abs(a.kl - b.kl) <= 1e-3 * abs(a.kl) + 1e-3, "kl \(a.kl) vs \(b.kl)")
        }
        for (a, b, name) in [(cpu.2, gpu.2, "encoder.0.weight"), (cpu.3, gpu.3, "decoder.7.weight")] {
            let maxDiff = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            #expect(maxDiff < 1e-4, "\(name): largest difference \(maxDiff)")
        }
        #expect(vulkan.validationMessages.isEmpty, "\(vulkan.validationMessages.prefix(3))")
    }

    /// One conv28 training step is one submission on Vulkan, with the launches and barriers it records.
    @Test func oneSubmitPerStepOnVulkan() throws {
        let device = try VulkanTestDevice.make()
        let model = try VAEModel(Self.small, device: device, seed: 1)
        var options = TrainingOptions()
        options.batchSize = 16
        options.logInterval = 1_000_000
        let trainer = try Trainer(
            model: model, train: Fixtures.mnist.train.prefix(64), test: Fixtures.mnist.test.prefix(16), options: options
        )
        _ = try trainer.trainEpoch(1)
        let before = device.counters
        _ = try trainer.trainEpoch(2)
        let after = device.counters
        let steps = 4
        // 4 steps, plus the epoch's shuffle upload and the final loss read: at most one submit per step and two more.
        #expect(
            after.submits - before.submits <= steps + 2, "\(after.submits - before.submits) submits for \(steps) steps")
        #expect(after.hostWaits - before.hostWaits <= 2, "\(after.hostWaits - before.hostWaits) host waits")
    }

    /// A conv28 checkpoint names its architecture, and eval's model comes back from the file alone.
    @Test func checkpointRoundTrip() throws {
        let device = CPUDevice(mode: .fast)
        let model = try VAEModel(Self.small, device: device, seed: 5)
        let path = temporaryDirectory() + "/model.safetensors"
        try Checkpoint.save(model, to: path)
        let loaded = try Checkpoint.load(from: path, device: CPUDevice(mode: .fast))
        #expect(loaded.configuration == Self.small)
        let image = Fixtures.mnist.test.image(3)
        #expect(try model.reconstruct([image]) == loaded.reconstruct([image]))
        // Without our metadata (as PyTorch would save it) the architecture is read off the names and shapes.
        var bare = try SafeTensors(contentsOf: path)
        bare.metadata = [:]
        try bare.write(to: path)
        #expect(try Checkpoint.load(from: path, device: device).configuration == Self.small)
    }

    /// A conv28 saved by PyTorch's safetensors library (scripts/fixtures/make-pytorch-conv28.py, built
    /// from scripts/pytorch/vae_presets.py) encodes and decodes as PyTorch did, on the CPU and on Vulkan.
    @Test func pyTorchSavedConv28ComputesWhatPyTorchDid() throws {
        let base = Fixtures.root + "/Tests/VAETests/Fixtures/pytorch-conv28-4-8-16-2"
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: base + ".json")))
                as? [String: [[Double]]])
        for device in [CPUDevice(mode: .fast), try VulkanTestDevice.make()] as [any ComputeDevice] {
            let model = try Checkpoint.load(from: base + ".safetensors", device: device)
            #expect(
                model.configuration
                    == VAEConfiguration(architecture: .conv28, hidden: [16], convChannels: [4, 8], latent: 2))
            let images = [Fixtures.mnist.test.image(0), Fixtures.mnist.test.image(1)]
            let (mu, logvar) = try model.encode(images)
            let reconstruction = try model.decode(mu)
            func close(_ a: [[Float]], _ b: [[Double]]?) -> Bool {
                guard let b, a.count == b.count else { return false }
                return zip(a, b).allSatisfy { x, y in
                    x.count == y.count && zip(x, y).allSatisfy { abs(Double($0) - $1) < 1e-5 }
                }
            }
            #expect(close(mu, expected["mu"]) && close(logvar, expected["logvar"]), "\(device.info)")
            #expect(close(reconstruction, expected["reconstruction"]), "\(device.info)")
        }
    }

    /// Tensors that do not fit the architecture, and images it cannot take: one clear line each.
    @Test func badInputIsOneClearError() throws {
        let base = Fixtures.root + "/Tests/VAETests/Fixtures/pytorch-conv28-4-8-16-2.safetensors"
        let dir = temporaryDirectory()
        var reshaped = try SafeTensors(contentsOf: base)
        reshaped.tensors["decoder.5.weight"] = .init(shape: [8, 4, 3, 3], values: [Float](repeating: 0, count: 288))
        try reshaped.write(to: dir + "/reshaped.safetensors")
        var missing = try SafeTensors(contentsOf: base)
        missing.tensors["decoder.7.bias"] = nil
        try missing.write(to: dir + "/missing.safetensors")
        var marked = try SafeTensors(contentsOf: base)
        marked.metadata = try Checkpoint.contents(of: try VAEModel(Self.small, device: CPUDevice(mode: .fast), seed: 1))
            .metadata
        try marked.write(to: dir + "/wrong-metadata.safetensors")  // the metadata says latent 4; the tensors have 2
        for (file, message) in [
            ("reshaped", "tensor decoder.5.weight has shape [8, 4, 3, 3]"),
            ("missing", "missing tensor decoder.7.bias"),
            ("wrong-metadata", "tensor mu.weight has shape [2, 16]"),
        ] {
            #expect {
                _ = try Checkpoint.load(from: dir + "/\(file).safetensors", device: CPUDevice(mode: .fast))
            } throws: { error in
                "\(error)".contains(message) && "\(error)".contains("\(file).safetensors") && !"\(error)".contains("\n")
            }
        }
        var config = VAEConfiguration(architecture: .conv28, inputSize: 32 * 32, imageHeight: 32, imageWidth: 32)
        #expect { try config.validate() } throws: { "\($0)".contains("--arch conv28 takes 28×28 images, got 32×32") }
        config = VAEConfiguration(architecture: .conv28, convChannels: [4, 4, 4, 4, 4, 4])
        #expect { try config.validate() } throws: { "\($0)".contains("too many stride-2 layers") }
        config = VAEConfiguration(architecture: .mlp, convChannels: [4])
        #expect { try config.validate() } throws: {
            "\($0)".contains("--conv-channels is for the convolutional architectures")
        }
    }
}
