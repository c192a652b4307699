import Foundation
import VAECompute

/// The likelihood p(x|z) of the decoder.
public enum Likelihood: String, Sendable, CaseIterable {
    /// Bernoulli per pixel; the decoder outputs logits; loss = binary cross-entropy summed over pixels.
    case bernoulli
    /// Gaussian per pixel with a fixed variance; the decoder outputs the mean.
    case gaussian
}

/// The architecture of a VAE: an encoder to the two heads (mu, logvar), a decoder back to the image.
/// For `.mlp`, encoder `input → hidden… → (mu, logvar)`, decoder `latent → reversed hidden… → input`;
/// for the convolutional architectures, see `Architecture`.
public struct VAEConfiguration: Sendable, Equatable {
    public var architecture: Architecture
    /// Values per image: channels × height × width.
    public var inputSize: Int
    /// Widths of the dense hidden layers (for conv28, those between the convolutions and the heads).
    public var hidden: [Int]
    /// Output channels of each convolution of the encoder (the convolutional architectures only).
    public var convChannels: [Int]
    /// Channels of the images (1 for grey, 3 for colour).
    public var imageChannels: Int
    public var latent: Int
    public var likelihood: Likelihood
    public var activation: Activation
    /// A BatchNorm2d after every convolution but the last (conv64 only).
    public var batchNorm: Bool
    /// log σ² of the Gaussian likelihood (ignored for Bernoulli): the value for every pixel when fixed,
    /// the starting value when learned.
    public var gaussianLogVariance: Float
    /// Learn one log-variance per pixel with the rest of the model (Gaussian likelihood only).
    public var learnedVariance: Bool
    /// Image height × width = `inputSize`, for drawing.
    public var imageHeight: Int
    public var imageWidth: Int

    /// PyTorch's VAE example: 784-400-20, ReLU, Bernoulli. What is not given takes the architecture's
    /// default (`Architecture.defaultHidden` and its siblings).
    public init(
        architecture: Architecture = .mlp, inputSize: Int = 784, hidden: [Int]? = nil, convChannels: [Int]? = nil,
        latent: Int? = nil, likelihood: Likelihood = .bernoulli,
        activation: Activation? = nil, batchNorm: Bool? = nil, gaussianLogVariance: Float = 0,
        learnedVariance: Bool = false, imageChannels: Int = 1, imageHeight: Int = 28, imageWidth: Int = 28
    ) {
        self.architecture = architecture
        self.convChannels = convChannels ?? architecture.defaultConvChannels
        self.imageChannels = imageChannels
        let hidden = hidden ?? architecture.defaultHidden
        self.learnedVariance = learnedVariance
        self.inputSize = inputSize; self.hidden = hidden; self.latent = latent ?? architecture.defaultLatent
        self.likelihood = likelihood
        self.activation = activation ?? architecture.defaultActivation
        self.batchNorm = batchNorm ?? architecture.defaultBatchNorm
        self.gaussianLogVariance = gaussianLogVariance
        self.imageHeight = imageHeight; self.imageWidth = imageWidth
    }

    /// Throws a one-line error for sizes that cannot make a model.
    public func validate() throws {
        guard inputSize > 0 else { throw ConfigurationError("the input size must be positive, got \(inputSize)") }
        guard latent > 0 else { throw ConfigurationError("--latent must be positive, got \(latent)") }
        guard hidden.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationError("--hidden sizes must be positive, got \(hidden)")
        }
        guard !learnedVariance || likelihood == .gaussian else {
            throw ConfigurationError("a learned variance needs --likelihood gaussian")
        }
        guard imageHeight > 0, imageWidth > 0, imageChannels > 0,
            (try? CheckedSize.product([imageChannels, imageHeight, imageWidth], "")) == inputSize
        else {
            throw ConfigurationError(
                "images of \(imageChannels)×\(imageHeight)×\(imageWidth) do not have \(inputSize) pixel values")
        }
        guard convChannels.allSatisfy({ $0 > 0 }) else {
            throw ConfigurationError("--conv-channels must be positive, got \(convChannels)")
        }
        guard architecture != .mlp || convChannels.isEmpty else {
            throw ConfigurationError("--conv-channels is for the convolutional architectures")
        }
        guard !batchNorm || architecture.offersBatchNorm else {
            throw ConfigurationError(
                "--batch-norm is for --arch conv64 (\(architecture.rawValue) is a fixed PyTorch module)")
        }
        if let side = architecture.imageSide, imageHeight != side || imageWidth != side {
            throw ConfigurationError(
                "--arch \(architecture.rawValue) takes \(side)×\(side) images, got \(imageHeight)×\(imageWidth)")
        }
        _ = try plan()
    }

    /// The images the model takes, as errors name them: "28×28" (grey), "3×32×32 (3 channels)" otherwise.
    public var imageSize: String {
        imageChannels == 1
            ? "\(imageHeight)×\(imageWidth)"
            : "\(imageChannels)×\(imageHeight)×\(imageWidth) (\(imageChannels) channels)"
    }

    /// The layers, with every shape worked out and checked.
    func plan() throws -> NetworkPlan { try NetworkPlan(self) }

    /// Parses a comma-separated list of sizes ("400" or "512,256"; "" for none). Empty items ("400,,400",
    /// ","), signs, spaces inside numbers and non-numbers are errors naming `option`.
    public static func parseSizes(_ text: String, option: String) throws -> [Int] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let digits = item.trimmingCharacters(in: .whitespaces)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let value = Int(digits),
                value > 0
            else {
                throw ConfigurationError("\(option) must be positive sizes separated by commas, got '\(text)'")
            }
            return value
        }
    }
}

/// What a layer does in the model: the i-th layer with parameters of the encoder, a head, the i-th of
/// the decoder, or the decoder's last (the output). `heads` is both heads as the one layer the model runs
/// (its outputs mu then logvar); checkpoints name the two heads.
public enum LayerRole: Hashable, Sendable {
    case encoder(Int), mu, logvar, heads, decoder(Int), output
}

/// A bad option or configuration value.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
