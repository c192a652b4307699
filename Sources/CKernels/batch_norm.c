// BatchNorm2d on the CPU, per channel over the batch's images and positions: the statistics in double
// precision (sixteen float lanes per run, added in a fixed order), the normalization in float. Compiled
// per instruction set like elementwise.c.
#include "CKernels.h"

#include <math.h>

#if defined(__x86_64__)
#define VAE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VAE_CLONES
#endif

// Σ (x − shift) and Σ (x − shift)² over one run, in lanes.
static void run_moments(const float *x, long n, float shift, double *sum, double *squares) {
    float s[16] = {0}, q[16] = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l) {
            float d = x[i + l] - shift;
            s[l] += d;
            q[l] += d * d;
        }
    double ts = 0, tq = 0;
    for (int l = 0; l < 16; ++l) { ts += s[l]; tq += q[l]; }
    for (; i < n; ++i) { double d = x[i] - shift; ts += d; tq += d * d; }
    *sum += ts;
    *squares += tq;
}

VAE_CLONES
void vae_batch_norm_train(const float *x, long rows, long channels, long plane, const float *gamma, const float *beta,
                          float *y, float *mean, float *inv_std, float *running_mean, float *running_var, float momentum,
                          float epsilon, long first, long count) {
    const double m = (double)rows * plane;
    for (long c = first; c < first + count; ++c) {
        // Two passes: the mean, then the squared deviations from it (no cancellation of large means).
        double sum = 0, unused = 0;
        for (long n = 0; n < rows; ++n) run_moments(x + (n * channels + c) * plane, plane, 0, &sum, &unused);
        const double mu = sum / m;
        double dev = 0, squares = 0;
        for (long n = 0; n < rows; ++n) run_moments(x + (n * channels + c) * plane, plane, (float)mu, &dev, &squares);
        // Σ(x − μf)² − (Σ(x − μf))²/M is the variance about the exact mean when μf is μ rounded to float.
        const double variance = fmax((squares - dev * dev / m) / m, 0);
        const float istd = (float)(1 / sqrt(variance + epsilon));
        const float scale = gamma[c] * istd, shift = beta[c] - (float)mu * scale;
        for (long n = 0; n < rows; ++n) {
            const float *in = x + (n * channels + c) * plane;
            float *out = y + (n * channels + c) * plane;
            for (long k = 0; k < plane; ++k) out[k] = in[k] * scale + shift;
        }
        mean[c] = (float)mu;
        inv_std[c] = istd;
        running_mean[c] = (float)((1 - (double)momentum) * running_mean[c] + momentum * mu);
        running_var[c] = (float)((1 - (double)momentum) * running_var[c] + momentum * variance * m / (m > 1 ? m - 1 : 1));
    }
}

VAE_CLONES
void vae_batch_norm_eval(const float *x, long rows, long channels, long plane, const float *gamma, const float *beta,
                         float *y, const float *running_mean, const float *running_var, float epsilon, float *mean,
                         float *inv_std, long first, long count) {
    for (long c = first; c < first + count; ++c) {
        const float istd = (float)(1 / sqrt((double)running_var[c] + epsilon));
        const float scale = gamma[c] * istd, shift = beta[c] - running_mean[c] * scale;
        for (long n = 0; n < rows; ++n) {
            const float *in = x + (n * channels + c) * plane;
            float *out = y + (n * channels + c) * plane;
            for (long k = 0; k < plane; ++k) out[k] = in[k] * scale + shift;
        }
        mean[c] = running_mean[c];
        inv_std[c] = istd;
    }
}

VAE_CLONES
void vae_batch_norm_backward(const float *x, const float *dy, long rows, long channels, long plane, const float *gamma,
                             const float *mean, const float *inv_std, float *dx, float *dgamma, float *dbeta, long first,
                             long count) {
    const double m = (double)rows * plane;
    for (long c = first; c < first + count; ++c) {
        const float mu = mean[c], istd = inv_std[c];
        double sum_dy = 0, sum_dy_hat = 0;
        for (long n = 0; n < rows; ++n) {
            const float *in = x + (n * channels + c) * plane, *g = dy + (n * channels + c) * plane;
            float a[16] = {0}, b[16] = {0};
            long k = 0;
            for (; k + 16 <= plane; k += 16)
                for (int l = 0; l < 16; ++l) {
                    a[l] += g[k + l];
                    b[l] += g[k + l] * (in[k + l] - mu) * istd;
                }
            for (int l = 0; l < 16; ++l) { sum_dy += a[l]; sum_dy_hat += b[l]; }
            for (; k < plane; ++k) { sum_dy += g[k]; sum_dy_hat += (double)g[k] * (in[k] - mu) * istd; }
        }
        const float scale = gamma[c] * istd, mean_dy = (float)(sum_dy / m), mean_dy_hat = (float)(sum_dy_hat / m);
        for (long n = 0; n < rows; ++n) {
            const float *in = x + (n * channels + c) * plane, *g = dy + (n * channels + c) * plane;
            float *out = dx + (n * channels + c) * plane;
            for (long k = 0; k < plane; ++k) out[k] = scale * (g[k] - mean_dy - (in[k] - mu) * istd * mean_dy_hat);
        }
        dgamma[c] = (float)sum_dy_hat;
        dbeta[c] = (float)sum_dy;
    }
}
