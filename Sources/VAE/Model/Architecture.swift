import VAECompute

/// The model families `vae train --arch` offers. Each travels in the checkpoint (`vae.arch`), so every
/// other command rebuilds the model from the file alone.
public enum Architecture: String, Sendable, CaseIterable {
    /// PyTorch's VAE example: dense layers of `hidden` widths (784-400-20 by default), tensors named
    /// fc1, fc21, fc22, fc3, fc4.
    case mlp
    /// A convolutional VAE for 28×28 images, exactly this PyTorch module (docs/architectures.md), with
    /// `convChannels` [32, 64] and `hidden` [256] by default:
    ///
    ///     encoder = Sequential(Conv2d(C,32,4,2,1), ReLU(), Conv2d(32,64,4,2,1), ReLU(),
    ///                          Flatten(), Linear(3136,256), ReLU())
    ///     mu = Linear(256,Z); logvar = Linear(256,Z)
    ///     decoder = Sequential(Linear(Z,256), ReLU(), Linear(256,3136), ReLU(), Unflatten(1,(64,7,7)),
    ///                          ConvTranspose2d(64,32,4,2,1), ReLU(), ConvTranspose2d(32,C,4,2,1))
    case conv28
    /// PyTorch-VAE's VanillaVAE for 64×64 images (CelebA's usual size), as flat Sequentials, with
    /// `convChannels` [32, 64, 128, 256, 512], no dense layers, latent 128, LeakyReLU and batch norm by
    /// default:
    ///
    ///     encoder = Sequential(Conv2d(C,32,3,2,1), BatchNorm2d(32), LeakyReLU(), … Conv2d(256,512,3,2,1),
    ///                          BatchNorm2d(512), LeakyReLU(), Flatten())
    ///     mu = Linear(2048,Z); logvar = Linear(2048,Z)
    ///     decoder = Sequential(Linear(Z,2048), Unflatten(1,(512,2,2)),
    ///                          ConvTranspose2d(512,256,3,2,1,1), BatchNorm2d(256), LeakyReLU(), …
    ///                          ConvTranspose2d(32,32,3,2,1,1), BatchNorm2d(32), LeakyReLU(), Conv2d(32,C,3,1,1))
    ///
    /// (VanillaVAE ends in Tanh for a mean-squared error; here the last Conv2d gives Bernoulli logits or
    /// Gaussian means, as every architecture's output does.)
    case conv64

    /// The image sides (height, width) the architecture takes, nil for any.
    public var imageSide: Int? {
        switch self {
        case .mlp: nil
        case .conv28: 28
        case .conv64: 64
        }
    }

    /// The defaults of `--hidden`, `--conv-channels`, `--latent`, `--activation` and `--batch-norm`.
    public var defaultHidden: [Int] {
        switch self {
        case .mlp: [400]
        case .conv28: [256]
        case .conv64: []
        }
    }
    public var defaultConvChannels: [Int] {
        switch self {
        case .mlp: []
        case .conv28: [32, 64]
        case .conv64: [32, 64, 128, 256, 512]
        }
    }
    public var defaultLatent: Int { self == .conv64 ? 128 : 20 }
    public var defaultActivation: Activation { self == .conv64 ? .leakyRelu : .relu }
    public var defaultBatchNorm: Bool { self == .conv64 }
    /// Whether `--batch-norm` may be switched on (the others are fixed PyTorch modules without it).
    public var offersBatchNorm: Bool { self == .conv64 }
}

/// One module of a PyTorch-style `Sequential`: the description a network is built from. Activations and
/// the reshapes are modules too, so positions (and so checkpoint names) count as PyTorch counts them.
public enum LayerSpec: Sendable, Equatable {
    /// nn.Linear to `outputs` features (the input must be flat).
    case linear(outputs: Int)
    /// nn.Conv2d to `channels`, square kernel.
    case conv2d(channels: Int, kernel: Int, stride: Int, padding: Int)
    /// nn.ConvTranspose2d to `channels`.
    case convTranspose2d(channels: Int, kernel: Int, stride: Int, padding: Int, outputPadding: Int)
    /// nn.BatchNorm2d over the channels of the maps before it (PyTorch's momentum 0.1 and eps 1e-5).
    case batchNorm2d
    case activation(Activation)
    /// nn.Flatten: C×H×W becomes C·H·W features (free: images are stored flat).
    case flatten
    /// nn.Unflatten(1, (C, H, W)) (free, like Flatten).
    case unflatten(channels: Int, height: Int, width: Int)
}

/// Channels × height × width of the values each image carries between layers (a flat vector is n×1×1).
public struct FeatureShape: Sendable, Equatable, CustomStringConvertible {
    public var channels: Int, height: Int, width: Int
    public init(_ channels: Int, _ height: Int = 1, _ width: Int = 1) {
        self.channels = channels; self.height = height; self.width = width
    }
    public var count: Int { channels * height * width }
    public var isFlat: Bool { height == 1 && width == 1 }
    public var description: String { isFlat ? "\(channels)" : "\(channels)×\(height)×\(width)" }
}

/// A layer with parameters, placed: what `VAEModel` makes, with shapes worked out and the activation
/// that follows it fused in.
struct PlannedLayer: Equatable {
    enum Kind: Equatable {
        case dense(inputs: Int, outputs: Int)
        case conv2d(ConvGeometry)
        /// A ConvTranspose2d whose output is the geometry's input side.
        case convTranspose2d(ConvGeometry)
        /// A BatchNorm2d over `channels` maps of `plane` = H·W values.
        case batchNorm2d(channels: Int, plane: Int)
    }
    var role: LayerRole
    /// The checkpoint prefix ("fc1", "encoder.0").
    var name: String
    var kind: Kind
    var activation: Activation
    var input: FeatureShape, output: FeatureShape

    /// The weight's shape as PyTorch stores it.
    var weightShape: [Int] {
        switch kind {
        case let .dense(inputs, outputs): [outputs, inputs]
        case let .conv2d(g), let .convTranspose2d(g): g.weightShape
        case let .batchNorm2d(channels, _): [channels]
        }
    }
    var biasCount: Int {
        switch kind {
        case let .dense(_, outputs): outputs
        case let .conv2d(g): g.outputChannels
        case let .convTranspose2d(g): g.inputChannels
        case let .batchNorm2d(channels, _): channels
        }
    }
    /// Whether the layer is a BatchNorm2d (initialized to γ = 1, β = 0, with running statistics).
    var isBatchNorm: Bool {
        if case .batchNorm2d = kind { true } else { false }
    }
    /// PyTorch's fan-in for the default initialization (ConvTranspose2d takes it from the weight's second
    /// dimension, its output channels, times the kernel area).
    var fanIn: Int {
        switch kind {
        case let .dense(inputs, _): inputs
        case let .conv2d(g), let .convTranspose2d(g): g.reduction
        case .batchNorm2d: 1  // (not drawn: BatchNorm2d starts at γ = 1, β = 0)
        }
    }
    /// Multiply-adds of the forward pass's products per image (none for a batch norm: it has no product,
    /// and its few operations per value are not counted in the sustained FLOP rate).
    var multiplyAdds: Int {
        switch kind {
        case let .dense(inputs, outputs): inputs * outputs
        case let .conv2d(g), let .convTranspose2d(g): g.outputFeatures * g.reduction
        case .batchNorm2d: 0
        }
    }
}

/// The layers of a configuration's encoder (up to the heads), heads and decoder, with every shape checked.
struct NetworkPlan {
    var encoder: [PlannedLayer]
    var mu: PlannedLayer, logvar: PlannedLayer
    /// The decoder; its last layer (role `.output`) produces the logits or means.
    var decoder: [PlannedLayer]

    /// Every layer as checkpoints name them (the two heads apart).
    var all: [PlannedLayer] { encoder + [mu, logvar] + decoder }
    /// The two heads as one dense layer of 2·latent outputs, mu's then logvar's: one product forward and
    /// one per gradient backward instead of two each. Its weight is mu's rows then logvar's, its bias mu's
    /// then logvar's, so each head is a contiguous range of it.
    var heads: PlannedLayer {
        guard case let .dense(inputs, outputs) = mu.kind else { preconditionFailure("the heads are dense") }
        return PlannedLayer(
            role: .heads, name: Checkpoint.layerName(.heads, depth: 0),
            kind: .dense(inputs: inputs, outputs: 2 * outputs),
            activation: .identity, input: mu.input, output: FeatureShape(2 * outputs))
    }
    /// The layers the model runs: the encoder's, the heads as one, the decoder's.
    var executed: [PlannedLayer] { encoder + [heads] + decoder }

    init(_ c: VAEConfiguration) throws {
        let input = FeatureShape(c.imageChannels, c.imageHeight, c.imageWidth)
        let encoderSpecs: [LayerSpec], decoderSpecs: [LayerSpec]
        switch c.architecture {
        case .mlp:
            encoderSpecs = [.flatten] + c.hidden.flatMap { [.linear(outputs: $0), .activation(c.activation)] }
            decoderSpecs =
                c.hidden.reversed().flatMap { [LayerSpec.linear(outputs: $0), .activation(c.activation)] }
                + [
                    .linear(outputs: input.count),
                    .unflatten(channels: input.channels, height: input.height, width: input.width),
                ]
        case .conv28:
            (encoderSpecs, decoderSpecs) = try Self.conv28(c, input: input)
        case .conv64:
            (encoderSpecs, decoderSpecs) = try Self.conv64(c, input: input)
        }
        let depth = c.hidden.count
        // The MLP keeps PyTorch's example names (Checkpoint.layerName counts dense layers); the others are
        // named by their position in the Sequential, as PyTorch's state_dict names them.
        func name(_ role: LayerRole, _ position: Int, encoder: Bool) -> String {
            c.architecture == .mlp
                ? Checkpoint.layerName(role, depth: depth) : "\(encoder ? "encoder" : "decoder").\(position)"
        }
        let (encoderLayers, top) = try Self.place(
            encoderSpecs, from: input, role: { .encoder($0) },
            name: { name(.encoder($1), $0, encoder: true) })
        guard top.isFlat else {
            throw ConfigurationError("the encoder ends in \(top) maps; it must end flat (a Flatten before the heads)")
        }
        let headNames = c.architecture == .mlp ? ("fc21", "fc22") : ("mu", "logvar")
        mu = PlannedLayer(
            role: .mu, name: headNames.0, kind: .dense(inputs: top.count, outputs: c.latent), activation: .identity,
            input: top, output: FeatureShape(c.latent))
        logvar = PlannedLayer(
            role: .logvar, name: headNames.1, kind: .dense(inputs: top.count, outputs: c.latent),
            activation: .identity, input: top, output: FeatureShape(c.latent))
        var (decoderLayers, out) = try Self.place(
            decoderSpecs, from: FeatureShape(c.latent), role: { .decoder($0) },
            name: { name(.decoder($1), $0, encoder: false) })
        guard out == input else {
            throw ConfigurationError("the decoder makes \(out) images, the input is \(input)")
        }
        guard let last = decoderLayers.indices.last, decoderLayers[last].activation == .identity else {
            throw ConfigurationError("the decoder must end in a layer without activation (it outputs logits or means)")
        }
        decoderLayers[last].role = .output
        if c.architecture == .mlp { decoderLayers[last].name = Checkpoint.layerName(.output, depth: depth) }
        encoder = encoderLayers
        decoder = decoderLayers
    }

    /// Walks a Sequential, checking shapes, fusing each activation into the layer before it.
    static func place(
        _ specs: [LayerSpec], from start: FeatureShape, role: (Int) -> LayerRole,
        name: (_ position: Int, _ layerIndex: Int) -> String
    ) throws -> ([PlannedLayer], FeatureShape) {
        var layers: [PlannedLayer] = []
        var shape = start
        // (Large sizes are left to the memory plan, which says how much they would need.)
        func positive(_ values: Int...) throws {
            guard values.allSatisfy({ $0 > 0 }) else {
                throw ConfigurationError("layer sizes must be positive, got \(values)")
            }
        }
        for (position, spec) in specs.enumerated() {
            func add(_ kind: PlannedLayer.Kind, _ output: FeatureShape) throws {
                _ = try CheckedSize.product([output.channels, output.height, output.width], "a layer's output")
                layers.append(
                    PlannedLayer(
                        role: role(layers.count), name: name(position, layers.count), kind: kind, activation: .identity,
                        input: shape, output: output))
                shape = output
            }
            switch spec {
            case let .linear(outputs):
                try positive(outputs)
                guard shape.isFlat else {
                    throw ConfigurationError("a Linear layer needs flat input, got \(shape) maps (Flatten first)")
                }
                try add(.dense(inputs: shape.count, outputs: outputs), FeatureShape(outputs))
            case let .conv2d(channels, kernel, stride, padding):
                try positive(channels, kernel, stride)
                let g = ConvGeometry(
                    inputChannels: shape.channels, inputHeight: shape.height, inputWidth: shape.width,
                    outputChannels: channels,
                    kernel: kernel, stride: stride, padding: padding)
                do { try g.validate() } catch { throw ConfigurationError("Conv2d at position \(position): \(error)") }
                try add(.conv2d(g), FeatureShape(channels, g.outputHeight, g.outputWidth))
            case let .convTranspose2d(channels, kernel, stride, padding, outputPadding):
                try positive(channels, kernel, stride)
                guard outputPadding >= 0 && outputPadding < stride else {
                    throw ConfigurationError(
                        "ConvTranspose2d at position \(position): output padding \(outputPadding) must be in 0..<stride"
                    )
                }
                let g = ConvGeometry.transposed(
                    inputChannels: shape.channels, height: shape.height, width: shape.width, outputChannels: channels,
                    kernel: kernel, stride: stride, padding: padding, outputPadding: outputPadding)
                do { try g.validate() } catch {
                    throw ConfigurationError("ConvTranspose2d at position \(position): \(error)")
                }
                guard g.outputHeight == shape.height, g.outputWidth == shape.width else {
                    throw ConfigurationError("ConvTranspose2d at position \(position) cannot take \(shape) maps")
                }
                try add(.convTranspose2d(g), FeatureShape(channels, g.inputHeight, g.inputWidth))
            case .batchNorm2d:
                try add(.batchNorm2d(channels: shape.channels, plane: shape.height * shape.width), shape)
            case let .activation(act):
                // (After the layer's output was merely reshaped, as by an Unflatten, it still fuses.)
                guard let last = layers.indices.last, layers[last].activation == .identity,
                    shape.count == layers[last].output.count
                else {
                    throw ConfigurationError(
                        "an activation at position \(position) must follow a layer with parameters")
                }
                layers[last].activation = act
            case .flatten:
                shape = FeatureShape(shape.count)
            case let .unflatten(channels, height, width):
                try positive(channels, height, width)
                guard shape.isFlat,
                    channels.multipliedReportingOverflow(by: height).partialValue.multipliedReportingOverflow(by: width)
                        == (shape.count, false)
                else {
                    throw ConfigurationError("Unflatten to \(channels)×\(height)×\(width) cannot take \(shape) values")
                }
                shape = FeatureShape(channels, height, width)
            }
        }
        return (layers, shape)
    }

    /// The conv28 Sequentials for `c` (see `Architecture.conv28`): stride-2 4×4 convolutions halve the
    /// side, the decoder mirrors them with the output padding that restores each side exactly.
    static func conv28(_ c: VAEConfiguration, input: FeatureShape) throws -> ([LayerSpec], [LayerSpec]) {
        guard input.height == 28, input.width == 28 else {
            throw ConfigurationError("--arch conv28 takes 28×28 images, got \(input.height)×\(input.width)")
        }
        guard !c.convChannels.isEmpty else {
            throw ConfigurationError("--arch conv28 needs at least one entry in --conv-channels")
        }
        var sides = [input.height]
        for _ in c.convChannels {
            let next = (sides.last! + 2 - 4) / 2 + 1
            guard next >= 1, sides.last! >= 2 else {
                throw ConfigurationError(
                    "--conv-channels \(c.convChannels.map(String.init).joined(separator: ",")): too many stride-2 layers for 28×28 images"
                )
            }
            sides.append(next)
        }
        let act = LayerSpec.activation(c.activation)
        var encoder: [LayerSpec] = c.convChannels.flatMap {
            [LayerSpec.conv2d(channels: $0, kernel: 4, stride: 2, padding: 1), act]
        }
        encoder.append(.flatten)
        encoder += c.hidden.flatMap { [LayerSpec.linear(outputs: $0), act] }
        let last = c.convChannels.last!, side = sides.last!
        let (mapValues, overflow) = last.multipliedReportingOverflow(by: side * side)
        guard !overflow else { throw ConfigurationError("--conv-channels \(last): too many") }
        var decoder: [LayerSpec] = c.hidden.reversed().flatMap { [LayerSpec.linear(outputs: $0), act] }
        decoder += [.linear(outputs: mapValues), act, .unflatten(channels: last, height: side, width: side)]
        let outputs = Array(c.convChannels.dropLast().reversed()) + [input.channels]
        for (level, channels) in outputs.enumerated() {
            let from = sides[sides.count - 1 - level], to = sides[sides.count - 2 - level]
            let outputPadding = to - ((from - 1) * 2 - 2 + 4)
            decoder.append(
                .convTranspose2d(channels: channels, kernel: 4, stride: 2, padding: 1, outputPadding: outputPadding))
            if level < outputs.count - 1 { decoder.append(act) }
        }
        return (encoder, decoder)
    }

    /// The conv64 Sequentials for `c` (see `Architecture.conv64`): each 3×3 stride-2 convolution halves
    /// the side (64 → 32 → … → 2 with five); the decoder mirrors them with ConvTranspose2d(3, 2, 1,
    /// output_padding 1), which doubles it, one more at the first level's width, and a 3×3 Conv2d to the
    /// image's channels.
    static func conv64(_ c: VAEConfiguration, input: FeatureShape) throws -> ([LayerSpec], [LayerSpec]) {
        guard input.height == 64, input.width == 64 else {
            throw ConfigurationError("--arch conv64 takes 64×64 images, got \(input.height)×\(input.width)")
        }
        guard (1...5).contains(c.convChannels.count) else {
            throw ConfigurationError(
                "--arch conv64 takes 1 to 5 entries in --conv-channels (each halves the 64×64 side, to 2×2 at the fifth), got \(c.convChannels.count)"
            )
        }
        let act = LayerSpec.activation(c.activation)
        func block(_ layer: LayerSpec) -> [LayerSpec] { c.batchNorm ? [layer, .batchNorm2d, act] : [layer, act] }
        var encoder = c.convChannels.flatMap { block(.conv2d(channels: $0, kernel: 3, stride: 2, padding: 1)) }
        encoder.append(.flatten)
        encoder += c.hidden.flatMap { [LayerSpec.linear(outputs: $0), act] }
        let last = c.convChannels.last!, side = 64 >> c.convChannels.count
        let (mapValues, overflow) = last.multipliedReportingOverflow(by: side * side)
        guard !overflow else { throw ConfigurationError("--conv-channels \(last): too many") }
        // VanillaVAE's decoder_input is a Linear without activation, straight into the maps.
        var decoder: [LayerSpec] = c.hidden.reversed().flatMap { [LayerSpec.linear(outputs: $0), act] }
        decoder += [.linear(outputs: mapValues), .unflatten(channels: last, height: side, width: side)]
        for channels in c.convChannels.dropLast().reversed() + [c.convChannels[0]] {
            decoder += block(.convTranspose2d(channels: channels, kernel: 3, stride: 2, padding: 1, outputPadding: 1))
        }
        decoder.append(.conv2d(channels: input.channels, kernel: 3, stride: 1, padding: 1))
        return (encoder, decoder)
    }
}
