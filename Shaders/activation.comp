#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// y = act(x), elementwise.
#include "common.glsl"
#include "activation.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint n; uint act; } p;

void main() {
    uint i = flat_index();
    if (i < p.n) y[i] = activate(x[i], p.act);
}
