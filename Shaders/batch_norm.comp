#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// BatchNorm2d on rows of NCHW values, one workgroup per channel. Training: the channel's mean, then its
// biased variance about that mean (two passes, each a fixed-order workgroup sum), normalize, and move the
// running statistics (the variance's unbiased). Evaluation: the running statistics normalize. Either way
// y = act(gamma * (x - mean) * inv_std + beta), and the mean and inv_std used are saved.
#include "workgroup_sum.glsl"
#include "activation.glsl"
layout(constant_id = 1) const bool TRAINING = true;
layout(constant_id = 2) const uint ACTIVATION = 0;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Gamma { float gamma[]; };
layout(set = 0, binding = 2) readonly buffer Beta { float beta[]; };
layout(set = 0, binding = 3) writeonly buffer Y { float y[]; };
layout(set = 0, binding = 4) writeonly buffer Mean { float mean_[]; };
layout(set = 0, binding = 5) writeonly buffer InvStd { float inv_std[]; };
layout(set = 0, binding = 6) buffer RunningMean { float running_mean[]; };
layout(set = 0, binding = 7) buffer RunningVar { float running_var[]; };
layout(push_constant) uniform Params { uint rows; uint channels; uint plane; float momentum; float epsilon; } p;

uint element(uint t, uint c) { return (t / p.plane) * p.channels * p.plane + c * p.plane + t % p.plane; }

void main() {
    uint c = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (c >= p.channels) return;  // uniform per workgroup
    uint per = p.rows * p.plane;
    float mu, istd;
    if (TRAINING) {
        float s = 0.0;
        for (uint t = gl_LocalInvocationID.x; t < per; t += gl_WorkGroupSize.x) s += x[element(t, c)];
        mu = workgroup_sum(s) / float(per);
        float q = 0.0;
        for (uint t = gl_LocalInvocationID.x; t < per; t += gl_WorkGroupSize.x) {
            float d = x[element(t, c)] - mu;
            q += d * d;
        }
        float variance = workgroup_sum(q) / float(per);
        istd = 1.0 / sqrt(variance + p.epsilon);
        if (gl_LocalInvocationID.x == 0u) {
            running_mean[c] = (1.0 - p.momentum) * running_mean[c] + p.momentum * mu;
            running_var[c] = (1.0 - p.momentum) * running_var[c] + p.momentum * variance * float(per) / float(max(per, 2u) - 1u);
        }
    } else {
        mu = running_mean[c];
        istd = 1.0 / sqrt(running_var[c] + p.epsilon);
    }
    if (gl_LocalInvocationID.x == 0u) {
        mean_[c] = mu;
        inv_std[c] = istd;
    }
    float scale = gamma[c] * istd, shift = beta[c] - mu * scale;
    for (uint t = gl_LocalInvocationID.x; t < per; t += gl_WorkGroupSize.x) {
        uint i = element(t, c);
        y[i] = activate(fma(x[i], scale, shift), ACTIVATION);
    }
}
