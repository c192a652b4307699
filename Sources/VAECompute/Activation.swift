/// Elementwise activation functions. The raw values are shared with the shaders (`activation.glsl`).
///
/// Every derivative is expressed through the activation's *output* y, so a backward pass needs only the
/// forward result: relu' = [y > 0], leaky' = y > 0 ? 1 : α, sigmoid' = y(1−y), tanh' = 1−y²,
/// softplus' = σ(x) = 1 − e^(−y), identity' = 1.
public enum Activation: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case identity = 0
    case relu = 1
    case leakyRelu = 2
    case sigmoid = 3
    case tanh = 4
    case softplus = 5

    /// The slope of `leakyRelu` for negative inputs used everywhere in this project.
    public static let leakySlope: Float = 0.01

    public var description: String {
        switch self {
        case .identity: return "identity"
        case .relu: return "relu"
        case .leakyRelu: return "leaky_relu"
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .softplus: return "softplus"
        }
    }
}
