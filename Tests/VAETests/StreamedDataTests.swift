import Foundation
import Testing
import VAECPU
import VAECompute
import VAEVulkan

@testable import VAE

/// Images that do not fit the device stay in host memory and each minibatch is streamed to the device;
/// training on them is exactly training on resident images. The device is made small here (a capacity
/// between what streaming needs and what keeping the images needs), so a 600-image set takes that path.
@Suite("streamed data")
struct StreamedDataTests {
    static let config = VAEConfiguration(inputSize: 784, hidden: [16], latent: 3)
    static let train = Fixtures.mnist.train.prefix(600), test = Fixtures.mnist.test.prefix(70)

    static func options(binarization: Binarization = .none, logInterval: Int = 4) -> TrainingOptions {
        var options = TrainingOptions()
        options.batchSize = 32
        options.logInterval = logInterval
        options.binarization = binarization
        return options
    }

    /// A device capacity that holds the model with streamed images but not with resident ones: what a
    /// streamed pass over the data on `device` (a device of the kind, without a limit) allocated at its
    /// peak, or the estimate the choice is made from where that is more.
    static func streamingCapacity(on device: any ComputeDevice) throws -> Int {
        let model = try VAEModel(config, device: device, seed: 3)
        let batch = options().batchSize
        let modelBytes =
            device.counters.allocatedBytes
            + (try ImageFeeds.workspaceBytes(model, sets: [train, test], batchSize: batch))
        let streamed = try [train, test].reduce(modelBytes) {
            $0 + (try StreamedImages.deviceBytes(batchSize: batch, valuesPerImage: $1.valuesPerImage))
        }
        let resident = try [train, test].reduce(modelBytes) { $0 + (try ImageFeeds.residentBytes($1)) }
        let trainer = try Trainer(model: model, train: train, test: test, options: options(), placement: .host)
        _ = try trainer.trainEpoch(1)
        _ = try trainer.evaluateTestSet()
        try device.synchronize()
        let capacity = max(streamed, device.counters.peakAllocatedBytes) + (16 << 10)
        #expect(capacity < resident, "the test set must be large enough to tell the two apart")
        return capacity
    }

    /// Epoch losses, the test loss and the parameters of a small MLP trained on `device`.
    func train(
        on device: any ComputeDevice, placement: DataPlacement, expecting expected: DataPlacement,
        binarization: Binarization = .none, logInterval: Int = 4
    ) throws -> (losses: [Double], parameters: [Float], waits: Int) {
        let model = try VAEModel(Self.config, device: device, seed: 3)
        let trainer = try Trainer(
            model: model, train: Self.train, test: Self.test,
            options: Self.options(binarization: binarization, logInterval: logInterval), placement: placement)
        #expect(trainer.placement == expected)
        let before = device.counters.hostWaits
        var losses: [Double] = []
        for epoch in 1...2 { losses.append(try trainer.trainEpoch(epoch).loss) }
        let waits = device.counters.hostWaits - before
        losses.append(try trainer.evaluateTestSet().loss)
        let parameters =
            try device.download(model.layer(.encoder(0)).weight.value)
            + device.download(model.layer(.output).weight.value)
        return (losses, parameters, waits)
    }

    @Test(arguments: [Binarization.none, .dynamic])
    func streamingTrainsExactlyAsResidentImagesOnTheCPU(binarization: Binarization) throws {
        let resident = try train(
            on: CPUDevice(mode: .fast), placement: .device, expecting: .device, binarization: binarization)
        let streamed = try train(
            on: CPUDevice(mode: .fast), placement: .host, expecting: .host, binarization: binarization)
        #expect(resident.losses == streamed.losses, "\(resident.losses) vs \(streamed.losses)")
        #expect(resident.parameters == streamed.parameters)
    }

    /// A device too small for the images streams them by itself, and refuses to keep them when told to,
    /// naming the way out.
    @Test func aSmallDeviceStreamsByItself() throws {
        let capacity = try Self.streamingCapacity(on: CPUDevice(mode: .fast))
        let plain = try train(on: CPUDevice(mode: .fast), placement: .automatic, expecting: .device)
        let small = try train(
            on: CPUDevice(mode: .fast, capacityBytes: capacity), placement: .automatic, expecting: .host)
        #expect(plain.losses == small.losses, "\(plain.losses) vs \(small.losses)")
        #expect(plain.parameters == small.parameters)
        let model = try VAEModel(Self.config, device: CPUDevice(mode: .fast, capacityBytes: capacity), seed: 3)
        #expect {
            _ = try Trainer(
                model: model, train: Self.train, test: Self.test, options: Self.options(), placement: .device)
        } throws: {
            "\($0)".contains("needs") && "\($0)".contains("--data-placement host")
        }
    }

    /// On lavapipe, with mapped tensors and with device-only tensors behind staging copies: a device opened
    /// with less memory than the images need streams them, trains to the bit as with resident images, and
    /// never waits for the device per step: with losses read only at the end of an epoch (twice: the last
    /// step's log and the epoch's result), the host waits at most once per read (two workspaces, two totals
    /// each, so 16 in two epochs; staged reads wait for their copy), not once for each of the 38 steps.
    @Test(arguments: [false, true])
    func streamingOnLavapipeTrainsExactlyAsResidentImages(forceStaging: Bool) throws {
        let plain = try VulkanDevice(.init(validation: true, forceStaging: forceStaging))
        let capacity = try Self.streamingCapacity(
            on: try VulkanDevice(.init(validation: true, forceStaging: forceStaging)))
        var limited = VulkanDevice.Options(validation: true, forceStaging: forceStaging)
        limited.memoryBytes = capacity
        let small = try VulkanDevice(limited)
        #expect(small.info.memoryBytes == UInt64(capacity))
        let resident = try train(on: plain, placement: .automatic, expecting: .device, logInterval: 1 << 20)
        let streamed = try train(on: small, placement: .automatic, expecting: .host, logInterval: 1 << 20)
        #expect(resident.losses == streamed.losses, "\(resident.losses) vs \(streamed.losses)")
        #expect(resident.parameters == streamed.parameters)
        #expect(streamed.waits <= 2 * 2 * 4, "streaming must not wait for the device per step: \(streamed.waits) waits")
        #expect(
            plain.validationMessages.isEmpty && small.validationMessages.isEmpty,
            "\(small.validationMessages.prefix(3))")
    }

    /// The importance-sampled likelihood streams a test set that does not fit, to the same figure.
    @Test func importanceSamplingStreamsWhatDoesNotFit() throws {
        let big = CPUDevice(mode: .fast)
        let capacity = try Self.streamingCapacity(on: CPUDevice(mode: .fast))
        var estimates: [Double] = []
        for device in [big, CPUDevice(mode: .fast, capacityBytes: capacity)] {
            let model = try VAEModel(Self.config, device: device, seed: 3)
            let placement = try ImageFeeds.resolve(
                .automatic, sets: [Self.train], batchSize: 32,
                modelBytes: try ImageFeeds.workspaceBytes(model, sets: [Self.train], batchSize: 32), on: device,
                what: "")
            #expect(placement == (device === big ? .device : .host))
            estimates.append(
                try ImportanceSampling.negativeLogLikelihood(model, images: Self.train, samples: 3, batchSize: 32))
        }
        #expect(estimates[0] == estimates[1], "\(estimates)")
    }
}
