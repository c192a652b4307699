#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// y = a*x + b*y (b = 0 does not read y, so y may start as garbage, even NaN).
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform Params { uint n; float a; float b; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    y[i] = p.b == 0.0 ? p.a * x[i] : p.a * x[i] + p.b * y[i];
}
