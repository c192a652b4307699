// The elementwise kernels that dominate a CPU training step besides the products: Adam and the
// Bernoulli loss with its gradient. Plain C loops written to vectorize, compiled three times
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

static inline float bits_to_float(int32_t i) { float f; memcpy(&f, &i, sizeof f); return f; }
static inline int32_t float_to_bits(float f) { int32_t i; memcpy(&i, &f, sizeof i); return i; }

// e^x for x <= 0 (the loss only needs exp(-|x|)); Cephes' reduction and minimax polynomial, a few ulp.
static inline float exp_nonpositive(float x) {
    x = x < -87.3f ? -87.3f : x;
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

// log(1 + e) for e in [0, 1], exact also for tiny e (log(u)·e/(u − 1) with u = 1 + e).
static inline float log1p_unit(float e) {
    const float u = 1.0f + e;
    const int big = u > 1.41421356f;
    const float mant = big ? u * 0.5f : u, k = big ? 1.0f : 0.0f;
    const float x = mant - 1.0f, z = x * x;
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
    const float log_u = x + y + k * 0.693359375f;
    const float d = u - 1.0f;
    return d == 0.0f ? e : log_u * e / d;
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
    const float e = exp_nonpositive(-fabsf(x));
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
