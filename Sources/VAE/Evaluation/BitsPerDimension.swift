import Foundation

/// Negative log-likelihoods in bits per dimension, the unit image-model papers report (CIFAR-10, ImageNet
/// 32/64): nats per image / (C·H·W · ln 2), corrected for how the model's density relates to 8-bit data.
public struct BitsPerDimension: Sendable, Equatable {
    /// What is added to nats/(D ln 2): log2 256 = 8 for a density over values scaled to [0, 1].
    public var offset: Double
    /// How to read the figure, for the report.
    public var remark: String

    /// The conversion for a model with `likelihood` judged on binary data (`binary`) or 8-bit data.
    public init(likelihood: Likelihood, binary: Bool) {
        switch (likelihood, binary) {
        case (.bernoulli, true):
            offset = 0
            remark = "binary data: the Bernoulli likelihood is exact"
        case (.gaussian, _):
            // A density p over [0, 1] gives each of the 256 levels a bin of width 1/256, so the discrete
            // probability is about p(x)/256 per value: −log2 P = −log2 p + 8 (Theis et al. 2016).
            offset = 8
            remark = "8-bit data: density over [0, 1] plus log2 256 = 8 bits (the dequantization bound)"
        case (.bernoulli, false):
            offset = 0
            remark =
                "Bernoulli on grey levels is not a likelihood of 8-bit data; compare only with models trained the same way"
        }
    }

    /// `nats` per image of `dimensions` values in bits per value.
    public func bits(nats: Double, dimensions: Int) -> Double {
        nats / (Double(dimensions) * log(2)) + offset
    }
}
