#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// The sampling step z = mu + exp(logvar / 2) * eps (eps held fixed) and the KL term, backward in one pass:
// dmu = dz + beta * mu, dlogvar = dz * eps * exp(logvar / 2) / 2 + beta / 2 * (exp(logvar) - 1).
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer DZ { float dz[]; };
layout(set = 0, binding = 1) readonly buffer Mu { float mu[]; };
layout(set = 0, binding = 2) readonly buffer LogVar { float logvar[]; };
layout(set = 0, binding = 3) readonly buffer Eps { float eps[]; };
layout(set = 0, binding = 4) writeonly buffer DMu { float dmu[]; };
layout(set = 0, binding = 5) writeonly buffer DLogVar { float dlogvar[]; };
layout(push_constant) uniform Params { uint n; float beta; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    float g = dz[i], lv = logvar[i];
    dmu[i] = g + p.beta * mu[i];
    // Rounded as the two terms were when two kernels computed them, so every backend adds the same floats.
    float sampling = g * eps[i] * 0.5 * exp(0.5 * lv);
    dlogvar[i] = sampling + 0.5 * p.beta * (exp(lv) - 1.0);
}
