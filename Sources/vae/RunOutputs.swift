import Foundation
import VAE
import VAETensorBoard

/// What `vae train` writes into a run folder besides its saved state: metrics.jsonl's lines (committed with
/// the state), the pictures of every epoch, TensorBoard's event file and run.json.
final class RunOutputs {
    let folder: String
    let record: RunRecord
    let events: EventFile?
    let keepAllPictures: Bool
    /// The pictures' magnification (nil: the default for the images' size).
    let scale: Int?
    /// Whether this process writes pictures and run.json (rank 0 of a data-parallel job, or the only one).
    let writes: Bool
    /// Every line of metrics.jsonl so far (the file is committed with each epoch's state).
    private(set) var lines: MetricsJSONLines
    /// Where the epoch's previous log line left off: images seen and their summed losses.
    private var intervalStart = (samples: 0, reconstruction: 0.0, kl: 0.0)

    init(
        folder: String, record: RunRecord, events: EventFile?, keepAllPictures: Bool, scale: Int?,
        lines: MetricsJSONLines, writes: Bool = true
    ) {
        self.writes = writes
        self.folder = folder; self.record = record; self.events = events; self.keepAllPictures = keepAllPictures
        self.scale = scale; self.lines = lines
    }

    func file(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// Records a log interval: the mean losses over the steps since the previous one. `epochStartStep` is
    /// the model's global step when the epoch began.
    func logged(_ p: TrainingProgress, epochStartStep: Int, klWeight: Float) throws {
        if p.step == 0 || p.samples <= intervalStart.samples { return }
        let (rec, kl) = (p.reconstruction * Double(p.samples), p.kl * Double(p.samples))
        let n = Double(p.samples - intervalStart.samples)
        let meanRec = (rec - intervalStart.reconstruction) / n, meanKL = (kl - intervalStart.kl) / n
        let loss = meanRec + Double(klWeight) * meanKL
        intervalStart = (p.samples, rec, kl)
        let step = epochStartStep + p.step
        lines.append(
            MetricsJSONLines.Step(
                epoch: p.epoch, step: step, stepInEpoch: p.step,
                train: LossSummary(loss: loss, reconstruction: meanRec, kl: meanKL), klWeight: Double(klWeight),
                seconds: p.seconds))
        try events?.scalars(
            [("train/loss", loss), ("train/reconstruction", meanRec), ("train/kl", meanKL)], step: step)
    }

    /// Adds an epoch's line to metrics.jsonl (before the epoch's state is committed).
    func epochEnded(_ r: EpochRecord, step: Int) {
        lines.append(r, step: step, time: Date())
        intervalStart = (0, 0, 0)
    }

    /// After an epoch's state is saved: its pictures (samples.png, reconstructions.png, loss.png and, with
    /// --keep-pictures all, samples_NNN.png), TensorBoard's epoch scalars and pictures, and run.json.
    func epochSaved(
        _ log: [EpochRecord], step: Int, model: VAEModel, shownTest: ImageDataset, seed: UInt64
    ) throws {
        guard writes else { return }
        let samples = try Pictures.samples(model, seed: seed, scale: scale)
        try samples.write(to: file("samples.png"))
        if keepAllPictures, let epoch = log.last?.epoch {
            try samples.write(to: file(String(format: "samples_%03d.png", epoch)))
        }
        let reconstructions = try Pictures.reconstructions(model, images: shownTest, scale: scale)
        try reconstructions.write(to: file("reconstructions.png"))
        if !log.isEmpty { try LossCurve.draw(log).write(to: file("loss.png")) }
        if let events, let r = log.last {
            var scalars: [(tag: String, value: Double)] = [
                ("epoch/train_loss", r.train.loss), ("epoch/train_reconstruction", r.train.reconstruction),
                ("epoch/train_kl", r.train.kl), ("epoch/test_loss", r.test.loss),
                ("epoch/test_reconstruction", r.test.reconstruction), ("epoch/test_kl", r.test.kl),
                ("epoch/images_per_second", r.samplesPerSecond),
            ]
            if let w = r.klWeight { scalars.append(("epoch/kl_weight", w)) }
            if let lr = r.learningRate { scalars.append(("epoch/lr", lr)) }
            try events.scalars(scalars, step: step)
            try events.image("samples", samples, step: step)
            try events.image("reconstructions", reconstructions, step: step)
            try events.flush()
        }
        record.epochSaved(log)
        try record.write()
    }

    /// Ends the session's record (run.json): "finished", "stopped" or "failed" with the error's line. A
    /// record that cannot be written is reported, not raised: the run's state is in its other files.
    func finish(_ status: String, error: String? = nil) {
        guard writes else { return }
        record.finish(status, error: error)
        do {
            try record.write()
        } catch {
            FileHandle.standardError.write(Data("vae: warning: \(error)\n".utf8))
        }
    }
}
