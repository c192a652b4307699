#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[c] = sum over images n and positions k of x[n, c*plane + k]: a convolution's bias gradient. One
// workgroup per channel; each invocation sums a strided share in a fixed order, then a fixed-order tree.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint channels; uint plane; } p;

void main() {
    uint c = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (c >= p.channels) return;  // uniform per workgroup
    uint per = p.rows * p.plane, cols = p.channels * p.plane;
    float s = 0.0;
    for (uint t = gl_LocalInvocationID.x; t < per; t += gl_WorkGroupSize.x) {
        uint n = t / p.plane, k = t % p.plane;
        s += x[n * cols + c * p.plane + k];
    }
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[c] = total;
}
