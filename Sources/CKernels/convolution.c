// The data movement of the CPU convolutions: im2col lays a convolution's input patches out as a matrix
// so the product runs on the matrix kernels; col2im adds such a matrix back into an image (the adjoint).
// Plain loops over contiguous runs, compiled per instruction set like elementwise.c.
#include "CKernels.h"

#include <string.h>

#if defined(__x86_64__)
#define VAE_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define VAE_CLONES
#endif

// The output positions q in [0, n_out) whose tap t reads inside [0, n_in): q*s - p + t in range.
static inline void valid_range(int t, int n_in, int n_out, int s, int p, int *first, int *last) {
    int lo = p - t, hi = n_in + p - t;
    int f = lo <= 0 ? 0 : (lo + s - 1) / s;
    int l = hi <= 0 ? 0 : (hi + s - 1) / s;
    if (l > n_out) l = n_out;
    *first = f;
    *last = l < f ? f : l;
}

VAE_CLONES
void vae_im2col(const float *x, int c_in, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                float *cols, long ld) {
    for (int c = 0; c < c_in; ++c) {
        const float *plane = x + (long)c * h * w;
        for (int u = 0; u < kh; ++u) {
            int i0, i1;
            valid_range(u, h, oh, stride, pad, &i0, &i1);
            for (int v = 0; v < kw; ++v) {
                int j0, j1;
                valid_range(v, w, ow, stride, pad, &j0, &j1);
                float *row = cols + ((long)(c * kh + u) * kw + v) * ld;
                for (int i = 0; i < oh; ++i) {
                    float *out = row + (long)i * ow;
                    if (i < i0 || i >= i1) { memset(out, 0, sizeof(float) * ow); continue; }
                    const float *in = plane + (long)(i * stride - pad + u) * w + (v - pad);
                    for (int j = 0; j < j0; ++j) out[j] = 0;
                    if (stride == 1) {
                        for (int j = j0; j < j1; ++j) out[j] = in[j];
                    } else {
                        for (int j = j0; j < j1; ++j) out[j] = in[j * stride];
                    }
                    for (int j = j1; j < ow; ++j) out[j] = 0;
                }
            }
        }
    }
}

VAE_CLONES
void vae_col2im(const float *cols, long ld, int c_in, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                float *x) {
    for (int c = 0; c < c_in; ++c) {
        float *plane = x + (long)c * h * w;
        for (int u = 0; u < kh; ++u) {
            int i0, i1;
            valid_range(u, h, oh, stride, pad, &i0, &i1);
            for (int v = 0; v < kw; ++v) {
                int j0, j1;
                valid_range(v, w, ow, stride, pad, &j0, &j1);
                const float *row = cols + ((long)(c * kh + u) * kw + v) * ld;
                for (int i = i0; i < i1; ++i) {
                    const float *in = row + (long)i * ow;
                    float *out = plane + (long)(i * stride - pad + u) * w + (v - pad);
                    if (stride == 1) {
                        for (int j = j0; j < j1; ++j) out[j] += in[j];
                    } else {
                        for (int j = j0; j < j1; ++j) out[j * stride] += in[j];
                    }
                }
            }
        }
    }
}

// Sixteen running sums, so the loop vectorizes without reassociating one sum (the order is fixed:
// lane i takes elements i, i + 16, …, then the lanes are added in order).
static double run_sum(const float *x, long n) {
    float lanes[16] = {0};
    long i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; ++l) lanes[l] += x[i + l];
    double s = 0;
    for (int l = 0; l < 16; ++l) s += lanes[l];
    for (; i < n; ++i) s += x[i];
    return s;
}

VAE_CLONES
void vae_channel_sum(const float *x, long rows, long channels, long plane, float *out, long first, long count) {
    for (long c = first; c < first + count; ++c) {
        double s = 0;
        for (long n = 0; n < rows; ++n) s += run_sum(x + (n * channels + c) * plane, plane);
        out[c] = (float)s;
    }
}
