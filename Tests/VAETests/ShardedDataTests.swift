import Foundation
import Testing
import VAECPU
import VAECompute
import VAEVulkan

@testable import VAE

/// A training set larger than one device tensor is kept in shards, and training on it is exactly training
/// on one tensor: the shards are forced small here (a 128 KiB limit on lavapipe, whose own is 128 MiB).
@Suite("sharded data")
struct ShardedDataTests {
    /// Epoch losses and the test loss of a small MLP trained on `device`, its data in shards of at most
    /// `maxShardBytes`.
    func train(on device: any ComputeDevice, maxShardBytes: Int? = nil) throws -> [Double] {
        let config = VAEConfiguration(inputSize: 784, hidden: [16], latent: 3)
        var options = TrainingOptions()
        options.batchSize = 32
        let train = Fixtures.mnist.train.prefix(600), test = Fixtures.mnist.test.prefix(70)
        let model = try VAEModel(config, device: device, seed: 3)
        let trainer = try Trainer(
            model: model, train: train, test: test, options: options, maxShardBytes: maxShardBytes)
        let perShard = min(maxShardBytes ?? .max, device.info.maxTensorBytes) / 784
        #expect((trainer.trainImages as? ResidentImages)?.shards.count == (600 + perShard - 1) / perShard)
        var losses: [Double] = []
        for epoch in 1...2 { losses.append(try trainer.trainEpoch(epoch).loss) }
        losses.append(try trainer.evaluateTestSet().loss)
        return losses
    }

    @Test func shardsTrainExactlyAsOneTensorOnTheCPU() throws {
        let whole = try train(on: CPUDevice(mode: .fast))
        let sharded = try train(on: CPUDevice(mode: .fast), maxShardBytes: 784 * 64)
        #expect(whole == sharded, "\(whole) vs \(sharded)")
    }

    /// A device opened with a small tensor limit shards the data by itself; the losses are those of the
    /// same device without the limit, to the bit.
    @Test func aSmallBindingLimitShardsOnLavapipe() throws {
        let plain = try VulkanDevice(.init(validation: true))
        var limited = VulkanDevice.Options(validation: true)
        limited.maxTensorBytes = 128 << 10
        let small = try VulkanDevice(limited)
        #expect(small.info.maxTensorBytes == 128 << 10)
        let whole = try train(on: plain)
        let sharded = try train(on: small)
        #expect(whole == sharded, "\(whole) vs \(sharded)")
        #expect(
            plain.validationMessages.isEmpty && small.validationMessages.isEmpty,
            "\(small.validationMessages.prefix(3))")
        // More than the limit in one tensor is refused with the limit named.
        #expect { _ = try small.makeTensor(shape: [129 << 10], elementType: .uint8) } throws: {
            "\($0)".contains("exceeds the device's limit of")
        }
    }
}
