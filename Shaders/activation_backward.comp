#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dx = dy * act'(.) with the derivative taken from the forward output y.
#include "common.glsl"
#include "activation.glsl"
layout(set = 0, binding = 0) readonly buffer Y { float y[]; };
layout(set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(set = 0, binding = 2) writeonly buffer DX { float dx[]; };
layout(push_constant) uniform Params { uint n; uint act; } p;

void main() {
    uint i = flat_index();
    if (i < p.n) dx[i] = dy[i] * activation_derivative(y[i], p.act);
}
