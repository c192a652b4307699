#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// The gradients of training-mode BatchNorm2d from dy before its activation, one workgroup per channel:
// dbeta = sum dy, dgamma = sum dy * xhat (fixed-order workgroup sums), then
// dx = gamma * inv_std * (dy - dbeta / M - xhat * dgamma / M) with xhat = (x - mean) * inv_std.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(set = 0, binding = 2) readonly buffer Gamma { float gamma[]; };
layout(set = 0, binding = 3) readonly buffer Mean { float mean_[]; };
layout(set = 0, binding = 4) readonly buffer InvStd { float inv_std[]; };
layout(set = 0, binding = 5) writeonly buffer DX { float dx[]; };
layout(set = 0, binding = 6) writeonly buffer DGamma { float dgamma[]; };
layout(set = 0, binding = 7) writeonly buffer DBeta { float dbeta[]; };
layout(push_constant) uniform Params { uint rows; uint channels; uint plane; } p;

uint element(uint t, uint c) { return (t / p.plane) * p.channels * p.plane + c * p.plane + t % p.plane; }

void main() {
    uint c = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (c >= p.channels) return;  // uniform per workgroup
    uint per = p.rows * p.plane;
    float mu = mean_[c], istd = inv_std[c];
    float a = 0.0, b = 0.0;
    for (uint t = gl_LocalInvocationID.x; t < per; t += gl_WorkGroupSize.x) {
        uint i = element(t, c);
        a += dy[i];
        b += dy[i] * (x[i] - mu) * istd;
    }
    float sum_dy = workgroup_sum(a);
    float sum_dy_hat = workgroup_sum(b);
    if (gl_LocalInvocationID.x == 0u) {
        dgamma[c] = sum_dy_hat;
        dbeta[c] = sum_dy;
    }
    float scale = gamma[c] * istd, mean_dy = sum_dy / float(per), mean_dy_hat = sum_dy_hat / float(per);
    for (uint t = gl_LocalInvocationID.x; t < per; t += gl_WorkGroupSize.x) {
        uint i = element(t, c);
        dx[i] = scale * (dy[i] - mean_dy - (x[i] - mu) * istd * mean_dy_hat);
    }
}
