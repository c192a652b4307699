import Foundation
import Testing
import VAECPU
import VAECompute
import VAEVulkan

@testable import VAE

/// Training steps recorded once and submitted K at a time train exactly as steps recorded one by one: the
/// minibatch offset comes from the device's step counter, everything else already lived on the device.
@Suite("replayed steps")
struct ReplayTests {
    struct Result: Equatable {
        var losses: [Double]
        var parameters: [Float]
    }

    /// Two epochs and the test loss of `config` on `device`, K steps per submission, losses logged every
    /// 3 steps (so submissions end at log points), 600 images in batches of 32 (the last one partial).
    func train(
        _ config: VAEConfiguration, on device: any ComputeDevice, k: Int, binarization: Binarization = .none,
        train: ImageDataset = Fixtures.mnist.train.prefix(600), test: ImageDataset = Fixtures.mnist.test.prefix(70),
        maxShardBytes: Int? = nil, logInterval: Int = 3
    ) throws -> (Result, submits: Int) {
        var options = TrainingOptions()
        options.batchSize = 32
        options.logInterval = logInterval
        options.binarization = binarization
        let model = try VAEModel(config, device: device, seed: 5)
        let trainer = try Trainer(
            model: model, train: train, test: test, options: options, maxShardBytes: maxShardBytes,
            stepsPerSubmission: k)
        var losses: [Double] = []
        var logged: [Int] = []
        let before = device.counters.submits
        for epoch in 1...2 {
            losses.append(try trainer.trainEpoch(epoch, progress: { logged.append($0.step) }).loss)
        }
        let submits = device.counters.submits - before
        // Progress comes at the same steps either way: every third and the last.
        let steps = (train.count + 31) / 32
        let expected = Array(stride(from: logInterval, to: steps, by: logInterval)) + [steps]
        #expect(logged == expected + expected, "\(logged)")
        losses.append(try trainer.evaluateTestSet().loss)
        let parameters =
            try device.download(model.layer(.encoder(0)).weight.value)
            + device.download(model.layer(.output).weight.value)
        return (Result(losses: losses, parameters: parameters), submits)
    }

    static let mlp = VAEConfiguration(inputSize: 784, hidden: [16], latent: 3)

    @Test(arguments: [Binarization.none, .dynamic])
    func replayedStepsTrainAsSingleStepsOnTheCPU(binarization: Binarization) throws {
        let one = try train(Self.mlp, on: CPUDevice(mode: .fast), k: 1, binarization: binarization).0
        for k in [2, 5, 16] {
            let replayed = try train(Self.mlp, on: CPUDevice(mode: .fast), k: k, binarization: binarization).0
            #expect(replayed == one, "K = \(k): \(replayed.losses) vs \(one.losses)")
        }
    }

    /// A convolutional model with batch norm (running statistics updated every step) as well.
    @Test func convolutionalStepsReplayOnTheCPU() throws {
        let config = Conv64ModelTests.small
        let shapes = SyntheticShapes.make(count: 100, test: false), test = SyntheticShapes.make(count: 16, test: true)
        let one = try train(config, on: CPUDevice(mode: .fast), k: 1, train: shapes, test: test).0
        let replayed = try train(config, on: CPUDevice(mode: .fast), k: 4, train: shapes, test: test).0
        #expect(replayed == one, "\(replayed.losses) vs \(one.losses)")
    }

    /// On lavapipe, with mapped memory, staging and the data in shards: the same numbers to the bit, and one
    /// submission per K steps (with losses read once per epoch).
    @Test func replayedStepsTrainAsSingleStepsOnLavapipe() throws {
        let plain = try VulkanTestDevice.make()
        let (one, oneSubmits) = try train(Self.mlp, on: plain, k: 1, logInterval: 1 << 20)
        let (replayed, replayedSubmits) = try train(Self.mlp, on: plain, k: 8, logInterval: 1 << 20)
        #expect(replayed == one, "\(replayed.losses) vs \(one.losses)")
        // 19 steps an epoch: 1 submission per step, against 3 for the 18 full steps and 1 for the last.
        #expect(oneSubmits >= 38 && replayedSubmits <= 2 * (3 + 1) + 4, "\(oneSubmits) vs \(replayedSubmits)")
        var options = VulkanDevice.Options(validation: true, forceStaging: true)
        options.maxTensorBytes = 128 << 10
        let staged = try VulkanDevice(options)
        let sharded = try train(Self.mlp, on: staged, k: 8, maxShardBytes: 784 * 100).0
        #expect(sharded == one, "\(sharded.losses) vs \(one.losses)")
        #expect(
            plain.validationMessages.isEmpty && staged.validationMessages.isEmpty,
            "\(staged.validationMessages.prefix(3))")
    }

    /// The convolutions as implicit GEMMs on the shared-memory tiles, their weight gradients split along k
    /// through the shared scratch (the GPU path, forced on lavapipe): replayed steps are the single steps to
    /// the bit, and the model trains as it does on the CPU.
    @Test func tiledConvolutionStepsReplayAndTrainAsOnTheCPU() throws {
        let tiled = try VulkanDevice(.init(validation: true, matmul: .tiled32.splitting(3)))
        let (data, test) = (Fixtures.mnist.train.prefix(128), Fixtures.mnist.test.prefix(32))
        func run(_ device: any ComputeDevice, k: Int) throws -> Result {
            try train(ConvModelTests.small, on: device, k: k, train: data, test: test, logInterval: 1 << 20).0
        }
        let one = try run(tiled, k: 1), replayed = try run(tiled, k: 4)
        #expect(replayed == one, "\(replayed.losses) vs \(one.losses)")
        let cpu = try run(CPUDevice(mode: .fast), k: 1)
        for (a, b) in zip(one.losses, cpu.losses) { #expect(abs(a - b) <= 1e-4 * abs(b), "\(a) vs \(b)") }
        #expect(tiled.validationMessages.isEmpty, "\(tiled.validationMessages.prefix(3))")
    }

    /// With split-K forced on every product (the GPU path; its scratch shared by all products and reused
    /// across replays): replayed steps are still the single steps to the bit, and as right as the default.
    @Test func replayedSplitKStepsTrainAsSingleSteps() throws {
        let split = try VulkanDevice(.init(validation: true, matmul: .tiled32.splitting(3)))
        let one = try train(Self.mlp, on: split, k: 1, logInterval: 1 << 20).0
        let replayed = try train(Self.mlp, on: split, k: 8, logInterval: 1 << 20).0
        #expect(replayed == one, "\(replayed.losses) vs \(one.losses)")
        let plain = try train(Self.mlp, on: CPUDevice(mode: .fast), k: 1, logInterval: 1 << 20).0
        for (a, b) in zip(one.losses, plain.losses) { #expect(abs(a - b) <= 1e-4 * abs(b), "\(a) vs \(b)") }
        #expect(split.validationMessages.isEmpty, "\(split.validationMessages.prefix(3))")
    }
}
