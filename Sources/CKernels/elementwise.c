// The elementwise kernels of a CPU training step besides the products: Adam, the Bernoulli loss with
// its gradient, the reparameterization's noise, the minibatch gather and the bias gradients' column sums. Plain C loops written to vectorize, compiled three times
// (AVX-512, AVX2+FMA, baseline x86-64) and chosen by the loader for the CPU at hand (target_clones):
// Swift's own SIMD types compile for the baseline only.
#include "CKernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#define VAE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VAE_CLONES
#endif

#if defined(__x86_64__)
#include <immintrin.h>
unsigned vae_enter_flush_denormals(void) {
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040);  // FTZ (bit 15) and DAZ (bit 6)
    return saved;
}
void vae_restore_float_mode(unsigned saved) { _mm_setcsr(saved); }
#else
unsigned vae_enter_flush_denormals(void) { return 0; }
void vae_restore_float_mode(unsigned saved) { (void)saved; }
#endif

static inline float bits_to_float(int32_t i) { float f; memcpy(&f, &i, sizeof f); return f; }
static inline int32_t float_to_bits(float f) { int32_t i; memcpy(&i, &f, sizeof i); return i; }

// e^x for x <= 88 (larger x saturate at e^88.3); Cephes' reduction and minimax polynomial, a few ulp.
static inline float exp_poly(float x) {
    x = x < -87.3f ? -87.3f : x > 88.3f ? 88.3f : x;
    // Rounds x·log2(e) to an integer held in the low mantissa bits of the sum.
    const float shifter = 12582912.0f;
    const float biased = x * 1.44269504f + shifter;
    const float n = biased - shifter;
    const float r = x - n * 0.693359375f - n * -2.12194440e-4f;
    const float r2 = r * r;
    float p = 1.98756915e-4f;
    p = p * r + 1.39819995e-3f;
    p = p * r + 8.33345190e-3f;
    p = p * r + 4.16657960e-2f;
    p = p * r + 1.66666655e-1f;
    p = p * r + 5.00000010e-1f;
    p = p * r2 + r + 1.0f;
    return p * bits_to_float((float_to_bits(biased) - 0x4B400000 + 127) << 23);
}

// log(u) for normal positive u: u = m·2^k with m in [√½, √2), then Cephes' minimax polynomial.
static inline float log_poly(float u) {
    int32_t bits = float_to_bits(u);
    float k = (float)((bits >> 23) - 127);
    float m = bits_to_float((bits & 0x007FFFFF) | 0x3F800000);  // [1, 2)
    const int big = m > 1.41421356f;
    m = big ? m * 0.5f : m;
    k = big ? k + 1.0f : k;
    const float x = m - 1.0f, z = x * x;
    float y = 7.0376836292e-2f;
    y = y * x - 1.1514610310e-1f;
    y = y * x + 1.1676998740e-1f;
    y = y * x - 1.2420140846e-1f;
    y = y * x + 1.4249322787e-1f;
    y = y * x - 1.6668057665e-1f;
    y = y * x + 2.0000714765e-1f;
    y = y * x - 2.4999993993e-1f;
    y = y * x + 3.3333331174e-1f;
    y = y * x * z;
    y = y + k * -2.12194440e-4f - 0.5f * z;
    return x + y + k * 0.693359375f;
}

// log(1 + e) for e in [0, 1], exact also for tiny e (log(u)·e/(u − 1) with u = 1 + e).
static inline float log1p_unit(float e) {
    const float u = 1.0f + e, d = u - 1.0f;
    return d == 0.0f ? e : log_poly(u) * e / d;
}

// cos(2πt) and sin(2πt) for t in [0, 1): t − q/4 is exact in float, leaving |angle| <= π/4 for Cephes'
// polynomials, then a quarter-turn rotation by q.
static inline void cos_sin_turns(float t, float *c, float *s) {
    const float q = (float)(int32_t)(4.0f * t + 0.5f);
    const float a = 6.28318531f * (t - 0.25f * q), a2 = a * a;
    const float sa = a + a * a2 * (-1.6666654611e-1f + a2 * (8.3321608736e-3f + a2 * -1.9515295891e-4f));
    const float ca = 1.0f - 0.5f * a2 + a2 * a2 * (4.166664568298827e-2f + a2 * (-1.388731625493765e-3f + a2 * 2.443315711809948e-5f));
    const int quadrant = (int)q & 3;
    *c = quadrant == 0 ? ca : quadrant == 1 ? -sa : quadrant == 2 ? -ca : sa;
    *s = quadrant == 0 ? sa : quadrant == 1 ? ca : quadrant == 2 ? -sa : -ca;
}

// Philox-4x32-10 (the twin of Philox.block in Swift and philox.glsl).
static inline void philox4x32_10(uint32_t c[4], uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; round++) {
        if (round > 0) {
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        const uint64_t p0 = (uint64_t)0xD2511F53u * c[0], p1 = (uint64_t)0xCD9E8D57u * c[2];
        const uint32_t n0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
        c[1] = (uint32_t)p1;
        c[3] = (uint32_t)p0;
        c[0] = n0;
        c[2] = n2;
    }
}

// A uniform in [0, 1) from the top 24 bits of a word, as Philox.uniform.
static inline float uniform24(uint32_t bits) { return (float)(bits >> 8) * 0x1p-24f; }

VAE_CLONES
void vae_reparameterize(const float *restrict posterior, float *restrict eps, float *restrict z, long n, long latent,
                        long offset, uint32_t step, uint32_t stream, uint32_t key0, uint32_t key1) {
    // Element i is element offset + i of the whole batch: block (offset + i) / 4, lane (offset + i) % 4.
    for (long block = offset / 4; block * 4 < offset + n; block++) {
        uint32_t c[4] = {(uint32_t)block, step, stream, 0};
        philox4x32_10(c, key0, key1);
        float normal[4];
        for (int pair = 0; pair < 2; pair++) {
            // Box–Muller with u1 = 1 − uniform in (0, 1], so the logarithm never sees zero.
            const float r = sqrtf(-2.0f * log_poly(1.0f - uniform24(c[2 * pair])));
            float cs, sn;
            cos_sin_turns(uniform24(c[2 * pair + 1]), &cs, &sn);
            normal[2 * pair] = r * cs;
            normal[2 * pair + 1] = r * sn;
        }
        for (long lane = 0; lane < 4; lane++) {
            const long g = block * 4 + lane;
            if (g >= offset && g < offset + n) eps[g - offset] = normal[lane];
        }
    }
    for (long r = 0; r * latent < n; r++) {
        const float *mu = posterior + 2 * r * latent, *logvar = mu + latent;
        const long first = r * latent;
        for (long j = 0; j < latent; j++) z[first + j] = mu[j] + exp_poly(0.5f * logvar[j]) * eps[first + j];
    }
}

VAE_CLONES
long vae_gather_rows_u8(const uint8_t *restrict source, long source_rows, const uint32_t *restrict indices, long rows, long cols,
                        float scale, float *restrict destination, long base, bool whole) {
    for (long r = 0; r < rows; r++) {
        long row = (long)indices[r] - base;
        if (row < 0 || row >= source_rows) {
            if (whole) return r;
            continue;  // another shard's row
        }
        const uint8_t *from = source + row * cols;
        float *to = destination + r * cols;
        for (long j = 0; j < cols; j++) to[j] = scale * (float)from[j];
    }
    return -1;
}

VAE_CLONES
void vae_column_sum(const float *restrict x, long rows, long cols, float *restrict out, bool accumulate) {
    if (!accumulate)
        for (long j = 0; j < cols; j++) out[j] = 0.0f;
    for (long r = 0; r < rows; r++)
        for (long j = 0; j < cols; j++) out[j] += x[r * cols + j];
}

VAE_CLONES
void vae_adam(float *restrict param, const float *restrict grad, float *restrict m, float *restrict v, long n,
              float beta1, float beta2, float step_size, float inverse_correction2, float epsilon) {
    for (long i = 0; i < n; i++) {
        const float g = grad[i];
        const float mi = beta1 * m[i] + (1.0f - beta1) * g;
        const float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] -= step_size * mi / (sqrtf(vi * inverse_correction2) + epsilon);
    }
}

// One pixel's loss term max(x, 0) − x·t + log(1 + e^−|x|) and its sigmoid, sharing the exponential.
static inline float bernoulli_term(float x, float t, float *sigmoid) {
    const float e = exp_poly(-fabsf(x));
    const float inverse = 1.0f / (1.0f + e);
    *sigmoid = x >= 0.0f ? inverse : e * inverse;
    return (x > 0.0f ? x : 0.0f) - x * t + log1p_unit(e);
}

VAE_CLONES
void vae_bernoulli_rows(const float *restrict logits, const float *restrict target, long rows, long cols,
                        float *restrict loss_per_row, float *restrict gradient, float scale) {
#pragma clang fp reassociate(on)
    for (long r = 0; r < rows; r++) {
        const float *x = logits + r * cols, *t = target + r * cols;
        float *g = gradient ? gradient + r * cols : 0;
        float loss = 0.0f, s;
        if (loss_per_row && g) {
            for (long j = 0; j < cols; j++) {
                loss += bernoulli_term(x[j], t[j], &s);
                g[j] = scale * (s - t[j]);
            }
        } else if (g) {
            for (long j = 0; j < cols; j++) {
                (void)bernoulli_term(x[j], t[j], &s);
                g[j] = scale * (s - t[j]);
            }
        } else {
            for (long j = 0; j < cols; j++) loss += bernoulli_term(x[j], t[j], &s);
        }
        if (loss_per_row) loss_per_row[r] = loss;
    }
}
