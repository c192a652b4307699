import Foundation
import Testing
import VAECPU
import VAECompute
import VAEVulkan

@testable import VAE

/// Ranks as threads of one process, for testing data parallelism without MPI: the collectives meet in
/// shared memory. (The MPI build's CLI tests run the same training as separate processes under mpirun.)
final class LocalGroup: @unchecked Sendable {
    let size: Int
    private let lock = NSCondition()
    private var arrived = 0, generation = 0
    private var accumulator: [Double] = [], result: [Double] = []

    init(size: Int) { self.size = size }

    /// Every rank hands in `values` and gets back all ranks' combined, element by element.
    func exchange(_ values: [Double], _ combine: (Double, Double) -> Double) -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        let round = generation
        accumulator = arrived == 0 ? values : zip(accumulator, values).map(combine)
        arrived += 1
        if arrived == size {
            (result, arrived, generation) = (accumulator, 0, generation + 1)
            lock.broadcast()
        } else {
            while round == generation { lock.wait() }
        }
        return result
    }

    final class Rank: Communicator {
        let group: LocalGroup
        let rank: Int
        var size: Int { group.size }
        init(_ group: LocalGroup, rank: Int) { (self.group, self.rank) = (group, rank) }
        func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {
            for (i, sum) in group.exchange(values.map(Double.init), +).enumerated() { values[i] = Float(sum) }
        }
        func allreduceSum(_ values: inout [Double]) throws { values = group.exchange(values, +) }
        func allreduceMax(_ values: inout [Double]) throws { values = group.exchange(values, max) }
        func barrier() throws { _ = group.exchange([], +) }
        func abort(status: Int32) -> Never { fatalError("rank \(rank) aborted the job (\(status))") }
    }
}

/// Runs `body(rank)` for every rank at once, each on its own thread (a rank waits in collectives for the
/// others, so they cannot share a thread pool smaller than the group), and waits for them all.
func onEachRank(_ size: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let done = DispatchSemaphore(value: 0)
    for rank in 0..<size {
        let thread = Thread {
            body(rank)
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    for _ in 0..<size { done.wait() }
}

@Suite("data-parallel training")
struct DataParallelTests {
    static let config = VAEConfiguration(hidden: [24], latent: 5)

    /// Two epochs from seed 3 on 300 images in batches of 50 (dynamic binarization, so the pixels' noise is
    /// sliced too): each rank's losses per epoch, then the test set's, and its parameters at the end.
    static func train(
        ranks: Int, device: @escaping @Sendable () throws -> any ComputeDevice
    ) throws
        -> [(losses: [LossSummary], parameters: [Float])]
    {
        let group = LocalGroup(size: ranks)
        // Written by the ranks' threads, each its own element, under the lock (the array is shared).
        let lock = NSLock()
        nonisolated(unsafe) var results = [(losses: [LossSummary], parameters: [Float])?](repeating: nil, count: ranks)
        nonisolated(unsafe) var failure: Error?
        onEachRank(ranks) { rank in
            do {
                let model = try VAEModel(Self.config, device: try device(), seed: 3)
                var options = TrainingOptions()
                options.batchSize = 50
                options.binarization = .dynamic
                let trainer = try Trainer(
                    model: model, train: Fixtures.mnist.train.prefix(300), test: Fixtures.mnist.test.prefix(64),
                    options: options, communicator: ranks == 1 ? SingleProcess() : LocalGroup.Rank(group, rank: rank))
                // The test set is evaluated with the ranks sharing its batches.
                let losses = [try trainer.trainEpoch(1), try trainer.trainEpoch(2), try trainer.evaluateTestSet()]
                let parameters = try model.trainedParameters.flatMap { try model.device.download($0.value) }
                lock.withLock { results[rank] = (losses, parameters) }
            } catch {
                lock.withLock { failure = error }
            }
        }
        if let failure { throw failure }
        return results.map { $0! }
    }

    static func expectSame(
        _ a: (losses: [LossSummary], parameters: [Float]), _ b: (losses: [LossSummary], parameters: [Float]),
        _ what: String
    ) {
        // Float sums in another order: losses within 1e-5 relative, parameters within 2e-5 (Adam's steps are
        // about 1e-3; a wrong slice, noise or gradient moves them by that much).
        for (x, y) in zip(a.losses, b.losses) {
            #expect(abs(x.loss - y.loss) <= 1e-5 * abs(y.loss), "\(what): loss \(x.loss) vs \(y.loss)")
            #expect(abs(x.kl - y.kl) <= 1e-4 * max(1, abs(y.kl)), "\(what): kl \(x.kl) vs \(y.kl)")
        }
        let apart = zip(a.parameters, b.parameters).map { abs($0 - $1) }.max() ?? .infinity
        #expect(a.parameters.count == b.parameters.count && apart < 2e-5, "\(what): parameters \(apart) apart")
    }

    /// The gradient of the batch's summed loss is the sum of the slices' gradients, and each slice draws the
    /// noise one process gives its rows: N ranks train as one process does, up to float summation order.
    @Test(arguments: [2, 3])
    func ranksTrainAsOneProcessOnTheCPU(ranks: Int) throws {
        let one = try Self.train(ranks: 1) { CPUDevice(mode: .fast) }[0]
        let many = try Self.train(ranks: ranks) { CPUDevice(mode: .fast) }
        for (rank, result) in many.enumerated() { Self.expectSame(result, one, "rank \(rank) of \(ranks)") }
    }

    /// Each rank with its own Vulkan device (lavapipe here), as separate processes would have.
    @Test func ranksTrainAsOneProcessOnVulkan() throws {
        let one = try Self.train(ranks: 1) { try VulkanTestDevice.make() }[0]
        let two = try Self.train(ranks: 2) { try VulkanTestDevice.make() }
        for (rank, result) in two.enumerated() { Self.expectSame(result, one, "Vulkan rank \(rank)") }
    }

    /// Batch norm normalizes each rank's slice by its own statistics (DDP without SyncBatchNorm), so the
    /// ranks' running statistics part during an epoch; after it they hold their mean, the same to the bit on
    /// every rank, and the test set evaluated with the ranks sharing its batches is what one process
    /// evaluating that model gets.
    @Test func batchNormRunningStatisticsAreAveragedOverTheRanks() throws {
        let group = LocalGroup(size: 2)
        let lock = NSLock()
        nonisolated(unsafe) var results = [(buffers: [Float], test: LossSummary, alone: LossSummary)?](
            repeating: nil, count: 2)
        nonisolated(unsafe) var failure: Error?
        onEachRank(2) { rank in
            do {
                let model = try VAEModel(Conv64ModelTests.small, device: CPUDevice(mode: .fast), seed: 5)
                var options = TrainingOptions()
                options.batchSize = 12
                let make = { (c: any Communicator) in
                    try Trainer(
                        model: model, train: Conv64ModelTests.shapes, test: Conv64ModelTests.shapesTest,
                        options: options, communicator: c)
                }
                let trainer = try make(LocalGroup.Rank(group, rank: rank))
                _ = try trainer.trainEpoch(1)
                let buffers = try model.bufferTensors.flatMap { try model.device.download($0.tensor) }
                let test = try trainer.evaluateTestSet()
                let alone = try make(SingleProcess()).evaluateTestSet()
                lock.withLock { results[rank] = (buffers, test, alone) }
            } catch {
                lock.withLock { failure = error }
            }
        }
        if let failure { throw failure }
        let (a, b) = (try #require(results[0]), try #require(results[1]))
        #expect(!a.buffers.isEmpty && a.buffers == b.buffers, "the ranks' running statistics differ")
        #expect(a.buffers.contains { $0 != 0 && $0 != 1 }, "the running statistics never moved")
        for r in [a, b] {
            #expect(abs(r.test.loss - r.alone.loss) <= 1e-5 * abs(r.alone.loss), "\(r.test.loss) vs \(r.alone.loss)")
            #expect(abs(r.test.kl - r.alone.kl) <= 1e-4 * max(1, abs(r.alone.kl)), "\(r.test.kl) vs \(r.alone.kl)")
        }
    }

    /// Slices cover the batch in order, sizes differ by at most one, and a rank may have none.
    @Test func batchSlicesCoverTheBatch() {
        for (rows, size) in [(128, 2), (50, 3), (7, 4), (2, 3), (1, 1)] {
            let slices = (0..<size).map { batchSlice(rows: rows, rank: $0, size: size) }
            #expect(slices.map(\.count).reduce(0, +) == rows)
            #expect(zip(slices, slices.dropFirst()).allSatisfy { $0.first + $0.count == $1.first })
            #expect((slices.map(\.count).max() ?? 0) - (slices.map(\.count).min() ?? 0) <= 1)
        }
        #expect(batchSlice(rows: 2, rank: 2, size: 3) == (2, 0))
    }

    /// `--device auto` on a machine with several GPUs puts each of its ranks on its own, of the best kind,
    /// and never on a CPU-emulated device.
    @Test func automaticDevicesSpreadOverTheMachinesGPUs() {
        func device(_ index: Int, _ kind: DeviceKind) -> DeviceInfo {
            DeviceInfo(
                backend: "vulkan", name: "gpu \(index)", kind: kind, memoryBytes: 1 << 30, subgroupSize: 32,
                details: ["index": String(index)])
        }
        let machine = [device(0, .cpu), device(1, .discreteGPU), device(2, .integratedGPU), device(3, .discreteGPU)]
        let chosen = (0..<4).map { "\(DeviceSpecifier.automaticChoice(among: machine, localRank: $0))" }
        #expect(
            chosen == [
                "\(DeviceSpecifier.vulkanIndex(1))", "\(DeviceSpecifier.vulkanIndex(3))",
                "\(DeviceSpecifier.vulkanIndex(1))", "\(DeviceSpecifier.vulkanIndex(3))",
            ])
        #expect(
            "\(DeviceSpecifier.automaticChoice(among: [device(0, .cpu)], localRank: 1))" == "\(DeviceSpecifier.cpu)")
        #expect("\(DeviceSpecifier.automaticChoice(among: machine))" == "\(DeviceSpecifier.vulkanIndex(1))")
    }

    /// Ranks that would train different models are refused before the first step.
    @Test func ranksThatDisagreeAreRefused() throws {
        let group = LocalGroup(size: 2)
        let lock = NSLock()
        nonisolated(unsafe) var errors: [String] = ["", ""]
        onEachRank(2) { rank in
            let r = LocalGroup.Rank(group, rank: rank)
            do {
                let model = try VAEModel(Self.config, device: CPUDevice(mode: .fast), seed: UInt64(1 + rank))
                try r.requireAgreement(try model.parameterFingerprint(), about: "the model")
            } catch {
                lock.withLock { errors[rank] = "\(error)" }
            }
        }
        #expect(errors.allSatisfy { $0.contains("the 2 ranks disagree about the model") }, "\(errors)")
    }
}
