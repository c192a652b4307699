#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// Adam in place with bias correction. The step t = schedule[0] and the learning rate (bits in
// schedule[1]) are read from device memory, so a recorded step replays with fresh values.
#include "common.glsl"
layout(set = 0, binding = 0) buffer Param { float param[]; };
layout(set = 0, binding = 1) readonly buffer Grad { float grad[]; };
layout(set = 0, binding = 2) buffer M { float m[]; };
layout(set = 0, binding = 3) buffer V { float v[]; };
layout(set = 0, binding = 4) readonly buffer Schedule { uint schedule[]; };
layout(push_constant) uniform Params { uint n; float beta1; float beta2; float epsilon; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    float t = float(schedule[0]);
    float lr = uintBitsToFloat(schedule[1]);
    float g = grad[i];
    float mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
    float vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    float m_hat = mi / (1.0 - pow(p.beta1, t));
    float v_hat = vi / (1.0 - pow(p.beta2, t));
    param[i] -= lr * m_hat / (sqrt(v_hat) + p.epsilon);
}
