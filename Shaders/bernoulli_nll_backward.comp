#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dlogits = scale * (sigmoid(l) - t).
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer Logits { float logits[]; };
layout(set = 0, binding = 1) readonly buffer Target { float target[]; };
layout(set = 0, binding = 2) writeonly buffer DLogits { float dlogits[]; };
layout(push_constant) uniform Params { uint n; float scale; } p;

void main() {
    uint i = flat_index();
    if (i < p.n) dlogits[i] = p.scale * (1.0 / (1.0 + exp(-logits[i])) - target[i]);
}
