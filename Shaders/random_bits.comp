#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// out[i] = word i % 4 of Philox-4x32-10 at counter (c0 + i/4, c1, c2, c3) under key (k0, k1): the raw
// generator, for known-answer tests and on-device sampling.
#include "common.glsl"
#include "philox.glsl"
layout(set = 0, binding = 0) writeonly buffer Out { uint out_[]; };
layout(push_constant) uniform Params { uint n; uvec4 counter; uvec2 key; } p;

void main() {
    uint block = flat_index();
    uint first = block * 4u;
    if (first >= p.n) return;
    uvec4 bits = philox4x32_10(uvec4(p.counter.x + block, p.counter.yzw), p.key);
    for (uint lane = 0u; lane < 4u && first + lane < p.n; ++lane) out_[first + lane] = bits[lane];
}
