#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// A streaming log-sum-exp: m' = max(m, x); s = s*exp(m - m') + exp(x - m'); m = m'. Starting from
// m = -inf, s = 0, after n values log(sum exp) = m + log(s), with no overflow however large the values.
#include "common.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) buffer M { float m[]; };
layout(set = 0, binding = 2) buffer S { float s[]; };
layout(push_constant) uniform Params { uint n; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    float old_m = m[i];
    float new_m = max(old_m, x[i]);
    s[i] = s[i] * exp(old_m - new_m) + exp(x[i] - new_m);
    m[i] = new_m;
}
