import Foundation
import VAECompute

/// Where an epoch stands, for progress displays.
public struct TrainingProgress: Sendable {
    public var epoch: Int
    public var step: Int
    public var steps: Int
    public var samples: Int
    public var seconds: Double
    /// Mean loss per image so far this epoch (NaN where there is none to show).
    public var loss: Double
    /// Mean reconstruction NLL and KL per image so far this epoch (NaN where there is none to show).
    public var reconstruction: Double, kl: Double

    public init(
        epoch: Int, step: Int, steps: Int, samples: Int, seconds: Double, loss: Double,
        reconstruction: Double = .nan, kl: Double = .nan
    ) {
        self.epoch = epoch; self.step = step; self.steps = steps; self.samples = samples; self.seconds = seconds;
        self.loss = loss; self.reconstruction = reconstruction; self.kl = kl
    }
}

/// Training stopped because the loss stopped being a number.
public struct NonFiniteLossError: Error, CustomStringConvertible {
    public var epoch: Int, step: Int
    public var description: String {
        "the loss became NaN or infinite in epoch \(epoch) near step \(step); training stopped (try a lower --lr)"
    }
}

/// Training stopped at a step boundary because it was asked to (a signal); the epoch is abandoned.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    public var epoch: Int, step: Int, steps: Int
    public var description: String { "interrupted in epoch \(epoch) after step \(step) of \(steps)" }
}

/// Trains a `VAEModel` on images gathered into minibatches on the device. Where the images fit the device
/// beside the model, the whole training set is uploaded once as bytes and each epoch's shuffled order once
/// as indices; otherwise each minibatch is streamed from host memory (see `DataPlacement`). Either way
/// the host records steps and reads losses only every `logInterval` steps.
public final class Trainer {
    public let model: VAEModel
    public let options: TrainingOptions
    /// Where the images are kept: `.device` or `.host` (what `.automatic` chose).
    public let placement: DataPlacement
    /// Bytes of the training and test images.
    public let dataBytes: Int
    let device: any ComputeDevice
    let trainImages: any ImageFeed, testImages: any ImageFeed
    let trainCount: Int, testCount: Int
    /// Training steps recorded once and submitted together (see `init`).
    public let stepsPerSubmission: Int
    /// The processes that train together (one by default); see `trainEpochDistributed`.
    public let communicator: any Communicator
    /// Data-parallel steps taken, the seconds their gradient sums took (`MPI_Allreduce` and waiting for the
    /// slowest rank) and the bytes each summed.
    public internal(set) var reduction = (steps: 0, seconds: 0.0, bytes: 0)

    /// `placement` says where the images are kept (default: on the device when they fit); `maxShardBytes`
    /// caps the tensors they are kept in on the device below the device's own limit (tests use it to split
    /// a small set into shards). With `stepsPerSubmission` K > 1 and images kept on the device, an epoch's
    /// full-size step is recorded once and submitted K at a time (the minibatch offset comes from the
    /// device's step counter), so the host neither records nor submits per step; the results are the same
    /// to the bit. Default: 16 on GPUs, 1 on CPU devices (where it saves nothing).
    public init(
        model: VAEModel, train: ImageDataset, test: ImageDataset, options: TrainingOptions,
        placement: DataPlacement = .automatic, maxShardBytes: Int? = nil, stepsPerSubmission: Int? = nil,
        communicator: any Communicator = SingleProcess()
    ) throws {
        self.communicator = communicator
        if let k = stepsPerSubmission, k < 1 {
            throw ConfigurationError("steps per submission must be at least 1, got \(k)")
        }
        self.stepsPerSubmission = stepsPerSubmission ?? (model.device.info.kind == .cpu ? 1 : 16)
        try options.validate()
        guard train.fits(model.configuration), test.fits(model.configuration) else {
            throw DataError.mismatch(
                "the data has \(train.imageSize) images but the model takes \(model.configuration.imageSize)")
        }
        guard train.count > 0, test.count > 0 else {
            throw DataError.mismatch("the training and test sets must not be empty")
        }
        self.model = model
        self.options = options
        device = model.device
        let images = try CheckedSize.add(train.count, test.count, "the data")
        dataBytes = try CheckedSize.multiply(images, train.valuesPerImage, "the data")
        self.placement = try ImageFeeds.resolve(
            placement, sets: [train, test], batchSize: options.batchSize,
            modelBytes: try ImageFeeds.workspaceBytes(
                model, sets: [train, test], batchSize: options.batchSize), on: device,
            what: "training on \(images) images in batches of \(options.batchSize)")
        let train = options.binarization == .static ? train.binarized(seed: options.seed) : train
        let test = options.binarization == .none ? test : test.binarized(seed: Binarization.testSetSeed)
        trainCount = train.count; testCount = test.count
        trainImages = try ImageFeeds.make(
            train, placement: self.placement, batchSize: options.batchSize, on: device, maxShardBytes: maxShardBytes)
        testImages = try ImageFeeds.make(
            test, placement: self.placement, batchSize: options.batchSize, on: device, maxShardBytes: maxShardBytes)
    }

    /// The training order of epoch `epoch`: a Fisher–Yates shuffle driven by Philox under the seed.
    public static func permutation(count: Int, seed: UInt64, epoch: Int) -> [UInt32] {
        var p = (0..<UInt32(count)).map { $0 }
        let words = Philox.words(
            count: count, counter: (0, UInt32(truncatingIfNeeded: epoch), 0x5_4FF1, 0), key: Philox.key(seed: seed))
        var i = count - 1
        while i > 0 {
            let j = Int((UInt64(words[i]) * UInt64(i + 1)) >> 32)  // Lemire's multiply-shift: uniform in 0...i
            p.swapAt(i, j)
            i -= 1
        }
        return p
    }

    /// One pass over the training set at the epoch's learning rate (`TrainingOptions.learningRate(epoch:)`);
    /// returns its mean losses per image.
    /// `shouldStop` is asked after every step; when it answers true the epoch ends there with
    /// `TrainingInterrupted` (the model then holds part of an epoch: do not save it).
    public func trainEpoch(
        _ epoch: Int, progress: (TrainingProgress) -> Void = { _ in },
        shouldStop: () -> Bool = { false }
    ) throws -> LossSummary {
        let beta = options.klWeight(epoch: epoch)
        try model.setLearningRate(options.learningRate(epoch: epoch))
        try trainImages.setOrder(Self.permutation(count: trainCount, seed: options.seed, epoch: epoch))
        let batches = stride(from: 0, to: trainCount, by: options.batchSize).map {
            ($0, min(options.batchSize, trainCount - $0))
        }
        if communicator.size > 1 {
            return try trainEpochDistributed(
                epoch, beta: beta, batches: batches, progress: progress, shouldStop: shouldStop)
        }
        let spaces = try Set(batches.map(\.1)).map { try model.workspace(batchSize: $0) }
        try resetTotals(spaces)
        let start = Date()
        // A device that fails (lost, hung) is reported with the step that was last recorded.
        var lastStep = 0
        /// Reads the totals and reports progress after `done` steps when a log is due.
        func log(after done: Int) throws {
            guard done % options.logInterval == 0 || done == batches.count else { return }
            let seen = min(done * options.batchSize, trainCount)
            let totals = try readTotals(spaces)
            let loss = (totals.reconstruction + Double(beta) * totals.kl) / Double(seen)
            guard loss.isFinite else { throw NonFiniteLossError(epoch: epoch, step: done) }
            progress(
                TrainingProgress(
                    epoch: epoch, step: done, steps: batches.count, samples: seen,
                    seconds: Date().timeIntervalSince(start), loss: loss,
                    reconstruction: totals.reconstruction / Double(seen), kl: totals.kl / Double(seen)))
        }
        do {
            var done = 0
            // Full-size steps recorded once and replayed, K per submission, when the images are resident.
            let full = batches.filter { $0.1 == options.batchSize }.count
            if stepsPerSubmission > 1, full > 1, let resident = trainImages as? ResidentImages {
                let w = try model.workspace(batchSize: options.batchSize)
                let stepBase = try model.step()
                let program = try device.record {
                    try resident.gatherAtStep(schedule: model.schedule, stepBase: stepBase, into: w.x)
                    if options.binarization == .dynamic {
                        try device.launch(
                            .sampleBernoulli(x: w.x, schedule: model.schedule, seed: options.seed, stream: 0x7000_0000))
                    }
                    try model.trainStep(w, seed: options.seed, beta: beta)
                }
                while done < full {
                    let nextLog = (done / options.logInterval + 1) * options.logInterval
                    let chunk = min(stepsPerSubmission, full - done, nextLog - done)
                    lastStep = done + chunk
                    try device.run(program, times: chunk)
                    done += chunk
                    if shouldStop() { throw TrainingInterrupted(epoch: epoch, step: done, steps: batches.count) }
                    try log(after: done)
                }
            }
            for (first, size) in batches.dropFirst(done) {
                lastStep = done + 1
                let w = try model.workspace(batchSize: size)
                try trainImages.gather(first: first, into: w.x)
                if options.binarization == .dynamic {
                    try device.launch(
                        .sampleBernoulli(x: w.x, schedule: model.schedule, seed: options.seed, stream: 0x7000_0000))
                }
                try model.trainStep(w, seed: options.seed, beta: beta)
                try device.flush()
                done += 1
                if shouldStop() { throw TrainingInterrupted(epoch: epoch, step: done, steps: batches.count) }
                try log(after: done)
            }
        } catch ComputeError.deviceFailure(let message) {
            throw ComputeError.deviceFailure(
                "\(message) (training epoch \(epoch), step \(lastStep) of \(batches.count))")
        }
        let totals = try readTotals(spaces)
        let n = Double(trainCount)
        return LossSummary(
            loss: (totals.reconstruction + Double(beta) * totals.kl) / n, reconstruction: totals.reconstruction / n,
            kl: totals.kl / n)
    }

    /// The negative ELBO per test image, with z sampled as in training (PyTorch's example does the same).
    public func evaluateTestSet() throws -> LossSummary {
        try evaluate(images: testImages, count: testCount)
    }

    func evaluate(images: any ImageFeed, count: Int) throws -> LossSummary {
        let batches = stride(from: 0, to: count, by: options.batchSize).map { ($0, min(options.batchSize, count - $0)) }
        let spaces = try Set(batches.map(\.1)).map { try model.workspace(batchSize: $0) }
        try resetTotals(spaces)
        // Data-parallel ranks share the batches: a batch's noise depends on its index alone, and batch norm's
        // running statistics are the same on every rank (averaged after each epoch), so the sum is the one
        // process's.
        let c = communicator, shared = c.size > 1
        for (index, (first, size)) in batches.enumerated() where !shared || index % c.size == c.rank {
            let w = try model.workspace(batchSize: size)
            try images.gather(first: first, into: w.x)
            try model.forward(w, seed: options.seed, stream: 0x4000_0000 | UInt32(index))
            try device.flush()
        }
        var totals = try readTotals(spaces)
        if shared {
            var both = [totals.reconstruction, totals.kl]
            try c.allreduceSum(&both)
            totals = (both[0], both[1])
        }
        let n = Double(count)
        guard totals.reconstruction.isFinite, totals.kl.isFinite else { throw NonFiniteLossError(epoch: 0, step: 0) }
        return LossSummary(
            loss: (totals.reconstruction + totals.kl) / n, reconstruction: totals.reconstruction / n, kl: totals.kl / n)
    }

    func resetTotals(_ spaces: [Workspace]) throws {
        for w in spaces {
            try device.launch(.fill(x: w.reconstructionTotal, value: 0))
            try device.launch(.fill(x: w.klTotal, value: 0))
        }
    }

    func readTotals(_ spaces: [Workspace]) throws -> (reconstruction: Double, kl: Double) {
        var r = 0.0, k = 0.0
        for w in spaces {
            r += Double(try device.download(w.reconstructionTotal)[0])
            k += Double(try device.download(w.klTotal)[0])
        }
        return (r, k)
    }
}
