#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1) in;
// C = act(op(A) * op(B) + bias) (or C += op(A) * op(B)) with shared-memory tiles, for GPUs.
//
// A workgroup computes a BM x BN block of C. For each slab of BK along k it stages the slab's BM x BK
// part of op(A) and BK x BN part of op(B) in shared memory, then every invocation multiplies out its own
// TM x TN register block from there. The loaders read each operand along its contiguous dimension (k for
// A as stored, m for A transposed; n for B as stored, k for B transposed), so NN, NT and TN all make
// neighbouring invocations read neighbouring words. An invocation's rows are ly + i*WG_Y and its columns
// lx + j*WG_X, so neighbours read neighbouring shared words (no bank conflicts) and store neighbouring
// columns of C. Elements outside M, N or K are staged as zeros; the store skips rows and columns past C.
//
// Split-K (SPLIT_K): where the grid of C's tiles would leave most of a GPU idle, workgroup z takes only the
// k-range [z * kChunk, (z + 1) * kChunk) and stores its raw partial sums as slice z of the scratch bound at
// C (slices * M * N floats); matmul_split_sum.comp then adds the slices and applies the epilogue.
//
// vec4 loads (VEC4_A, VEC4_B): where an operand's stored row length is a multiple of 4, its loader reads
// four neighbouring words along that row at once, through the same buffer bound a second time as vec4[].
// The row length is then the contiguous extent itself (K for A as stored, M for A transposed, N for B as
// stored, K for B transposed), and tiles, slabs and split-K slices all start at multiples of 4, so a
// vector is either wholly inside the operand or wholly outside it.
#include "activation.glsl"

layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const bool TRANSPOSE_A = false;
layout(constant_id = 5) const bool TRANSPOSE_B = false;
layout(constant_id = 6) const uint ACTIVATION = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool ACCUMULATE = false;
layout(constant_id = 9) const uint BK = 16;
layout(constant_id = 10) const bool SPLIT_K = false;
layout(constant_id = 11) const bool VEC4_A = false;
layout(constant_id = 12) const bool VEC4_B = false;

// The tile: WG_X invocations across times TN columns each, WG_Y down times TM rows each.
const uint WG_X = gl_WorkGroupSize.x, WG_Y = gl_WorkGroupSize.y;
const uint BM = WG_Y * TM, BN = WG_X * TN, WG = WG_X * WG_Y;

layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 0) readonly buffer A4 { vec4 a4[]; };
layout(set = 0, binding = 1) readonly buffer B4 { vec4 b4[]; };
layout(set = 0, binding = 2) buffer C { float c[]; };
layout(set = 0, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Shape {
    uint M, N, K;
    uint lda, ldb;  // row lengths of A and B as stored
    uint kChunk;    // the k-range of one split-K slice (K when not split)
} p;

// k-major: the inner loop reads one row of each, across the tile's rows and columns.
shared float As[BK][BM];
shared float Bs[BK][BN];

void main() {
    const uint lx = gl_LocalInvocationID.x, ly = gl_LocalInvocationID.y, t = ly * WG_X + lx;
    const uint row0 = gl_WorkGroupID.y * BM, col0 = gl_WorkGroupID.x * BN;
    const uint kBegin = gl_WorkGroupID.z * p.kChunk, kEnd = min(p.K, kBegin + p.kChunk);

    float acc[TM * TN];
    for (uint e = 0; e < TM * TN; ++e) acc[e] = 0.0;

    for (uint k0 = kBegin; k0 < kEnd; k0 += BK) {
        // Stage op(A)[row0.., k0..] and op(B)[k0.., col0..], WG elements (or vectors) per pass.
        if (VEC4_A && TRANSPOSE_A) {
            for (uint e = t; e < BM * BK / 4; e += WG) {
                uint m = e % (BM / 4) * 4, k = e / (BM / 4), gm = row0 + m, gk = k0 + k;
                vec4 v = gm < p.M && gk < kEnd ? a4[(gk * p.lda + gm) / 4] : vec4(0.0);
                As[k][m] = v.x; As[k][m + 1] = v.y; As[k][m + 2] = v.z; As[k][m + 3] = v.w;
            }
        } else if (VEC4_A) {
            for (uint e = t; e < BM * BK / 4; e += WG) {
                uint k = e % (BK / 4) * 4, m = e / (BK / 4), gm = row0 + m, gk = k0 + k;
                vec4 v = gm < p.M && gk < kEnd ? a4[(gm * p.lda + gk) / 4] : vec4(0.0);
                As[k][m] = v.x; As[k + 1][m] = v.y; As[k + 2][m] = v.z; As[k + 3][m] = v.w;
            }
        } else {
            for (uint e = t; e < BM * BK; e += WG) {
                uint m, k;
                if (TRANSPOSE_A) { m = e % BM; k = e / BM; } else { k = e % BK; m = e / BK; }
                uint gm = row0 + m, gk = k0 + k;
                As[k][m] = gm < p.M && gk < kEnd ? (TRANSPOSE_A ? a[gk * p.lda + gm] : a[gm * p.lda + gk]) : 0.0;
            }
        }
        if (VEC4_B && TRANSPOSE_B) {
            for (uint e = t; e < BK * BN / 4; e += WG) {
                uint k = e % (BK / 4) * 4, n = e / (BK / 4), gn = col0 + n, gk = k0 + k;
                vec4 v = gn < p.N && gk < kEnd ? b4[(gn * p.ldb + gk) / 4] : vec4(0.0);
                Bs[k][n] = v.x; Bs[k + 1][n] = v.y; Bs[k + 2][n] = v.z; Bs[k + 3][n] = v.w;
            }
        } else if (VEC4_B) {
            for (uint e = t; e < BK * BN / 4; e += WG) {
                uint n = e % (BN / 4) * 4, k = e / (BN / 4), gn = col0 + n, gk = k0 + k;
                vec4 v = gn < p.N && gk < kEnd ? b4[(gk * p.ldb + gn) / 4] : vec4(0.0);
                Bs[k][n] = v.x; Bs[k][n + 1] = v.y; Bs[k][n + 2] = v.z; Bs[k][n + 3] = v.w;
            }
        } else {
            for (uint e = t; e < BK * BN; e += WG) {
                uint n, k;
                if (TRANSPOSE_B) { k = e % BK; n = e / BK; } else { n = e % BN; k = e / BN; }
                uint gn = col0 + n, gk = k0 + k;
                Bs[k][n] = gn < p.N && gk < kEnd ? (TRANSPOSE_B ? b[gn * p.ldb + gk] : b[gk * p.ldb + gn]) : 0.0;
            }
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
        if (row >= p.M) break;
        for (uint j = 0; j < TN; ++j) {
            uint col = col0 + lx + j * WG_X;
            if (col >= p.N) break;
            float v = acc[i * TN + j];
            if (SPLIT_K) {
                c[(gl_WorkGroupID.z * p.M + row) * p.N + col] = v;
                continue;
            }
            if (HAS_BIAS) v += bias[col];
            if (ACCUMULATE) v += c[row * p.N + col];
            c[row * p.N + col] = activate(v, ACTIVATION);
        }
    }
}
