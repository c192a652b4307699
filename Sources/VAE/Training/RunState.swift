import Foundation

/// What a run was trained with, recorded in its checkpoint's metadata so that `--resume` continues with
/// the same settings and can name any option that contradicts them.
public struct RunSettings: Sendable, Equatable {
    public var seed: UInt64
    public var binarization: Binarization
    public var batchSize: Int
    public var learningRate: Float
    public var beta: Float
    public var klWarmupEpochs: Int
    public var learningRateSchedule: LearningRateSchedule
    public var minimumLearningRate: Float
    /// The epochs the schedule decays over (the first run's `--epochs` unless given).
    public var decayEpochs: Int
    /// Training images the run uses (after `--train-limit`).
    public var trainImages: Int

    public init(options: TrainingOptions, trainImages: Int) {
        seed = options.seed; binarization = options.binarization; batchSize = options.batchSize
        learningRate = options.learningRate; beta = options.beta; klWarmupEpochs = options.klWarmupEpochs
        learningRateSchedule = options.learningRateSchedule; minimumLearningRate = options.minimumLearningRate
        decayEpochs = options.decayLength
        self.trainImages = trainImages
    }

    /// The checkpoint metadata keys (seed and vae.binarize as earlier versions wrote them).
    public var metadata: [String: String] {
        [
            "seed": String(seed), "vae.binarize": binarization.rawValue, "train.batch_size": String(batchSize),
            "train.lr": String(learningRate), "train.beta": String(beta), "train.kl_warmup": String(klWarmupEpochs),
            "train.images": String(trainImages), "train.lr_schedule": learningRateSchedule.rawValue,
            "train.lr_min": String(minimumLearningRate), "train.lr_decay_epochs": String(decayEpochs),
        ]
    }

    /// Each recorded setting of a checkpoint's metadata, by option name, as text (a checkpoint of an
    /// earlier version records only some; malformed values throw).
    public static func recorded(in metadata: [String: String], file: String) throws -> [String: String] {
        let keys = [
            "--seed": "seed", "--binarize": "vae.binarize", "--batch-size": "train.batch_size", "--lr": "train.lr",
            "--beta": "train.beta", "--kl-warmup": "train.kl_warmup", "train images": "train.images",
            "--lr-schedule": "train.lr_schedule", "--lr-min": "train.lr_min",
            "--lr-decay-epochs": "train.lr_decay_epochs",
        ]
        var result: [String: String] = [:]
        for (option, key) in keys {
            guard let value = metadata[key] else { continue }
            let valid: Bool
            switch key {
            case "seed": valid = UInt64(value) != nil
            case "vae.binarize": valid = Binarization(rawValue: value) != nil
            case "train.lr_schedule": valid = LearningRateSchedule(rawValue: value) != nil
            case "train.lr", "train.beta", "train.lr_min": valid = Float(value).map { $0.isFinite && $0 >= 0 } ?? false
            default: valid = Int(value).map { $0 >= 0 } ?? false
            }
            guard valid else {
                throw DataError.corrupt(
                    file: file, reason: "metadata \(key) is '\(value)', out of range for what it records")
            }
            result[option] = value
        }
        return result
    }
}

/// The epoch a run's files are at, checked to be one and the same in all of them.
public enum RunConsistency {
    /// Checks that the model, the optimizer state and the metrics describe the same epoch (and step)
    /// and returns it; otherwise throws naming what disagrees.
    public static func epoch(
        model: [String: String], optimizer: [String: String], metrics: MetricsLog, folder: String
    ) throws -> Int {
        func number(_ m: [String: String], _ key: String, _ file: String) throws -> Int? {
            guard let text = m[key] else { return nil }
            guard let value = Int(text), value >= 0 else {
                throw DataError.corrupt(file: "\(folder)/\(file)", reason: "metadata \(key) is '\(text)', not a count")
            }
            return value
        }
        guard let epoch = try number(model, "epoch", "model.safetensors") else {
            throw RunError(
                "\(folder)/model.safetensors records no epoch: it was not written by `vae train`, so it cannot be resumed"
            )
        }
        let optimizerEpoch = try number(optimizer, "epoch", "optimizer.safetensors")
        guard optimizerEpoch == epoch else {
            throw RunError(
                "\(folder): model.safetensors is at epoch \(epoch) but optimizer.safetensors at "
                    + "\(optimizerEpoch.map(String.init) ?? "no epoch"): they are not from the same save, so the run cannot continue exactly"
            )
        }
        if let modelStep = try number(model, "step", "model.safetensors"),
            let optimizerStep = try number(optimizer, "step", "optimizer.safetensors"),
            modelStep != optimizerStep
        {
            throw RunError(
                "\(folder): model.safetensors is at step \(modelStep) but optimizer.safetensors at step \(optimizerStep)"
            )
        }
        let last = metrics.records.last?.epoch ?? 0
        guard last == epoch else {
            throw RunError(
                "\(folder): metrics.csv ends at epoch \(last) but the model is at epoch \(epoch)"
                    + (last < epoch
                        ? " (an epoch's metrics row is missing)" : " (rows of epochs the model has not reached)"))
        }
        if let missing = (1..<max(epoch + 1, 1)).first(where: { e in !metrics.records.contains { $0.epoch == e } }) {
            throw RunError("\(folder): metrics.csv has no row for epoch \(missing) of the \(epoch) the model has")
        }
        return epoch
    }
}
