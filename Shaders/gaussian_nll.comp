#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = sum_j (t - mean)^2 / (2 var) + log(2 pi var) / 2, var = exp(log_variance). One workgroup per row.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer Mean { float mean[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; float log_variance; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    float inv_var = exp(-p.log_variance);
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) {
        float d = target[row * p.cols + j] - mean[row * p.cols + j];
        s += 0.5 * d * d * inv_var;
    }
    float total = workgroup_sum(s);
    const float log_two_pi = 1.83787706640934548356;
    if (gl_LocalInvocationID.x == 0u) out_[row] = total + 0.5 * float(p.cols) * (log_two_pi + p.log_variance);
}
