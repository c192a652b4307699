#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = -beta/2 * sum_j (1 + logvar - mu^2 - exp(logvar)), with row i of the posterior holding mu (cols
// values) then logvar (cols values): one workgroup per row.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer Posterior { float posterior[]; };
layout(set = 0, binding = 1) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; float beta; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) {
        uint i = 2u * row * p.cols + j;
        float mu = posterior[i], logvar = posterior[i + p.cols];
        s += 1.0 + logvar - mu * mu - exp(logvar);
    }
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[row] = -0.5 * p.beta * total;
}
