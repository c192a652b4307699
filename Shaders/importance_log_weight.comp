#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = -nll[i] - 1/2 sum_j z^2 + 1/2 sum_j (eps^2 + logvar): log p(x|z) + log p(z) - log q(z|x) for
// z = mu + sigma*eps (the log(2 pi) terms cancel); logvar is the second half of each posterior row
// ([rows, 2 * cols]). One workgroup per row.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer Z { float z[]; };
layout(set = 0, binding = 1) readonly buffer Eps { float eps[]; };
layout(set = 0, binding = 2) readonly buffer Posterior { float posterior[]; };
layout(set = 0, binding = 3) readonly buffer NLL { float nll[]; };
layout(set = 0, binding = 4) writeonly buffer Out { float out_[]; };
layout(push_constant) uniform Params { uint rows; uint cols; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) {
        uint i = row * p.cols + j;
        float logvar = posterior[(2u * row + 1u) * p.cols + j];
        s += -0.5 * z[i] * z[i] + 0.5 * (eps[i] * eps[i] + logvar);
    }
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[row] = total - nll[row];
}
