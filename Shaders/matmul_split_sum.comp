#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// The second half of a split-K product (see matmul_tiled.comp): C = act(sum of the slices' partial products
// + bias) (or C += that sum before the activation), elementwise over C's M * N values. The slices are added
// in order, so the result does not depend on which workgroup finished first.
#include "common.glsl"
#include "activation.glsl"
layout(constant_id = 1) const uint ACTIVATION = 0;
layout(constant_id = 2) const bool HAS_BIAS = false;
layout(constant_id = 3) const bool ACCUMULATE = false;
layout(set = 0, binding = 0) readonly buffer Partial { float partial[]; };
layout(set = 0, binding = 1) buffer C { float c[]; };
layout(set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(push_constant) uniform Params { uint n; uint columns; uint slices; } p;

void main() {
    uint i = flat_index();
    if (i >= p.n) return;
    float v = 0.0;
    for (uint s = 0; s < p.slices; ++s) v += partial[s * p.n + i];
    if (HAS_BIAS) v += bias[i % p.columns];
    if (ACCUMULATE) v += c[i];
    c[i] = activate(v, ACTIVATION);
}
