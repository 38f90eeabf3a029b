// C side of the Tensors module: a row-major SGEMM that uses the system's OpenBLAS when it can be
// loaded (with its fastest kernels for this CPU) and a portable blocked kernel otherwise.
#ifndef TENSOR_KERNELS_H
#define TENSOR_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// C[M×N] = alpha · op(A) · op(B) + beta · C, all row-major. op(A) is M×K; A is stored K×M when
/// transA != 0 (lda is the stored row length). op(B) is K×N; B is stored N×K when transB != 0.
void tk_sgemm(int transA, int transB, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc);

/// The same product, always through the portable kernel (for tests and the fallback path).
void tk_sgemm_builtin(int transA, int transB, int M, int N, int K, float alpha,
                      const float *A, int lda, const float *B, int ldb,
                      float beta, float *C, int ldc);

/// 1 when OpenBLAS was loaded, 0 when the portable kernel is in use. Loads on first call.
int tk_blas_loaded(void);

/// A short description of the backend, e.g. "OpenBLAS 0.3.21 (SkylakeX)" or "built-in".
const char *tk_blas_description(void);

/// Sets the number of threads the BLAS may use (no effect on the built-in kernel).
void tk_blas_set_threads(int n);

/// 1 when this CPU (and OS) supports the AVX-512 F/BW/DQ/VL instructions.
int tk_cpu_has_avx512(void);

/// Runs `iterations` rounds of independent fused multiply-adds in the widest vector unit the kernels
/// may use (see cpu_features.h) on the calling thread; returns the floating-point operations done
/// (2 per multiply-add and lane). `sink` receives a value that depends on every result.
double tk_fma_loop(long iterations, float *sink);

/// Temporary files being written (for removal by a signal handler): register returns a slot
/// (or -1), unregister frees it after the rename, unlink_all removes every registered file and is
/// async-signal-safe.
int tk_tmp_register(const char *path);
void tk_tmp_unregister(int slot);
void tk_tmp_unlink_all(void);
/* A folder being written: tk_tmp_unlink_all also removes it and its files (for staging folders). */
int tk_dir_register(const char *path);
void tk_dir_unregister(int slot);
/* Flush denormal floats to zero on the calling thread (x86 FTZ + DAZ, ARM FZ): a training whose
   gradients shrink into the denormal range otherwise slows down several times. */
void tk_flush_denormals(void);
/// One chunk of a parallel loop: fn(ctx, chunk).
typedef void (*tk_chunk_fn)(void *ctx, long chunk);

/// Runs fn(ctx, c) for every c in 0..<chunks on the calling thread and threads − 1 pooled workers
/// (started on first use, kept spinning briefly between loops, then asleep). Returns 1 when done,
/// or 0 without running anything when the pool cannot take the loop (it is running another one,
/// the call comes from inside a chunk, or threads cannot be started): the caller then runs the
/// loop another way.
int tk_parallel_run(long chunks, int threads, tk_chunk_fn fn, void *ctx);

/* Swaps the two paths atomically (Linux renameat2 with RENAME_EXCHANGE). Returns 0, or -1 with
   errno set (ENOSYS/EINVAL where the system or file system cannot). */
int tk_rename_exchange(const char *a, const char *b);

#ifdef __cplusplus
}
#endif

#endif
