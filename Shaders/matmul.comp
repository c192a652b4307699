#version 450
#extension GL_GOOGLE_include_directive : require
layout(local_size_x_id = 0, local_size_y_id = 1) in;
// C = act(op(A) * op(B) + bias) (or C += op(A) * op(B)). Register-blocked: each invocation computes a
// TM x TN block of C held in registers. Its rows are ly + i*WG_Y and its columns lx + j*WG_X within the
// workgroup's tile, so neighbouring invocations touch neighbouring columns (coalesced loads of B and
// stores of C). No shared memory: on lavapipe, shared tiles with barriers measured slower than this.
// Out-of-range rows and columns are clamped for loads and skipped at the store, keeping the inner loop
// free of branches. TM = TN = 1 is the naive kernel.
#include "activation.glsl"

layout(constant_id = 2) const uint TM = 4;
layout(constant_id = 3) const uint TN = 4;
layout(constant_id = 4) const bool TRANSPOSE_A = false;
layout(constant_id = 5) const bool TRANSPOSE_B = false;
layout(constant_id = 6) const uint ACTIVATION = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool ACCUMULATE = false;

layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) buffer C { float c[]; };
layout(set = 0, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Shape {
    uint M, N, K;
    uint lda, ldb;  // row lengths of A and B as stored
} p;

void main() {
    uint tile_row = gl_WorkGroupID.y * gl_WorkGroupSize.y * TM + gl_LocalInvocationID.y;
    uint tile_col = gl_WorkGroupID.x * gl_WorkGroupSize.x * TN + gl_LocalInvocationID.x;
    uint rows[TM];
    uint cols[TN];
    for (uint i = 0; i < TM; ++i) rows[i] = min(tile_row + i * gl_WorkGroupSize.y, p.M - 1u);
    for (uint j = 0; j < TN; ++j) cols[j] = min(tile_col + j * gl_WorkGroupSize.x, p.N - 1u);

    float acc[TM * TN];
    for (uint e = 0; e < TM * TN; ++e) acc[e] = 0.0;

    for (uint k = 0; k < p.K; ++k) {
        float av[TM];
        float bv[TN];
        for (uint i = 0; i < TM; ++i) av[i] = TRANSPOSE_A ? a[k * p.lda + rows[i]] : a[rows[i] * p.lda + k];
        for (uint j = 0; j < TN; ++j) bv[j] = TRANSPOSE_B ? b[cols[j] * p.ldb + k] : b[k * p.ldb + cols[j]];
        for (uint i = 0; i < TM; ++i)
            for (uint j = 0; j < TN; ++j) acc[i * TN + j] = fma(av[i], bv[j], acc[i * TN + j]);
    }

    for (uint i = 0; i < TM; ++i) {
        uint row = tile_row + i * gl_WorkGroupSize.y;
        if (row >= p.M) break;
        for (uint j = 0; j < TN; ++j) {
            uint col = tile_col + j * gl_WorkGroupSize.x;
            if (col >= p.N) break;
            float v = acc[i * TN + j];
            if (HAS_BIAS) v += bias[col];
            if (ACCUMULATE) v += c[row * p.N + col];
            c[row * p.N + col] = activate(v, ACTIVATION);
        }
    }
}
