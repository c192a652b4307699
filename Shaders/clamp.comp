#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// x = min(max(x, lower), upper).
#include "common.glsl"
layout(set = 0, binding = 0) buffer X { float x[]; };
layout(push_constant) uniform Params { uint n; float lower; float upper; } p;

void main() {
    uint i = flat_index();
    if (i < p.n) x[i] = min(max(x[i], p.lower), p.upper);
}
