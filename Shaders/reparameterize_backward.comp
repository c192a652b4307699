#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dmu = dz, dlogvar = dz * eps * exp(logvar / 2) / 2.
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer DZ { float dz[]; };
layout(set = 0, binding = 1) readonly buffer LogVar { float logvar[]; };
layout(set = 0, binding = 2) readonly buffer Eps { float eps[]; };
layout(set = 0, binding = 3) writeonly buffer DMu { float dmu[]; };
layout(set = 0, binding = 4) writeonly buffer DLogVar { float dlogvar[]; };
layout(push_constant) uniform Params { uint n; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    dmu[i] = dz[i];
    dlogvar[i] = dz[i] * eps[i] * 0.5 * exp(0.5 * logvar[i]);
}
