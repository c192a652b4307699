import Foundation
import VAECompute

extension Trainer {
    /// One pass over the training set shared by the communicator's ranks: every rank walks the same
    /// shuffled batches, takes its contiguous slice of each (`batchSlice`), and the gradients are summed
    /// over the ranks before every rank takes the same Adam step. Returns the whole batch's mean losses per
    /// image, summed over the ranks, as one process would report them.
    func trainEpochDistributed(
        _ epoch: Int, beta: Float, batches: [(Int, Int)], progress: (TrainingProgress) -> Void,
        shouldStop: () -> Bool
    ) throws -> LossSummary {
        let c = communicator, config = model.configuration
        let slices = batches.map { batchSlice(rows: $0.1, rank: c.rank, size: c.size) }
        let spaces = try Set(slices.map(\.count).filter { $0 > 0 }).map { try model.workspace(batchSize: $0) }
        try resetTotals(spaces)
        let start = Date()
        func totals() throws -> (reconstruction: Double, kl: Double) {
            let mine = try readTotals(spaces)
            var both = [mine.reconstruction, mine.kl]
            try c.allreduceSum(&both)
            return (both[0], both[1])
        }
        var lastStep = 0
        // Where the gradients are copied for summing on devices whose memory the host cannot work on in
        // place: kept for the epoch.
        var staging: [Float] = []
        // The stop signal, summed over the ranks after every step.
        var stop: [Float] = [0]
        reduction.bytes = model.gradients.count * MemoryLayout<Float>.size
        do {
            for (index, ((first, _), slice)) in zip(batches, slices).enumerated() {
                lastStep = index + 1
                var w: Workspace?
                if slice.count > 0 {
                    let space = try model.workspace(batchSize: slice.count)
                    try trainImages.gather(first: first + slice.first, into: space.x)
                    if options.binarization == .dynamic {
                        try device.launch(
                            .sampleBernoulli(
                                x: space.x, schedule: model.schedule, seed: options.seed, stream: 0x7000_0000,
                                offset: slice.first * config.inputSize))
                    }
                    w = space
                }
                /// Sums over the ranks, timed (the sum and any wait for a slower rank).
                func sum(_ values: UnsafeMutableBufferPointer<Float>) throws {
                    let started = Date()
                    try c.allreduceSum(values)
                    reduction.seconds += Date().timeIntervalSince(started)
                }
                try model.stepWithReducedGradients(
                    w, seed: options.seed, beta: beta, noiseOffset: slice.first * config.latent, staging: &staging,
                    sum: sum)
                // Every rank stops at the same step: the stop signals are summed too.
                stop[0] = shouldStop() ? 1 : 0
                try stop.withUnsafeMutableBufferPointer { try sum($0) }
                reduction.steps += 1
                let done = index + 1
                if stop[0] > 0 {
                    throw TrainingInterrupted(epoch: epoch, step: done, steps: batches.count)
                }
                if done % options.logInterval == 0 || done == batches.count {
                    let t = try totals(), seen = Double(min(done * options.batchSize, trainCount))
                    let loss = (t.reconstruction + Double(beta) * t.kl) / seen
                    guard loss.isFinite else { throw NonFiniteLossError(epoch: epoch, step: done) }
                    progress(
                        TrainingProgress(
                            epoch: epoch, step: done, steps: batches.count, samples: Int(seen),
                            seconds: Date().timeIntervalSince(start), loss: loss,
                            reconstruction: t.reconstruction / seen, kl: t.kl / seen))
                }
            }
        } catch ComputeError.deviceFailure(let message) {
            throw ComputeError.deviceFailure(
                "\(message) (training epoch \(epoch), step \(lastStep) of \(batches.count), rank \(c.rank))")
        }
        try averageRunningStatistics()
        let t = try totals(), n = Double(trainCount)
        return LossSummary(
            loss: (t.reconstruction + Double(beta) * t.kl) / n, reconstruction: t.reconstruction / n, kl: t.kl / n)
    }

    /// Replaces every rank's batch-norm running statistics by their mean over the ranks, so that all ranks
    /// evaluate (and rank 0 saves) one model. Each rank's running mean follows its slices' means, and the mean
    /// of the slices' means is the whole batch's, so the average is what one process would have kept (up to
    /// the variance between slices, which the running variances miss, as they do under DDP).
    func averageRunningStatistics() throws {
        let buffers = model.bufferTensors.map(\.tensor)
        guard communicator.size > 1, !buffers.isEmpty else { return }
        var values = try buffers.flatMap { try device.download($0) }
        try communicator.allreduceSum(&values)
        let scale = 1 / Float(communicator.size)
        var at = 0
        for b in buffers {
            try device.upload(values[at..<(at + b.count)].map { $0 * scale }, to: b)
            at += b.count
        }
    }
}
