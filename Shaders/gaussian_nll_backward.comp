#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dmean = scale * (mean - t) / var.
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer Mean { float mean[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) writeonly buffer DMean { float dmean[]; };
layout(push_constant) uniform Params { uint n; float log_variance; float scale; } p;

void main() {
    uint i = flat_index();
    if (i < p.n) dmean[i] = p.scale * (mean[i] - target[i]) * exp(-p.log_variance);
}
