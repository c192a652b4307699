import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute
import VAEVulkan

@testable import VAE

/// A decaying learning rate: the schedule's figures, and that each epoch's steps really train at its rate
/// (also steps recorded once and replayed on Vulkan, which read the rate from the device).
@Suite("learning-rate schedules")
struct LearningRateScheduleTests {
    @Test func cosineAnnealsFromTheRateToTheMinimum() throws {
        var options = TrainingOptions()
        options.epochs = 4
        #expect((1...6).map { options.learningRate(epoch: $0) } == Array(repeating: 1e-3, count: 6))
        options.learningRateSchedule = .cosine
        options.minimumLearningRate = 1e-5
        let rates = (1...6).map { Double(options.learningRate(epoch: $0)) }
        // min + (lr − min)·(1 + cos(π·(e − 1)/4))/2
        let expected = [
            1e-3, 1e-5 + 99e-5 * (1 + 0.5.squareRoot()) / 2, 5.05e-4, 1e-5 + 99e-5 * (1 - 0.5.squareRoot()) / 2,
        ]
        for (r, e) in zip(rates, expected + [1e-5, 1e-5]) { #expect(abs(r - e) <= 1e-6 * e, "\(rates)") }
        #expect(zip(rates, rates.dropFirst()).allSatisfy { $0 >= $1 }, "falls and never rises: \(rates)")
        // A run's recorded decay length outlasts a later --epochs.
        options.decayEpochs = 2
        options.epochs = 10
        #expect(abs(Double(options.learningRate(epoch: 2)) - 5.05e-4) <= 1e-10)
        #expect(options.learningRate(epoch: 3) == 1e-5)
        for (change, message) in [
            ({ (o: inout TrainingOptions) in o.minimumLearningRate = 2e-3 }, "--lr-min must be between 0 and --lr"),
            ({ (o: inout TrainingOptions) in o.minimumLearningRate = -1 }, "--lr-min"),
            ({ (o: inout TrainingOptions) in o.decayEpochs = 0 }, "--lr-decay-epochs must be at least 1"),
        ] {
            var bad = options
            change(&bad)
            #expect { try bad.validate() } throws: { "\($0)".contains(message) }
        }
    }

    /// Two epochs under a cosine over 2 epochs (rates 1e-3, then 5e-4) against the same two epochs taken
    /// by two trainers at constant rates 1e-3 and 5e-4: the same parameters to the bit; and not those of a
    /// constant 1e-3 (so the rate reached Adam).
    func scheduledAgainstManual(on device: () throws -> any ComputeDevice, k: Int) throws {
        let config = VAEConfiguration(inputSize: 784, hidden: [16], latent: 3)
        let train = Fixtures.mnist.train.prefix(300), test = Fixtures.mnist.test.prefix(40)
        func options(_ rate: Float, cosine: Bool) -> TrainingOptions {
            var o = TrainingOptions()
            (o.batchSize, o.epochs, o.learningRate, o.logInterval) = (32, 2, rate, 1 << 20)
            if cosine { o.learningRateSchedule = .cosine }
            return o
        }
        func parameters(_ model: VAEModel) throws -> [Float] {
            try model.trainedParameters.flatMap { try model.device.download($0.value) }
        }
        let scheduled = try VAEModel(config, device: try device(), seed: 3)
        let trainer = try Trainer(
            model: scheduled, train: train, test: test, options: options(1e-3, cosine: true), stepsPerSubmission: k)
        for epoch in 1...2 { _ = try trainer.trainEpoch(epoch) }
        #expect(try scheduled.learningRate() == 5e-4)

        let manual = try VAEModel(config, device: try device(), seed: 3)
        for (epoch, rate) in [(1, Float(1e-3)), (2, 5e-4)] {
            let t = try Trainer(
                model: manual, train: train, test: test, options: options(rate, cosine: false), stepsPerSubmission: k)
            _ = try t.trainEpoch(epoch)
        }
        let constant = try VAEModel(config, device: try device(), seed: 3)
        let plain = try Trainer(
            model: constant, train: train, test: test, options: options(1e-3, cosine: false), stepsPerSubmission: k)
        for epoch in 1...2 { _ = try plain.trainEpoch(epoch) }
        #expect(try parameters(scheduled) == parameters(manual))
        #expect(try parameters(scheduled) != parameters(constant))
    }

    /// A run past the end of a decay to 0 saves a rate of 0, and resumes from it.
    @Test func aRateOfZeroIsSavedAndRestored() throws {
        let config = VAEConfiguration(inputSize: 784, hidden: [8], latent: 2)
        let model = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 1)
        try model.setLearningRate(0)
        #expect(try model.learningRate() == 0)
        let path = temporaryDirectory() + "/optimizer.safetensors"
        try Checkpoint.saveOptimizer(model, to: path, metadata: [:])
        let restored = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 2)
        _ = try Checkpoint.loadOptimizer(from: path, into: restored)
        #expect(try restored.learningRate() == 0 && restored.scheduledRate == 0)
        // Setting the rate it holds touches nothing; another rate reaches the device.
        try restored.setLearningRate(2.5e-4)
        #expect(try restored.learningRate() == 2.5e-4)
    }

    @Test func eachEpochTrainsAtItsRateOnTheCPU() throws {
        try scheduledAgainstManual(on: { CPUDevice(mode: .fast) }, k: 1)
    }

    @Test func replayedStepsReadTheEpochsRateOnLavapipe() throws {
        let vulkan = try VulkanTestDevice.make()
        try scheduledAgainstManual(on: { vulkan }, k: 4)
        #expect(vulkan.validationMessages.isEmpty, "\(vulkan.validationMessages.prefix(3))")
    }
}
