#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = sum_j (t - mean)^2 exp(-v_j) / 2 + (v_j + log(2 pi)) / 2, with one log-variance v_j per column.
// One workgroup per row.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer Mean { float mean[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) readonly buffer LogVariance { float log_variance[]; };
layout(set = 0, binding = 3) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    const float log_two_pi = 1.83787706640934548356;
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) {
        float d = target[row * p.cols + j] - mean[row * p.cols + j];
        float v = log_variance[j];
        s += 0.5 * d * d * exp(-v) + 0.5 * (v + log_two_pi);
    }
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[row] = total;
}
