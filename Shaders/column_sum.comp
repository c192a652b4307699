#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[j] = sum_i x[i, j] (bias gradients). One invocation per column walks the rows in order, so the
// result does not depend on the device; neighbouring invocations read neighbouring columns.
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; uint accumulate; } p;

void main() {
    uint j = flat_index();
    if (j >= p.cols) return;
    float s = 0.0;
    for (uint i = 0; i < p.rows; ++i) s += x[i * p.cols + j];
    out_[j] = p.accumulate != 0u ? out_[j] + s : s;
}
