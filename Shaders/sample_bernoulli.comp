#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// x = u < x ? 1 : 0 with u from Philox: binary pixels drawn with probability equal to the grey level. Element
// i is element offset + i of the whole batch (a data-parallel rank holds a slice): its word comes from block
// (offset + i) / 4 (counter: block, schedule[0], stream, 1), lane (offset + i) % 4. Each invocation draws one
// block and decides the pixels of it that lie in this slice.
#include "common.glsl"
#include "philox.glsl"
layout(set = 0, binding = 0) buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Schedule { uint schedule[]; };
layout(push_constant) uniform Params { uint n; uint seed_lo; uint seed_hi; uint stream; uint offset; } p;

void main() {
    uint block = p.offset / 4u + flat_index();
    uint first = block * 4u;
    if (first >= p.offset + p.n) return;
    uvec4 bits = philox4x32_10(uvec4(block, schedule[0], p.stream, 1u), uvec2(p.seed_lo, p.seed_hi));
    for (uint lane = 0u; lane < 4u; ++lane) {
        uint g = first + lane;
        if (g < p.offset || g >= p.offset + p.n) continue;
        uint i = g - p.offset;
        x[i] = philox_uniform(bits[lane]) < x[i] ? 1.0 : 0.0;
    }
}
