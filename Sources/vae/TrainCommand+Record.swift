import Foundation
import VAE
import VAECompute
import VAETensorBoard

/// How `vae train` describes its run in run.json, and opens the files it adds to each epoch.
extension TrainCommand {
    /// Every setting the run trains with, after defaults and a resumed run's own settings apply.
    func effectiveSettings(_ options: TrainingOptions, trainer: Trainer) -> [String: Any] {
        var settings: [String: Any] = [
            "epochs": options.epochs, "batch_size": options.batchSize, "lr": Double("\(options.learningRate)") ?? 0,
            "lr_schedule": options.learningRateSchedule.rawValue,
            "beta": Double("\(options.beta)") ?? 0, "kl_warmup": options.klWarmupEpochs,
            "seed": String(options.seed), "binarize": options.binarization.rawValue,
            "log_interval": options.logInterval, "data_placement": "\(trainer.placement)",
            "steps_per_submit": trainer.stepsPerSubmission, "keep_pictures": keepPictures,
            "scale": scale.map { $0 as Any } ?? "default",
            "tensorboard": noTensorBoard ? "off" : (tensorboard ?? "the run folder"),
        ]
        if options.learningRateSchedule != .constant {
            settings["lr_min"] = Double("\(options.minimumLearningRate)") ?? 0
            settings["lr_decay_epochs"] = options.decayLength
        }
        if let trainLimit { settings["train_limit"] = trainLimit }
        if let testLimit { settings["test_limit"] = testLimit }
        return settings
    }

    /// How the learning rate decays, for the model line (empty when it is constant).
    static func describeDecay(_ options: TrainingOptions) -> String {
        guard options.learningRateSchedule != .constant else { return "" }
        return " \(options.learningRateSchedule.rawValue) to \(options.minimumLearningRate) over "
            + "\(options.decayLength) epochs"
    }

    /// The model's architecture as run.json records it (the checkpoint holds the same in its metadata).
    static func describe(_ c: VAEConfiguration, parameters: Int) -> [String: Any] {
        [
            "summary": Checkpoint.describe(c), "architecture": c.architecture.rawValue, "hidden": c.hidden,
            "conv_channels": c.convChannels, "latent": c.latent, "activation": c.activation.description,
            "batch_norm": c.batchNorm, "likelihood": c.likelihood.rawValue,
            "gaussian_log_variance": Double("\(c.gaussianLogVariance)") ?? 0, "learned_variance": c.learnedVariance,
            "image": [c.imageChannels, c.imageHeight, c.imageWidth], "parameters": parameters,
        ]
    }

    /// The run's added outputs. A resumed run keeps its metrics.jsonl up to the saved epoch (a run saved
    /// before the file existed gets its epochs' lines from metrics.csv) and adds a TensorBoard file.
    static func outputs(
        folder: String, resumedAt done: Int?, jsonLinesPath: String, log: MetricsLog, stepsPerEpoch: Int,
        tensorboard: String?, keepAllPictures: Bool, scale: Int?, record: RunRecord, writes: Bool
    ) throws -> RunOutputs {
        var lines = MetricsJSONLines()
        if let done {
            if FileManager.default.fileExists(atPath: jsonLinesPath) {
                lines = try MetricsJSONLines(contentsOf: jsonLinesPath, upToEpoch: done)
            } else {
                for r in log.records { lines.append(r, step: r.epoch * stepsPerEpoch) }
            }
        }
        let events = try tensorboard.map { try EventFile(directory: $0) }
        return RunOutputs(
            folder: folder, record: record, events: events, keepAllPictures: keepAllPictures, scale: scale,
            lines: lines, writes: writes)
    }
}
