import Foundation
import VAECompute

/// A variational autoencoder whose parameters live on a compute device: an encoder stack, the two heads,
/// the reparameterization, a decoder stack and the likelihood (see `VAEConfiguration`, `Architecture`).
///
/// The model is written once against `ComputeDevice`: the same code records a training step on Vulkan
/// and runs it on the CPU. Per step it launches the forward pass, the loss, the backward pass and Adam;
/// nothing is read back (losses accumulate in device scalars, see `Workspace`).
public final class VAEModel {
    public let configuration: VAEConfiguration
    public let device: any ComputeDevice
    /// Every layer with parameters: the encoder's, the heads (one layer), the decoder's (the last is the output).
    let layers: [any Layer]
    /// The Gaussian likelihood's log-variance per pixel (fixed or learned; unused for Bernoulli).
    let pixelLogVariance: PixelLogVariance
    /// Every trained tensor, gradient and Adam moment, each kind in one allocation (`ParameterStore`).
    let parameterStore: ParameterStore
    /// uint32 [step, learning-rate bits]: advanced on the device each step (Adam's t, the noise counter).
    let schedule: Tensor
    private(set) var workspaces: [Int: Workspace] = [:]
    /// The learning rate the schedule tensor holds, mirrored so that setting an unchanged rate touches
    /// nothing on the device (a read of the tensor waits for the device).
    var scheduledRate: Float

    /// Adam's constants (PyTorch's defaults).
    public static let beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8

    /// A model initialized as PyTorch initializes nn.Linear, nn.Conv2d and nn.ConvTranspose2d: weights and
    /// biases U(−1/√fan_in, 1/√fan_in), drawn from Philox under `seed` (so the same seed gives the same
    /// model on every device), layer i's weight from stream 2i and its bias from 2i + 1; and nn.BatchNorm2d:
    /// γ = 1, β = 0, running mean 0 and variance 1.
    public init(
        _ configuration: VAEConfiguration, device: any ComputeDevice, seed: UInt64, learningRate: Float = 1e-3
    ) throws {
        try configuration.validate()
        try device.requireCapacity(
            try configuration.parameterBytes(), for: "a \(Checkpoint.describe(configuration)) model")
        self.configuration = configuration
        self.device = device
        let plan = try configuration.plan()
        let store = try ParameterStore(
            shapes: ParameterStore.shapes(
                of: plan.executed, learnedPixels: configuration.learnedVariance ? configuration.inputSize : nil),
            device: device)
        parameterStore = store
        encoder = try makeLayers(plan.encoder, parameters: store, device: device)
        heads = DenseLayer(plan.heads, parameters: store)
        headPlans = [plan.mu, plan.logvar]
        decoder = try makeLayers(plan.decoder, parameters: store, device: device)
        layers = encoder + [heads] + decoder
        pixelLogVariance = try PixelLogVariance(configuration, parameters: store, device: device)
        precondition(store.allHandedOut, "every planned parameter belongs to a layer")
        schedule = try device.makeTensor(shape: [2], elementType: .uint32)
        try device.upload([0, learningRate.bitPattern], to: schedule)
        scheduledRate = learningRate
        for layer in layers { try (layer as? BatchNorm2dLayer)?.reset(on: device) }
        // Drawn per checkpoint layer (the heads apart), layer i's weight from stream 2i and its bias from
        // 2i + 1, so the initial values do not depend on how the layers are run.
        for (index, named) in namedLayers.enumerated() where !named.plan.isBatchNorm {
            let bound = 1 / Float(named.plan.fanIn).squareRoot()
            let stream = UInt32(index) << 1
            try device.upload(
                Self.uniform(count: named.weight.value.count, bound: bound, seed: seed, stream: stream),
                to: named.weight.value)
            try device.upload(
                Self.uniform(count: named.bias.value.count, bound: bound, seed: seed, stream: stream | 1),
                to: named.bias.value)
        }
    }

    static func uniform(count: Int, bound: Float, seed: UInt64, stream: UInt32) -> [Float] {
        Philox.words(count: count, counter: (0, stream, 0x1417, 0), key: Philox.key(seed: seed))
            .map { bound * (2 * Float(Philox.uniform($0)) - 1) }
    }

    func layer(_ role: LayerRole) -> any Layer { layers.first { $0.role == role }! }
    /// The encoder's layers up to the heads, and the decoder's, in order; the decoder's last is the output layer.
    let encoder: [any Layer], decoder: [any Layer]
    /// mu and logvar as one dense layer: its output rows are the posterior's, mu then logvar (see
    /// `NetworkPlan.heads`).
    let heads: DenseLayer
    /// mu's and logvar's layers as checkpoints name them, in the order of the heads' outputs.
    let headPlans: [PlannedLayer]

    /// Buffers for minibatches of `batchSize` (one set per size, kept for reuse).
    func workspace(batchSize: Int) throws -> Workspace {
        if let w = workspaces[batchSize] { return w }
        try device.requireCapacity(
            try configuration.workspaceBytes(batchSize: batchSize),
            for: "a \(Checkpoint.describe(configuration)) model in batches of \(batchSize)")
        let w = try Workspace(model: self, batchSize: batchSize)
        workspaces[batchSize] = w
        return w
    }

    /// The number of trainable values.
    public var parameterCount: Int {
        layers.reduce(0) { $0 + $1.weight.value.count + $1.bias.value.count }
            + (configuration.learnedVariance ? configuration.inputSize : 0)
    }

    /// Every layer as checkpoints name it, with its weight and bias: the layers run, but for the heads, whose
    /// one weight and bias are split into mu's and logvar's.
    var namedLayers: [(plan: PlannedLayer, weight: NamedParameter, bias: NamedParameter)] {
        layers.flatMap { layer -> [(plan: PlannedLayer, weight: NamedParameter, bias: NamedParameter)] in
            guard layer.role == .heads else {
                return [
                    (
                        layer.plan, NamedParameter("\(layer.plan.name).weight", of: layer.weight),
                        NamedParameter("\(layer.plan.name).bias", of: layer.bias)
                    )
                ]
            }
            return headPlans.enumerated().map { half, head in
                let weights = head.weightShape.reduce(1, *), biases = head.biasCount
                return (
                    head,
                    NamedParameter(
                        "\(head.name).weight", of: layer.weight, elements: (half * weights)..<((half + 1) * weights),
                        shape: head.weightShape),
                    NamedParameter(
                        "\(head.name).bias", of: layer.bias, elements: (half * biases)..<((half + 1) * biases),
                        shape: [biases])
                )
            }
        }
    }

    /// Every trained tensor with its checkpoint name, gradient and Adam moments.
    var trainedParameters: [NamedParameter] {
        namedLayers.flatMap { [$0.weight, $0.bias] } + pixelLogVariance.parameters
    }

    /// The trained tensor of a checkpoint name ("fc21.weight").
    func trainedParameter(_ name: String) -> NamedParameter? { trainedParameters.first { $0.name == name } }

    /// Every saved tensor that is not trained (BatchNorm2d's running statistics) with its checkpoint name.
    var bufferTensors: [(name: String, tensor: Tensor)] {
        layers.flatMap { layer in layer.buffers.map { ("\(layer.plan.name).\($0.name)", $0.tensor) } }
    }

    /// Steps taken so far (Adam's t).
    public func step() throws -> Int { Int(try device.downloadUInt32(schedule)[0]) }

    /// Adam's learning rate from the next step on (the device reads it from the schedule tensor, so steps
    /// recorded once and replayed pick it up too).
    public func setLearningRate(_ rate: Float) throws {
        guard rate.bitPattern != scheduledRate.bitPattern else { return }
        var words = try device.downloadUInt32(schedule)
        words[1] = rate.bitPattern
        try device.upload(words, to: schedule)
        scheduledRate = rate
    }

    /// Adam's learning rate.
    public func learningRate() throws -> Float { Float(bitPattern: try device.downloadUInt32(schedule)[1]) }
}
