// C kernels of the NeuralNetworks module: a single-threaded, cache-blocked SGEMM with an AVX-512
// micro-kernel (chosen at run time; a portable kernel otherwise). The Swift side splits work into
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

/// 1 when the AVX-512 micro-kernel is in use.
int nk_uses_avx512(void);

#ifdef __cplusplus
}
#endif

#endif
