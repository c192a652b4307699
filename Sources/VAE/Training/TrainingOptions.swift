import Foundation

/// How grey-level pixels become training targets.
public enum Binarization: String, Sendable, CaseIterable {
    /// Grey levels in [0, 1] as they are (PyTorch's VAE example).
    case none
    /// Each training pixel drawn as 0 or 1 once, before training.
    case `static`
    /// Each training pixel drawn anew every time its image is used (the IWAE paper's protocol).
    case dynamic

    /// The seed of the fixed binarized test set every binarized run is evaluated on, so figures compare
    /// across runs and tools.
    public static let testSetSeed: UInt64 = 0x5EED_B1A5
}

/// How the learning rate changes over a run, epoch by epoch.
public enum LearningRateSchedule: String, Sendable, CaseIterable {
    /// The same rate throughout (PyTorch's VAE example).
    case constant
    /// Cosine annealing (PyTorch's `CosineAnnealingLR` stepped once per epoch): from the rate in epoch 1
    /// down towards the minimum over the decay epochs, then the minimum.
    case cosine
}

/// How to train: PyTorch's VAE example's defaults.
public struct TrainingOptions: Sendable, Equatable {
    public var epochs = 10
    public var batchSize = 128
    public var learningRate: Float = 1e-3
    public var learningRateSchedule = LearningRateSchedule.constant
    /// Where a decaying schedule ends.
    public var minimumLearningRate: Float = 0
    /// Epochs a decaying schedule takes to reach the minimum (nil: `epochs`). A run records the number it
    /// started with, so a resumed run that asks for more epochs continues the same curve.
    public var decayEpochs: Int?
    /// Weight of the KL term (β-VAE); 1 is the ELBO.
    public var beta: Float = 1
    /// Epochs over which the KL weight rises linearly from 0 to `beta` (0: no warm-up).
    public var klWarmupEpochs = 0
    public var seed: UInt64 = 1
    /// Steps between loss read-backs (each read waits for the device).
    public var logInterval = 50
    /// Binary targets instead of grey levels (the test set is then binarized once, with a fixed seed).
    public var binarization = Binarization.none

    public init() {}

    /// Throws a one-line error naming the bad option.
    public func validate() throws {
        guard epochs >= 0 else { throw ConfigurationError("--epochs must not be negative, got \(epochs)") }
        guard batchSize > 0 else { throw ConfigurationError("--batch-size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw ConfigurationError("--lr must be a positive number, got \(learningRate)")
        }
        guard minimumLearningRate >= 0, minimumLearningRate <= learningRate else {
            throw ConfigurationError(
                "--lr-min must be between 0 and --lr (\(learningRate)), got \(minimumLearningRate)")
        }
        if let decayEpochs, decayEpochs < 1 {
            throw ConfigurationError("--lr-decay-epochs must be at least 1, got \(decayEpochs)")
        }
        guard beta >= 0, beta.isFinite else {
            throw ConfigurationError("--beta must be a finite number, not negative, got \(beta)")
        }
        guard klWarmupEpochs >= 0 else {
            throw ConfigurationError("--kl-warmup must not be negative, got \(klWarmupEpochs)")
        }
        guard logInterval > 0 else { throw ConfigurationError("the log interval must be positive") }
    }

    /// The epochs a decaying schedule takes: `decayEpochs`, else `epochs` (at least 1).
    public var decayLength: Int { max(1, decayEpochs ?? epochs) }

    /// The learning rate of epoch `epoch` (1-based). Cosine: min + (lr − min)·(1 + cos(π·(epoch − 1)/D))/2
    /// over D decay epochs, so epoch 1 trains at `learningRate`; the minimum from epoch D + 1 on.
    public func learningRate(epoch: Int) -> Float {
        switch learningRateSchedule {
        case .constant: return learningRate
        case .cosine:
            let span = decayLength
            let done = Double(min(max(epoch - 1, 0), span)) / Double(span)
            let (top, bottom) = (Double(learningRate), Double(minimumLearningRate))
            return Float(bottom + (top - bottom) * (1 + cos(Double.pi * done)) / 2)
        }
    }

    /// The KL weight in epoch `epoch` (1-based): β·min(1, epoch / warm-up epochs).
    public func klWeight(epoch: Int) -> Float {
        klWarmupEpochs == 0 ? beta : beta * min(1, Float(epoch) / Float(klWarmupEpochs))
    }
}
