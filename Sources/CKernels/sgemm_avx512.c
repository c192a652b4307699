// A single-threaded AVX-512 sgemm for the VAE's shapes (m, n, k up to a few thousand), in the usual
// packed form: op(B) is copied k-block by k-block into 48-column panels and op(A) into 8-row panels, both
// zero-padded, so one 8×48 register-blocked kernel serves every transpose combination and edge. The
// B panel of a k-block (KC×48 floats, 36 KiB) stays in L1 while the kernel runs down every A panel.
#include "CKernels.h"

#include <stdlib.h>
#include <string.h>

#if !defined(__x86_64__)
// Other architectures use OpenBLAS for every product.
bool vae_cpu_has_avx512(void) { return false; }
void vae_sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k, const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc, bool accumulate, const float *bias, bool activate, float negative_slope) {
    abort();
}
#else

#include <immintrin.h>

enum { MR = 8, NR = 48, KC = 192 };

bool vae_cpu_has_avx512(void) {
    static int known = -1;
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") ? 1 : 0;
    }
    return known == 1;
}

// Packing buffers per thread, grown on demand and kept: a training step allocates nothing.
static float *scratch(int which, size_t floats) {
    static _Thread_local float *buffers[2];
    static _Thread_local size_t capacity[2];
    if (capacity[which] < floats) {
        free(buffers[which]);
        const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
        buffers[which] = aligned_alloc(64, bytes);
        capacity[which] = buffers[which] ? floats : 0;
    }
    return buffers[which];
}

// Writes the transpose of the 16×16 block at src (rows ld apart) to dst (rows NR apart): four rounds of
// in-register shuffles instead of 256 scalar copies with a 192-byte stride.
__attribute__((target("avx512f")))
static void transpose_16x16(const float *src, size_t ld, float *dst) {
    __m512 r[16], t[16];
    for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + i * ld);
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // r[4g + q], 128-bit lane L: column 4L + q of rows 4g ..< 4g + 4.
    for (int g = 0; g < 4; g++) {
        const __m512d t0 = _mm512_castps_pd(t[4 * g]), t1 = _mm512_castps_pd(t[4 * g + 1]),
                      t2 = _mm512_castps_pd(t[4 * g + 2]), t3 = _mm512_castps_pd(t[4 * g + 3]);
        r[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(t0, t2));
        r[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(t0, t2));
        r[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(t1, t3));
        r[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(t1, t3));
    }
    // Gather lane L of r[q], r[4 + q], r[8 + q], r[12 + q] into output row 4L + q.
    for (int q = 0; q < 4; q++) {
        const __m512 x0 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0x44), x1 = _mm512_shuffle_f32x4(r[q], r[4 + q], 0xEE),
                     x2 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0x44), x3 = _mm512_shuffle_f32x4(r[8 + q], r[12 + q], 0xEE);
        _mm512_storeu_ps(dst + (0 + q) * NR, _mm512_shuffle_f32x4(x0, x2, 0x88));
        _mm512_storeu_ps(dst + (4 + q) * NR, _mm512_shuffle_f32x4(x0, x2, 0xDD));
        _mm512_storeu_ps(dst + (8 + q) * NR, _mm512_shuffle_f32x4(x1, x3, 0x88));
        _mm512_storeu_ps(dst + (12 + q) * NR, _mm512_shuffle_f32x4(x1, x3, 0xDD));
    }
}

// op(B)[k0 ..< k0+kc][j0 ..< j0+nr] into a kc×NR panel, columns past nr zero.
__attribute__((target("avx512f")))
static void pack_b(bool trans_b, const float *b, int ldb, int k0, int kc, int j0, int nr, float *panel) {
    if (trans_b) {
        // op(B)[p][j] = B[j][p]: 16×16 blocks transposed in registers, the ragged edges one by one.
        const int full_c = nr / 16 * 16, full_p = kc / 16 * 16;
        for (int c = 0; c < full_c; c += 16)
            for (int p = 0; p < full_p; p += 16)
                transpose_16x16(b + (size_t)(j0 + c) * ldb + k0 + p, (size_t)ldb, panel + p * NR + c);
        for (int c = 0; c < NR; c++) {
            const int from = c < full_c ? full_p : 0;
            if (c >= nr) {
                for (int p = from; p < kc; p++) panel[p * NR + c] = 0;
                continue;
            }
            const float *src = b + (size_t)(j0 + c) * ldb + k0;
            for (int p = from; p < kc; p++) panel[p * NR + c] = src[p];
        }
    } else {
        for (int p = 0; p < kc; p++) {
            const float *src = b + (size_t)(k0 + p) * ldb + j0;
            memcpy(panel + p * NR, src, (size_t)nr * sizeof(float));
            if (nr < NR) memset(panel + p * NR + nr, 0, (size_t)(NR - nr) * sizeof(float));
        }
    }
}

// Writes the transpose of the 8×8 block at src (rows ld apart) to dst (rows MR apart).
__attribute__((target("avx512f")))
static void transpose_8x8(const float *src, size_t ld, float *dst) {
    __m256 r[8], t[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(src + i * ld);
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // r[4h + q], 128-bit lane L: column 4L + q of rows 4h ..< 4h + 4.
    for (int h = 0; h < 2; h++) {
        r[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
        r[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
        r[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
        r[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
    }
    for (int q = 0; q < 4; q++) {
        _mm256_storeu_ps(dst + q * MR, _mm256_permute2f128_ps(r[q], r[4 + q], 0x20));
        _mm256_storeu_ps(dst + (4 + q) * MR, _mm256_permute2f128_ps(r[q], r[4 + q], 0x31));
    }
}

// op(A)[i0 ..< i0+mr][k0 ..< k0+kc] into a kc×MR panel (k-major), rows past mr zero.
__attribute__((target("avx512f")))
static void pack_a(bool trans_a, const float *a, int lda, int i0, int mr, int k0, int kc, float *panel) {
    if (trans_a) {
        // op(A)[i][p] = A[p][i]: each k gives MR consecutive floats of a row of A.
        for (int p = 0; p < kc; p++) {
            const float *src = a + (size_t)(k0 + p) * lda + i0;
            for (int r = 0; r < mr; r++) panel[p * MR + r] = src[r];
            for (int r = mr; r < MR; r++) panel[p * MR + r] = 0;
        }
    } else {
        const float *src = a + (size_t)i0 * lda + k0;
        int from = 0;
        if (mr == MR) {
            from = kc / 8 * 8;
            for (int p = 0; p < from; p += 8) transpose_8x8(src + p, (size_t)lda, panel + p * MR);
        }
        for (int p = from; p < kc; p++)
            for (int r = 0; r < MR; r++) panel[p * MR + r] = r < mr ? src[(size_t)r * lda + p] : 0;
    }
}

// What the kernel does to its tile when storing: add C's old values (accumulate, or a later k-block),
// add the bias row (the first k-block), apply the activation (the last k-block).
typedef struct {
    bool add;
    const float *bias;
    bool activate;
    float negative_slope;
} epilogue;

// C[0 ..< mr][0 ..< nr] = epilogue(A panel · B panel over kc). Rows past mr are computed and dropped;
// columns past nr are masked off.
__attribute__((target("avx512f")))
static void kernel_8x48(int kc, const float *ap, const float *bp, float *c, int ldc, int mr, int nr, epilogue e) {
    __m512 acc[MR][3];
    for (int r = 0; r < MR; r++)
        for (int v = 0; v < 3; v++) acc[r][v] = _mm512_setzero_ps();
    for (int p = 0; p < kc; p++) {
        const __m512 b0 = _mm512_load_ps(bp + p * NR), b1 = _mm512_load_ps(bp + p * NR + 16),
                     b2 = _mm512_load_ps(bp + p * NR + 32);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            const __m512 av = _mm512_set1_ps(ap[p * MR + r]);
            acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
            acc[r][2] = _mm512_fmadd_ps(av, b2, acc[r][2]);
        }
    }
    __mmask16 mask[3];
    __m512 bias[3];
    for (int v = 0; v < 3; v++) {
        const int left = nr - 16 * v;
        mask[v] = left >= 16 ? (__mmask16)0xFFFF : left <= 0 ? (__mmask16)0 : (__mmask16)((1u << left) - 1);
        bias[v] = e.bias ? _mm512_maskz_loadu_ps(mask[v], e.bias + 16 * v) : _mm512_setzero_ps();
    }
    const __m512 zero = _mm512_setzero_ps(), slope = _mm512_set1_ps(e.negative_slope);
    for (int r = 0; r < mr; r++) {
        float *row = c + (size_t)r * ldc;
        for (int v = 0; v < 3; v++) {
            if (!mask[v]) continue;
            __m512 out = _mm512_add_ps(acc[r][v], bias[v]);
            if (e.add) out = _mm512_add_ps(out, _mm512_maskz_loadu_ps(mask[v], row + 16 * v));
            if (e.activate) {
                const __mmask16 negative = _mm512_cmp_ps_mask(out, zero, _CMP_LT_OQ);
                out = _mm512_mask_mul_ps(out, negative, out, slope);
            }
            _mm512_mask_storeu_ps(row + 16 * v, mask[v], out);
        }
    }
}

__attribute__((target("avx512f")))
void vae_sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k,
                      const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc, bool accumulate, const float *bias, bool activate, float negative_slope) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        // No products: C = act((accumulate ? C : 0) + bias), element by element.
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                float x = (accumulate ? c[(size_t)i * ldc + j] : 0.0f) + (bias ? bias[j] : 0.0f);
                c[(size_t)i * ldc + j] = activate && x < 0 ? x * negative_slope : x;
            }
        return;
    }
    const int n_panels = (n + NR - 1) / NR, m_panels = (m + MR - 1) / MR;
    const int kc_max = k < KC ? k : KC;
    float *bpack = scratch(0, (size_t)n_panels * kc_max * NR), *apack = scratch(1, (size_t)m_panels * kc_max * MR);
    if (!bpack || !apack) abort();
    for (int k0 = 0; k0 < k; k0 += KC) {
        const int kc = k - k0 < KC ? k - k0 : KC;
        for (int jp = 0; jp < n_panels; jp++) {
            const int j0 = jp * NR, nr = n - j0 < NR ? n - j0 : NR;
            pack_b(trans_b, b, ldb, k0, kc, j0, nr, bpack + (size_t)jp * kc * NR);
        }
        for (int ip = 0; ip < m_panels; ip++) {
            const int i0 = ip * MR, mr = m - i0 < MR ? m - i0 : MR;
            pack_a(trans_a, a, lda, i0, mr, k0, kc, apack + (size_t)ip * kc * MR);
        }
        for (int jp = 0; jp < n_panels; jp++) {
            const int j0 = jp * NR, nr = n - j0 < NR ? n - j0 : NR;
            const epilogue e = {
                .add = accumulate || k0 > 0,
                .bias = k0 == 0 && bias ? bias + j0 : 0,
                .activate = activate && k0 + kc == k,
                .negative_slope = negative_slope,
            };
            for (int ip = 0; ip < m_panels; ip++) {
                const int i0 = ip * MR, mr = m - i0 < MR ? m - i0 : MR;
                kernel_8x48(kc, apack + (size_t)ip * kc * MR, bpack + (size_t)jp * kc * NR,
                            c + (size_t)i0 * ldc + j0, ldc, mr, nr, e);
            }
        }
    }
}

#endif
