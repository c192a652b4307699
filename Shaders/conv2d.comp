#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0) in;
// y = act(conv2d(x, w) + bias), PyTorch's Conv2d with zero padding, one invocation per output value.
// Written as an implicit GEMM: output row r = (n, i, j), column o, reduction index k = (c, u, v) with
// A[r, k] = x[n, c, i*s - p + u, j*s - p + v] gathered on the fly (0 outside the image) and B[k, o] =
// w[o, c, u, v]; a GPU-tuned product can take over by blocking r and o the way matmul.comp blocks M and N.
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
    uint plane = g.OH * g.OW;
    if (e >= g.batch * g.O * plane) return;
    uint n = e / (g.O * plane), o = (e / plane) % g.O, i = (e % plane) / g.OW, j = e % g.OW;
    int h0 = int(i * g.stride) - int(g.pad), w0 = int(j * g.stride) - int(g.pad);
    // The taps that land inside the image, so the inner loops carry no bounds tests.
    uint u0 = uint(max(-h0, 0)), u1 = uint(clamp(int(g.H) - h0, 0, int(g.KH)));
    uint v0 = uint(max(-w0, 0)), v1 = uint(clamp(int(g.W) - w0, 0, int(g.KW)));
    float acc = 0.0;
    for (uint c = 0u; c < g.C; ++c) {
        uint xBase = (n * g.C + c) * g.H * g.W, wBase = (o * g.C + c) * g.KH * g.KW;
        for (uint u = u0; u < u1; ++u) {
            uint row = xBase + uint(h0 + int(u)) * g.W;
            for (uint v = v0; v < v1; ++v) acc = fma(x[row + uint(w0 + int(v))], w[wBase + u * g.KW + v], acc);
        }
    }
    if (HAS_BIAS) acc += bias[o];
    y[e] = activate(acc, ACTIVATION);
}
