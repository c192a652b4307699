#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// dw[o, c, u, v] = sum over n, i, j of dy[n, o, i, j] * x[n, c, i*s - p + u, j*s - p + v]: Conv2d's
// weight gradient (and, with the roles of x and dy swapped by the host, ConvTranspose2d's). One
// invocation per weight, summing images and positions in order; positions whose tap falls in the padding
// are skipped by the loop bounds.
#include "common.glsl"
#include "conv_geometry.glsl"
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer DY { float dy[]; };
layout(set = 0, binding = 2) writeonly buffer DW { float dw[]; };

// The output positions q (along one side of n_out) whose tap t reads inside a side of n_in: q*s - p + t in [0, n_in).
uvec2 valid_range(uint t, uint n_in, uint n_out) {
    int lo = int(g.pad) - int(t);                      // q*s >= p - t
    int hi = int(n_in) + int(g.pad) - int(t);          // q*s <  n_in + p - t
    uint first = lo <= 0 ? 0u : uint((lo + int(g.stride) - 1) / int(g.stride));
    uint last = hi <= 0 ? 0u : min(n_out, uint((hi + int(g.stride) - 1) / int(g.stride)));
    return uvec2(first, max(first, last));
}

void main() {
    uint e = flat_index();
    uint taps = g.KH * g.KW;
    if (e >= g.O * g.C * taps) return;
    uint o = e / (g.C * taps), c = (e / taps) % g.C, u = (e % taps) / g.KW, v = e % g.KW;
    uvec2 ri = valid_range(u, g.H, g.OH), rj = valid_range(v, g.W, g.OW);
    float acc = 0.0;
    for (uint n = 0u; n < g.batch; ++n) {
        uint dyBase = (n * g.O + o) * g.OH * g.OW, xBase = (n * g.C + c) * g.H * g.W;
        for (uint i = ri.x; i < ri.y; ++i) {
            uint xRow = xBase + (i * g.stride + u - g.pad) * g.W;
            for (uint j = rj.x; j < rj.y; ++j) acc = fma(dy[dyBase + i * g.OW + j], x[xRow + j * g.stride + v - g.pad], acc);
        }
    }
    dw[e] = acc;
}
