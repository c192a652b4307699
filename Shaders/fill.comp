#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// x = value.
#include "common.glsl"
layout(set = 0, binding = 0) writeonly buffer X { float x[]; };
layout(push_constant) uniform Params { uint n; float value; } p;

void main() {
    uint i = flat_index();
    if (i < p.n) x[i] = p.value;
}
