#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dmean = scale (mean - t) exp(-v_j); when asked, dlogvar = scale (1 - (t - mean)^2 exp(-v_j)) / 2 per element.
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer Mean { float mean[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) readonly buffer LogVariance { float log_variance[]; };
layout(set = 0, binding = 3) writeonly buffer DMean { float dmean[]; };
layout(set = 0, binding = 4) writeonly buffer DLogVariance { float dlog_variance[]; };
layout(push_constant) uniform Params { uint n; uint cols; float scale; uint with_log_variance; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    float d = target[i] - mean[i];
    float inv = exp(-log_variance[i % p.cols]);
    dmean[i] = -p.scale * d * inv;
    if (p.with_log_variance != 0u) dlog_variance[i] = p.scale * 0.5 * (1.0 - d * d * inv);
}
