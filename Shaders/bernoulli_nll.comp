#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = sum_j max(l, 0) - l*t + log(1 + exp(-|l|)): binary cross-entropy from logits, stable for
// any logit. One workgroup per row.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) {
        float l = logits[row * p.cols + j];
        s += max(l, 0.0) - l * target[row * p.cols + j] + log(1.0 + exp(-abs(l)));
    }
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[row] = total;
}
