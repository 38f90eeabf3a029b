// C kernels of the NeuralNetworks module: a single-threaded, cache-blocked SGEMM with an AVX-512
// micro-kernel (chosen at run time; a portable kernel otherwise), and the memory-bound helpers of
// the convolution and activation layers. The Swift side splits work into
// fixed blocks over both cores, so results never depend on the thread count.
#ifndef NEURAL_KERNELS_H
#define NEURAL_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// C[M×N] = op(A)·op(B) + beta·C, row-major, one thread. op(A) is M×K (A stored K×M when transA);
/// op(B) is K×N (B stored N×K when transB); lda/ldb/ldc are the stored row lengths.
void nk_sgemm(int transA, int transB, int M, int N, int K,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);

/// dst[c·ldd + r] = src[r·lds + c] for the rows × cols matrix src (16 × 16 blocks transposed in
/// registers with AVX-512).
void nk_transpose(const float *src, int rows, int cols, int lds, float *dst, int ldd);

/// 1 when the AVX-512 micro-kernel is in use.
int nk_uses_avx512(void);

/// Convolution helpers on one zero-padded sample xp (C × PH × PW), kernel K, stride S, output OH × OW:
/// cols[(c,ky,kx), oy·OW+ox] = xp[c, oy·S+ky, ox·S+kx] (KK × L);
/// col2im writes the adjoint of im2col into the padded dxp (zeroed first).
void nk_im2col(const float *xp, int C, int PH, int PW, int K, int S, int OH, int OW, float *cols);
void nk_col2im(const float *dcols, int C, int PH, int PW, int K, int S, int OH, int OW, float *dxp);

/// nk_maxpool_backward for the 2×2 window with stride 2 over planes of H × W (odd sides leave a last
/// row or column outside every window, which gets 0): each dx value is written once, without a
/// pass that zeroes dx first. When `pooled` (the forward pass's output, OH·OW per plane) is
/// non-null, a window passes gradient only when its maximum is positive: the mask of a ReLU before
/// the pooling, read where the window's maximum was.
void nk_maxpool2_backward(const float *dy, const int *arg, const float *pooled, int planes, int H, int W, float *dx);

/// One SGD-with-momentum step over n parameters: g' = g + decay·w, v = mu·v + g',
/// w −= lr·(nesterov ? g' + mu·v : v), each operation rounded on its own.
void nk_sgd_momentum(float *w, const float *g, float *v, long n, float lr, float mu, float decay, int nesterov);

/// sums[r] (+)= Σ of row r of the rows × cols matrix x (overwrites when accumulate is 0), summed in a
/// fixed order with 16 partial sums.
void nk_row_sums(const float *x, int rows, int cols, float *sums, int accumulate);

/// Batch norm of channel ch of x (N × C × S, S = H·W or 1) in training: the channel's mean and
/// biased variance over its N·S values (double-precision sums in a fixed order), then
/// y = gamma·(x − mean)·inv_std + beta with inv_std = 1/√(variance + epsilon). Writes the channel's
/// values of y and returns the mean and inv_std (as used) and the variance.
void nk_batchnorm_forward_train(const float *x, int n, int c, int s, int ch, float gamma, float beta, double epsilon,
                                float *y, float *mean_out, float *inv_std_out, double *variance_out);

/// The backward pass of nk_batchnorm_forward_train for channel ch, with x̂ = (x − mean)·inv_std
/// recomputed from x: dgamma = Σ dy·x̂, dbeta = Σ dy and, when dx is non-null,
/// dx = gamma·inv_std·(dy − mean(dy) − x̂·mean(dy·x̂)).
void nk_batchnorm_backward_train(const float *x, const float *dy, int n, int c, int s, int ch, float mean, float inv_std,
                                 float gamma, float *dx, float *dgamma, float *dbeta);

/// dx = dy where y > 0, else 0 (n values).
void nk_relu_backward(const float *y, const float *dy, float *dx, long n);

/// 2×2 max-pooling with stride 2 over `planes` planes of H × W: the maxima and their indices within
/// each input plane (the first on a tie).
void nk_maxpool2_forward(const float *x, int planes, int H, int W, float *y, int *arg);

/// Max-pooling backward over `planes` planes: dx (HW per plane) is zeroed, then each dy value (OHW
/// per plane) is added at its window's maximum; when x is non-null, only where x there is > 0
/// (the mask of a ReLU before the pooling).
void nk_maxpool_backward(const float *dy, const int *arg, const float *x, int planes, int HW, int OHW, float *dx);

#ifdef __cplusplus
}
#endif

#endif
