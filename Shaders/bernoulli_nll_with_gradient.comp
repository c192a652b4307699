#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// The Bernoulli loss and its gradient in one pass (one workgroup per row): with e = exp(-|l|),
// loss = max(l, 0) - l*t + log(1 + e) and sigmoid(l) = l >= 0 ? 1/(1+e) : e/(1+e), so a single exp serves both.
#include "workgroup_sum.glsl"
layout(set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) writeonly buffer Out { float out_[]; };
layout(set = 0, binding = 3) writeonly buffer DLogits { float dlogits[]; };
layout(push_constant) uniform Params { uint rows; uint cols; float scale; } p;

void main() {
    uint row = gl_WorkGroupID.x + gl_WorkGroupID.y * gl_NumWorkGroups.x;
    if (row >= p.rows) return;
    float s = 0.0;
    for (uint j = gl_LocalInvocationID.x; j < p.cols; j += gl_WorkGroupSize.x) {
        uint i = row * p.cols + j;
        float l = logits[i];
        float t = target[i];
        float e = exp(-abs(l));
        float inv = 1.0 / (1.0 + e);
        s += max(l, 0.0) - l * t + log(1.0 + e);
        dlogits[i] = p.scale * ((l >= 0.0 ? inv : e * inv) - t);
    }
    float total = workgroup_sum(s);
    if (gl_LocalInvocationID.x == 0u) out_[row] = total;
}
