#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = sum_j x[i, j]. One workgroup per row; a fixed-order tree sum inside it.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;  // uniform per workgroup, so no barrier is skipped by part of a group
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) s += x[row * p.cols + j];
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[row] = total;
}
