#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[0] = sum x (or out[0] += sum x). A single workgroup: each invocation sums a strided slice, then a
// fixed-order tree adds the slices, so the result is the same on every run of the same device.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint n; uint accumulate; } p;

void main() {
    float s = 0.0;
    for (uint i = gl_LocalInvocationID.x; i < p.n; i += gl_WorkGroupSize.x) s += x[i];
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[0] = p.accumulate != 0u ? out_[0] + total : total;
}
