import Foundation
import VAECompute

/// The likelihood p(x|z) of the decoder.
public enum Likelihood: String, Sendable, CaseIterable {
    /// Bernoulli per pixel; the decoder outputs logits; loss = binary cross-entropy summed over pixels.
    case bernoulli
    /// Gaussian per pixel with a fixed variance; the decoder outputs the mean.
    case gaussian
}

/// The architecture of an MLP VAE: encoder `input → hidden… → (mu, logvar)`, decoder
/// `latent → reversed hidden… → input`.
public struct VAEConfiguration: Sendable, Equatable {
    public var inputSize: Int
    public var hidden: [Int]
    public var latent: Int
    public var likelihood: Likelihood
    public var activation: Activation
    /// log σ² of the Gaussian likelihood (ignored for Bernoulli): the value for every pixel when fixed,
    /// the starting value when learned.
    public var gaussianLogVariance: Float
    /// Learn one log-variance per pixel with the rest of the model (Gaussian likelihood only).
    public var learnedVariance: Bool
    /// Image height × width = `inputSize`, for drawing.
    public var imageHeight: Int
    public var imageWidth: Int

    /// PyTorch's VAE example: 784-400-20, ReLU, Bernoulli.
    public init(inputSize: Int = 784, hidden: [Int] = [400], latent: Int = 20, likelihood: Likelihood = .bernoulli,
                activation: Activation = .relu, gaussianLogVariance: Float = 0, learnedVariance: Bool = false,
                imageHeight: Int = 28, imageWidth: Int = 28) {
        self.learnedVariance = learnedVariance
        self.inputSize = inputSize; self.hidden = hidden; self.latent = latent; self.likelihood = likelihood
        self.activation = activation; self.gaussianLogVariance = gaussianLogVariance
        self.imageHeight = imageHeight; self.imageWidth = imageWidth
    }

    /// Throws a one-line error for sizes that cannot make a model.
    public func validate() throws {
        guard inputSize > 0 else { throw ConfigurationError("the input size must be positive, got \(inputSize)") }
        guard latent > 0 else { throw ConfigurationError("--latent must be positive, got \(latent)") }
        guard hidden.allSatisfy({ $0 > 0 }) else { throw ConfigurationError("--hidden sizes must be positive, got \(hidden)") }
        guard !learnedVariance || likelihood == .gaussian else { throw ConfigurationError("a learned variance needs --likelihood gaussian") }
        guard imageHeight > 0, imageWidth > 0,
              imageHeight.multipliedReportingOverflow(by: imageWidth) == (inputSize, false) else {
            throw ConfigurationError("images of \(imageHeight)×\(imageWidth) do not have \(inputSize) pixels")
        }
    }

    /// Parses a comma-separated list of sizes ("400" or "512,256"; "" for none). Empty items ("400,,400",
    /// ","), signs, spaces inside numbers and non-numbers are errors naming `option`.
    public static func parseSizes(_ text: String, option: String) throws -> [Int] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return [] }
        return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map { item in
            let digits = item.trimmingCharacters(in: .whitespaces)
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let value = Int(digits), value > 0 else {
                throw ConfigurationError("\(option) must be positive sizes separated by commas, got '\(text)'")
            }
            return value
        }
    }

    /// Layer shapes in order: encoder hidden layers, mu head, logvar head, decoder hidden layers, output.
    var layers: [(role: LayerRole, inputs: Int, outputs: Int)] {
        var result: [(LayerRole, Int, Int)] = []
        var width = inputSize
        for (i, h) in hidden.enumerated() { result.append((.encoder(i), width, h)); width = h }
        result.append((.mu, width, latent))
        result.append((.logvar, width, latent))
        width = latent
        for (i, h) in hidden.reversed().enumerated() { result.append((.decoder(i), width, h)); width = h }
        result.append((.output, width, inputSize))
        return result
    }
}

/// What a dense layer does in the model.
public enum LayerRole: Hashable, Sendable {
    case encoder(Int), mu, logvar, decoder(Int), output
}

/// A bad option or configuration value.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
