#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// y = act(conv_transpose2d(x, w) + bias): the adjoint of conv2d in its input, which is both Conv2d's
// gradient to its input and PyTorch's ConvTranspose2d. One invocation per value of y (the convolution's
// input side, C x H x W) gathers, rather than scatters, the outputs (o, i, j) whose taps read it:
// i*s - p + u = h, so only kernel rows u with (h + p - u) divisible by s contribute. No atomics, and the
// sum's order is fixed.
#include "common.glsl"
#include "activation.glsl"
#include "conv_geometry.glsl"
layout(constant_id = 1) const uint ACTIVATION = 0;
layout(constant_id = 2) const bool HAS_BIAS = false;
layout(set = 0, binding = 0) readonly buffer X { float x[]; };
layout(set = 0, binding = 1) readonly buffer Wt { float w[]; };
layout(set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(set = 0, binding = 3) writeonly buffer Y { float y[]; };

void main() {
    uint e = flat_index();
    uint plane = g.H * g.W;
    if (e >= g.batch * g.C * plane) return;
    uint n = e / (g.C * plane), c = (e / plane) % g.C, h = (e % plane) / g.W, wc = e % g.W;
    float acc = 0.0;
    for (uint u = 0u; u < g.KH; ++u) {
        int ti = int(h + g.pad) - int(u);
        if (ti < 0 || ti % int(g.stride) != 0) continue;
        uint i = uint(ti) / g.stride;
        if (i >= g.OH) continue;
        for (uint v = 0u; v < g.KW; ++v) {
            int tj = int(wc + g.pad) - int(v);
            if (tj < 0 || tj % int(g.stride) != 0) continue;
            uint j = uint(tj) / g.stride;
            if (j >= g.OW) continue;
            uint xi = (n * g.O * g.OH + i) * g.OW + j, wi = (c * g.KH + u) * g.KW + v;
            uint xStep = g.OH * g.OW, wStep = g.C * g.KH * g.KW;
            for (uint o = 0u; o < g.O; ++o) acc = fma(x[xi + o * xStep], w[wi + o * wStep], acc);
        }
    }
    if (HAS_BIAS) acc += bias[c];
    y[e] = activate(acc, ACTIVATION);
}
