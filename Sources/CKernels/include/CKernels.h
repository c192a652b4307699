#ifndef VAE_CKERNELS_H
#define VAE_CKERNELS_H

#include <stdbool.h>
#include <stdint.h>

/// Whether this CPU runs the AVX-512 kernels below (checked once, at run time: the binary itself is
/// built for baseline x86-64 and runs anywhere).
bool vae_cpu_has_avx512(void);

/// C = act(op(A)·op(B) + (accumulate ? C : 0) + bias), row-major, single-threaded; op(A) is m×k, op(B)
/// is k×n, bias (n floats) may be NULL. With `activate`, negative results are multiplied by
/// negative_slope (0: ReLU; the caller's leaky slope: leaky ReLU). Without bias and activation this is
/// cblas_sgemm with alpha = 1 and beta = accumulate. Only call when vae_cpu_has_avx512() is true.
void vae_sgemm_avx512(bool trans_a, bool trans_b, int m, int n, int k,
                      const float *a, int lda, const float *b, int ldb,
                      float *c, int ldc, bool accumulate, const float *bias, bool activate, float negative_slope);

/// Sets this thread to flush denormal floats to zero (inputs and results) and returns the previous mode
/// for vae_restore_float_mode. Denormals arise in long training runs (Adam's moments of a dead unit's
/// weights decay through them: m after ~800 steps of zero gradient, v after ~70,000) and slow the
/// arithmetic: Adam over denormal moments ran 2× slower on the development machine's AMD cores, and
/// older x86 cores take far longer. Most GPUs flush them as well.
unsigned vae_enter_flush_denormals(void);
void vae_restore_float_mode(unsigned saved);

/// Adam on n parameters in place: m, v updated, param −= step_size·m / (√(v·inverse_correction2) + ε),
/// where step_size = lr / (1 − β1^t) and inverse_correction2 = 1 / (1 − β2^t).
void vae_adam(float *param, const float *grad, float *m, float *v, long n,
              float beta1, float beta2, float step_size, float inverse_correction2, float epsilon);

/// The Bernoulli negative log-likelihood of `target` under `logits`, summed per row, and/or its gradient
/// scale·(sigmoid(logits) − target); either output may be NULL. rows×cols, row-major, contiguous.
void vae_bernoulli_rows(const float *logits, const float *target, long rows, long cols,
                        float *loss_per_row, float *gradient, float scale);

/// eps = the Philox normals of the `reparameterize` kernel (block b of counter (b, step, stream, 0) under
/// key (key0, key1), Box–Muller on word pairs) and z = mu + exp(logvar / 2)·eps, for n elements that are
/// elements offset … offset + n − 1 of the whole batch's noise. z and eps are rows of `latent` values;
/// `posterior` rows of 2·latent, mu then logvar.
void vae_reparameterize(const float *posterior, float *eps, float *z, long n, long latent, long offset,
                        uint32_t step, uint32_t stream, uint32_t key0, uint32_t key1);

/// destination row r = scale · source row (indices[r] − base) (bytes to floats), for `rows` rows of `cols`.
/// `whole`: source is the whole dataset; returns −1, or the first r whose row is outside the source (rows
/// from r on are not written). Otherwise source is one shard and rows of other shards are skipped (−1).
long vae_gather_rows_u8(const uint8_t *source, long source_rows, const uint32_t *indices, long rows, long cols,
                        float scale, float *destination, long base, bool whole);

/// out[j] (+)= Σ_r x[r][j] over a rows×cols row-major matrix.
void vae_column_sum(const float *x, long rows, long cols, float *out, bool accumulate);

/// Lays out one image's convolution patches as a matrix: row (c·kh + u)·kw + v, column i·ow + j holds
/// x[c, i·stride − pad + u, j·stride − pad + v] (0 in the padding). Rows are `ld` floats apart, so several
/// images' matrices can sit side by side.
void vae_im2col(const float *x, int c_in, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                float *cols, long ld);

/// The adjoint of vae_im2col: adds every matrix entry into the image position it was taken from
/// (entries that came from the padding are dropped). `x` must hold the values to add to (zeros to start).
void vae_col2im(const float *cols, long ld, int c_in, int h, int w, int kh, int kw, int stride, int pad, int oh, int ow,
                float *x);

/// out[c] = Σ_n Σ_k x[(n·channels + c)·plane + k] for channels first ..< first + count (a convolution's
/// bias gradient), in a fixed order.
void vae_channel_sum(const float *x, long rows, long channels, long plane, float *out, long first, long count);

/// BatchNorm2d in training mode for channels first ..< first + count of rows×channels×plane values: y, the
/// saved mean and 1/√(var + ε), and the running statistics moved by `momentum` (the variance's unbiased).
void vae_batch_norm_train(const float *x, long rows, long channels, long plane, const float *gamma, const float *beta,
                          float *y, float *mean, float *inv_std, float *running_mean, float *running_var, float momentum,
                          float epsilon, long first, long count);

/// BatchNorm2d in evaluation mode (the running statistics normalize); writes the mean and 1/√(var + ε) used.
void vae_batch_norm_eval(const float *x, long rows, long channels, long plane, const float *gamma, const float *beta,
                         float *y, const float *running_mean, const float *running_var, float epsilon, float *mean,
                         float *inv_std, long first, long count);

/// The gradients of training-mode BatchNorm2d (dy before the activation) for channels first ..< first + count.
void vae_batch_norm_backward(const float *x, const float *dy, long rows, long channels, long plane, const float *gamma,
                             const float *mean, const float *inv_std, float *dx, float *dgamma, float *dbeta, long first,
                             long count);

#endif
