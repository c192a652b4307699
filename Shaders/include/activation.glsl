// Activation functions and their derivatives, numbered as Swift's `Activation`. Derivatives take the
// forward output y, so a backward pass needs no pre-activation values.
const uint ACT_IDENTITY = 0u;
const uint ACT_RELU = 1u;
const uint ACT_LEAKY_RELU = 2u;
const uint ACT_SIGMOID = 3u;
const uint ACT_TANH = 4u;
const uint ACT_SOFTPLUS = 5u;
const float LEAKY_SLOPE = 0.01;

float activate(float x, uint act) {
    switch (act) {
    // A compare and select, not max(x, 0): max may return 0 for a NaN on drivers without NaN preservation,
    // and a NaN must reach the loss so training stops on it.
    case ACT_RELU: return x < 0.0 ? 0.0 : x;
    case ACT_LEAKY_RELU: return x > 0.0 ? x : LEAKY_SLOPE * x;
    case ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    // tanh via exp of a non-positive argument: GLSL's tanh may overflow for large |x| on some drivers.
    case ACT_TANH: { float e = exp(-2.0 * abs(x)); return sign(x) * (1.0 - e) / (1.0 + e); }
    case ACT_SOFTPLUS: return max(x, 0.0) + log(1.0 + exp(-abs(x)));
    default: return x;
    }
}

float activation_derivative(float y, uint act) {
    switch (act) {
    case ACT_RELU: return y > 0.0 ? 1.0 : 0.0;
    case ACT_LEAKY_RELU: return y > 0.0 ? 1.0 : LEAKY_SLOPE;
    case ACT_SIGMOID: return y * (1.0 - y);
    case ACT_TANH: return 1.0 - y * y;
    case ACT_SOFTPLUS: return 1.0 - exp(-y);
    default: return 1.0;
    }
}
