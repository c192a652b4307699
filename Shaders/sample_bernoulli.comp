#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// x = u < x ? 1 : 0 with u from Philox at counter (block, schedule[0], stream, 1): binary pixels drawn with
// probability equal to the grey level. Each invocation draws one block and decides four pixels.
#include "common.glsl"
#include "philox.glsl"
layout(set = 0, binding = 0) buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Schedule { uint schedule[]; };
layout(push_constant) uniform Params { uint n; uint seed_lo; uint seed_hi; uint stream; } p;

void main() {
    uint block = flat_index();
    uint first = block * 4u;
    if (first >= p.n) return;
    uvec4 bits = philox4x32_10(uvec4(block, schedule[0], p.stream, 1u), uvec2(p.seed_lo, p.seed_hi));
    for (uint lane = 0u; lane < 4u && first + lane < p.n; ++lane) {
        uint i = first + lane;
        x[i] = philox_uniform(bits[lane]) < x[i] ? 1.0 : 0.0;
    }
}
