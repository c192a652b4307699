#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(local_size_x_id = 0) in;
// C = act(op(A) * op(B) + bias) (or C += op(A) * op(B)) on cooperative matrices (VK_KHR_cooperative_matrix):
// f16 inputs, f32 accumulation. Mixed precision: the operands are rounded to f16 (11 significant bits) where
// they are staged, the products and their sums are f32. Only built where the compiler knows the extension
// (glslang 13), only run where the device offers it and mixed precision was asked for.
//
// A workgroup is SUBGROUPS_M x SUBGROUPS_N subgroups and computes a BM x BN block of C; each subgroup owns
// TILES_M x TILES_N of the device's CM x CN result tiles. For each BK-deep slab along k, every invocation stages
// its share of op(A)'s BM x BK and op(B)'s BK x BN parts in shared memory as f16, reading each operand along its
// contiguous dimension as matmul_tiled.comp does, with zeros outside M, N and K. Each subgroup then multiplies
// its tiles out with coopMatMulAdd over the slab's CK-deep steps. At the end the accumulators go to shared
// memory (where an element of a cooperative matrix sits in the subgroup is the driver's choice, so only a
// store makes them addressable) and every invocation applies the epilogue to its share of the block.
//
// The host sizes the workgroup as SUBGROUPS_M * SUBGROUPS_N subgroups of the device's subgroup size. Should
// the driver make other subgroups, gl_NumSubgroups tells: the block is then written as NaN, which every
// comparison with the reference and the training run's finiteness check catch, instead of tiles left unset.
#include "activation.glsl"

layout(constant_id = 1) const uint CM = 16;
layout(constant_id = 2) const uint CN = 16;
layout(constant_id = 3) const uint CK = 16;
layout(constant_id = 4) const bool TRANSPOSE_A = false;
layout(constant_id = 5) const bool TRANSPOSE_B = false;
layout(constant_id = 6) const uint ACTIVATION = 0;
layout(constant_id = 7) const bool HAS_BIAS = false;
layout(constant_id = 8) const bool ACCUMULATE = false;
layout(constant_id = 9) const uint SUBGROUPS_M = 2;
layout(constant_id = 10) const uint SUBGROUPS_N = 2;
layout(constant_id = 11) const uint TILES_M = 2;
layout(constant_id = 12) const uint TILES_N = 2;
layout(constant_id = 13) const uint K_STEPS = 2;

const uint BM = SUBGROUPS_M * TILES_M * CM, BN = SUBGROUPS_N * TILES_N * CN, BK = K_STEPS * CK;
const uint WG = gl_WorkGroupSize.x;

layout(set = 0, binding = 0) readonly buffer A { float a[]; };
layout(set = 0, binding = 1) readonly buffer B { float b[]; };
layout(set = 0, binding = 2) buffer C { float c[]; };
layout(set = 0, binding = 3) readonly buffer Bias { float bias[]; };

layout(push_constant) uniform Shape {
    uint M, N, K;
    uint lda, ldb;  // row lengths of A and B as stored
} p;

// Row-major slabs: As[m][k], Bs[k][n]; the finished block Cs[m][n].
shared float16_t As[BM * BK];
shared float16_t Bs[BK * BN];
shared float Cs[BM * BN];

void main() {
    const uint t = gl_LocalInvocationID.x;
    const uint row0 = gl_WorkGroupID.y * BM, col0 = gl_WorkGroupID.x * BN;
    const uint sg = gl_SubgroupID, sgM = sg / SUBGROUPS_N, sgN = sg % SUBGROUPS_N;
    const bool planned = gl_NumSubgroups == SUBGROUPS_M * SUBGROUPS_N;

    coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator> acc[TILES_M * TILES_N];
    for (uint i = 0; i < TILES_M * TILES_N; ++i) {
        acc[i] = coopmat<float, gl_ScopeSubgroup, CM, CN, gl_MatrixUseAccumulator>(0.0);
    }

    for (uint k0 = 0; k0 < p.K; k0 += BK) {
        for (uint e = t; e < BM * BK; e += WG) {
            uint m, k;
            if (TRANSPOSE_A) { m = e % BM; k = e / BM; } else { k = e % BK; m = e / BK; }
            uint gm = row0 + m, gk = k0 + k;
            float v = gm < p.M && gk < p.K ? (TRANSPOSE_A ? a[gk * p.lda + gm] : a[gm * p.lda + gk]) : 0.0;
            As[m * BK + k] = float16_t(v);
        }
        for (uint e = t; e < BK * BN; e += WG) {
            uint n, k;
            if (TRANSPOSE_B) { k = e % BK; n = e / BK; } else { n = e % BN; k = e / BN; }
            uint gn = col0 + n, gk = k0 + k;
            float v = gn < p.N && gk < p.K ? (TRANSPOSE_B ? b[gn * p.ldb + gk] : b[gk * p.ldb + gn]) : 0.0;
            Bs[k * BN + n] = float16_t(v);
        }
        barrier();
        if (planned) {
            for (uint s = 0; s < K_STEPS; ++s) {
                coopmat<float16_t, gl_ScopeSubgroup, CM, CK, gl_MatrixUseA> ma[TILES_M];
                for (uint i = 0; i < TILES_M; ++i) {
                    uint m = (sgM * TILES_M + i) * CM;
                    coopMatLoad(ma[i], As, m * BK + s * CK, BK, gl_CooperativeMatrixLayoutRowMajor);
                }
                for (uint j = 0; j < TILES_N; ++j) {
                    coopmat<float16_t, gl_ScopeSubgroup, CK, CN, gl_MatrixUseB> mb;
                    uint n = (sgN * TILES_N + j) * CN;
                    coopMatLoad(mb, Bs, s * CK * BN + n, BN, gl_CooperativeMatrixLayoutRowMajor);
                    for (uint i = 0; i < TILES_M; ++i) acc[i * TILES_N + j] = coopMatMulAdd(ma[i], mb, acc[i * TILES_N + j]);
                }
            }
        }
        barrier();
    }

    if (planned) {
        for (uint i = 0; i < TILES_M; ++i) {
            for (uint j = 0; j < TILES_N; ++j) {
                uint m = (sgM * TILES_M + i) * CM, n = (sgN * TILES_N + j) * CN;
                coopMatStore(acc[i * TILES_N + j], Cs, m * BN + n, BN, gl_CooperativeMatrixLayoutRowMajor);
            }
        }
    }
    barrier();
    for (uint e = t; e < BM * BN; e += WG) {
        uint row = row0 + e / BN, col = col0 + e % BN;
        if (row >= p.M || col >= p.N) continue;
        if (!planned) {
            c[row * p.N + col] = uintBitsToFloat(0x7FC00000u);
            continue;
        }
        float v = Cs[e];
        if (HAS_BIAS) v += bias[col];
        if (ACCUMULATE) v += c[row * p.N + col];
        c[row * p.N + col] = activate(v, ACTIVATION);
    }
}
