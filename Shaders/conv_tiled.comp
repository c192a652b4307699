#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1) in;
// The convolutions as implicit GEMMs on the shared-memory tiles of matmul_tiled.comp, for GPUs: the same
// BM x BN blocks of C, BK-deep slabs staged in shared memory and TM x TN register blocks per invocation,
// with operands gathered from the images on the fly (im2col without the patch matrix) and C stored in the
// layout the kernel's output has. MODE picks the kernel (T = KH * KW taps, P = OH * OW output positions):
//
//   0 conv2d:                 C[o, (n, i, j)]   = sum over k = (c, u, v) of w[o, k] * x[n, c, i*s - p + u, j*s - p + v]
//   1 conv_transpose2d:       C[c, (n, h, w)]   = sum over k = (o, u, v) of w[o, c, u, v] * x[n, o, i, j]
//                             where i*s - p + u = h and j*s - p + v = w (taps that land between outputs add 0)
//   2 conv2d_weight_gradient: C[o, (c, u, v)]   = sum over k = (n, i, j) of dy[n, o, i, j] * x[n, c, i*s - p + u, ...]
//
// Bindings: 0 the A operand (w, w, dy), 1 the B operand (x in every mode), 2 the output, 3 the bias (modes
// 0 and 1, one per row of C). Gathered elements outside the image (padding, or a transposed tap that falls
// between outputs) are zeros, as are elements past M, N or K; the store skips rows and columns past C.
// The loaders run along each operand's contiguous side: k for A (w's taps, dy's positions), n for B.
// Split-K (SPLIT_K, mode 2 only, whose C is a plain row-major M x N): workgroup z sums k-slice z into slice z
// of the scratch bound at binding 2, and matmul_split_sum.comp adds the slices in order.
#include "activation.glsl"

layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const uint MODE = 0;
layout(constant_id = 6) const uint ACTIVATION = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 9) const uint BK = 16;
layout(constant_id = 10) const bool SPLIT_K = false;

const uint WG_X = gl_WorkGroupSize.x, WG_Y = gl_WorkGroupSize.y;
const uint BM = WG_Y * TM, BN = WG_X * TN, WG = WG_X * WG_Y;

layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer X { float x[]; };
layout(set = 0, binding = 2) buffer C { float c[]; };
layout(set = 0, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Shape {
    uint batch;
    uint C, H, W;      // the convolution's input side: channels, height, width
    uint O, OH, OW;    // its output side
    uint KH, KW;
    uint stride, pad;
    uint M, N, K;      // the GEMM
    uint kChunk;       // the k-range of one split-K slice (K when not split)
} g;

shared float As[BK][BM];
shared float Bs[BK][BN];

// x[n, c, h, w] of the convolution's input side, 0 outside the image.
float input_at(uint n, uint ch, int h, int w) {
    if (h < 0 || w < 0 || h >= int(g.H) || w >= int(g.W)) return 0.0;
    return x[((n * g.C + ch) * g.H + uint(h)) * g.W + uint(w)];
}

// op(A)[m, k], with m < M and k < K.
float load_a(uint m, uint k) {
    uint taps = g.KH * g.KW;
    if (MODE == 0u) return a[m * g.K + k];                                  // w[o, (c, u, v)]
    if (MODE == 1u) return a[((k / taps) * g.C + m) * taps + k % taps];    // w[o, c, u, v] at k = (o, u, v)
    uint plane = g.OH * g.OW;                                               // dy[n, o, (i, j)] at k = (n, i, j)
    return a[((k / plane) * g.O + m) * plane + k % plane];
}

// B[k, n], with k < K and n < N.
float load_b(uint k, uint n) {
    uint taps = g.KH * g.KW;
    if (MODE == 0u) {
        uint plane = g.OH * g.OW, t = k % taps, q = n % plane;
        int h = int((q / g.OW) * g.stride + t / g.KW) - int(g.pad);
        int w = int((q % g.OW) * g.stride + t % g.KW) - int(g.pad);
        return input_at(n / plane, k / taps, h, w);
    }
    if (MODE == 1u) {
        // The transposed convolution reads x = the output side [batch, O, OH, OW] at the position whose tap
        // (u, v) lands on (h, w): i = (h + p - u) / s where that divides.
        uint plane = g.H * g.W, t = k % taps, q = n % plane;
        int ti = int(q / g.W + g.pad) - int(t / g.KW), tj = int(q % g.W + g.pad) - int(t % g.KW);
        if (ti < 0 || tj < 0 || ti % int(g.stride) != 0 || tj % int(g.stride) != 0) return 0.0;
        uint i = uint(ti) / g.stride, j = uint(tj) / g.stride;
        if (i >= g.OH || j >= g.OW) return 0.0;
        return x[(((n / plane) * g.O + k / taps) * g.OH + i) * g.OW + j];
    }
    uint plane = g.OH * g.OW, q = k % plane, t = n % taps;
    int h = int((q / g.OW) * g.stride + t / g.KW) - int(g.pad);
    int w = int((q % g.OW) * g.stride + t % g.KW) - int(g.pad);
    return input_at(k / plane, n / taps, h, w);
}

// Where C[m, n] lives in the output tensor.
uint output_index(uint m, uint n) {
    if (MODE == 0u) { uint plane = g.OH * g.OW; return ((n / plane) * g.O + m) * plane + n % plane; }
    if (MODE == 1u) { uint plane = g.H * g.W; return ((n / plane) * g.C + m) * plane + n % plane; }
    return m * g.N + n;
}

void main() {
    const uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y, t = ly * WG_X + lx;
    const uint row0 = gl_WorkGroupID.y * BM, col0 = gl_WorkGroupID.x * BN;
    const uint kBegin = gl_WorkGroupID.z * g.kChunk, kEnd = min(g.K, kBegin + g.kChunk);

    float acc[TM * TN];
    for (uint e = 0; e < TM * TN; ++e) acc[e] = 0.0;

    for (uint k0 = kBegin; k0 < kEnd; k0 += BK) {
        for (uint e = t; e < BM * BK; e += WG) {
            uint k = e % BK, m = e / BK, gm = row0 + m, gk = k0 + k;
            As[k][m] = gm < g.M && gk < kEnd ? load_a(gm, gk) : 0.0;
        }
        for (uint e = t; e < BK * BN; e += WG) {
            uint n = e % BN, k = e / BN, gn = col0 + n, gk = k0 + k;
            Bs[k][n] = gn < g.N && gk < kEnd ? load_b(gk, gn) : 0.0;
        }
        barrier();
        for (uint k = 0; k < BK; ++k) {
            float av[TM];
            float bv[TN];
            for (uint i = 0; i < TM; ++i) av[i] = As[k][ly + i * WG_Y];
            for (uint j = 0; j < TN; ++j) bv[j] = Bs[k][lx + j * WG_X];
            for (uint i = 0; i < TM; ++i)
                for (uint j = 0; j < TN; ++j) acc[i * TN + j] = fma(av[i], bv[j], acc[i * TN + j]);
        }
        barrier();
    }

    for (uint i = 0; i < TM; ++i) {
        uint row = row0 + ly + i * WG_Y;
        if (row >= g.M) break;
        for (uint j = 0; j < TN; ++j) {
            uint col = col0 + lx + j * WG_X;
            if (col >= g.N) break;
            float v = acc[i * TN + j];
            if (SPLIT_K) {
                c[(gl_WorkGroupID.z * g.M + row) * g.N + col] = v;
                continue;
            }
            if (HAS_BIAS) v += bias[row];
            c[output_index(row, col)] = activate(v, ACTIVATION);
        }
    }
}
