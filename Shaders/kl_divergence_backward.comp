#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dmu += beta * mu, dlogvar += beta/2 * (exp(logvar) - 1).
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer Mu { float mu[]; };
layout(set = 0, binding = 1) readonly buffer LogVar { float logvar[]; };
layout(set = 0, binding = 2) buffer DMu { float dmu[]; };
layout(set = 0, binding = 3) buffer DLogVar { float dlogvar[]; };
layout(push_constant) uniform Params { uint n; float beta; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    dmu[i] += p.beta * mu[i];
    dlogvar[i] += 0.5 * p.beta * (exp(logvar[i]) - 1.0);
}
