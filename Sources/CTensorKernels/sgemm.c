// SGEMM for the Tensors module. OpenBLAS is opened at run time (dlopen) rather than linked, so that
// the program can choose its kernel before the library's constructor reads OPENBLAS_CORETYPE:
// Debian's OpenBLAS 0.3.21 takes AVX-512 Intel CPUs for "Prescott" and runs 6x slower otherwise.
// When no OpenBLAS can be opened (or CVD_BLAS=builtin), a portable blocked kernel does the work.
#define _GNU_SOURCE
#include "tensor_kernels.h"
#include "cpu_features.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*cblas_sgemm_fn)(int order, int transA, int transB, int M, int N, int K, float alpha,
                               const float *A, int lda, const float *B, int ldb, float beta,
                               float *C, int ldc);
typedef void (*set_threads_fn)(int);
typedef char *(*get_string_fn)(void);

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static cblas_sgemm_fn blas_sgemm = NULL;
static set_threads_fn blas_set_threads = NULL;
static char description[160] = "built-in";

// The suite's one CPU probe (CCPUFeatures): with CVD_CPU=portable no SkylakeX core is forced and
// OpenBLAS picks its own, as it would on a CPU without AVX-512.
int tk_cpu_has_avx512(void) { return (cvd_cpu_features() & CVD_CPU_AVX512) != 0; }

static void load_blas(void) {
    const char *choice = getenv("CVD_BLAS");
    if (choice && strcmp(choice, "builtin") == 0) {
        snprintf(description, sizeof description, "built-in (CVD_BLAS=builtin)");
        return;
    }
    // Pick the SkylakeX kernels on AVX-512 CPUs. OPENBLAS_CORETYPE is overridden even when the
    // environment already sets it (machines are seen with OPENBLAS_CORETYPE=Haswell exported for
    // other programs, which halves the suite's speed); CVD_OPENBLAS_CORETYPE chooses another core.
    // The variable only matters while the library's constructor runs, so the caller's value is
    // restored afterwards and child processes see the environment unchanged.
    const char *forced = getenv("CVD_OPENBLAS_CORETYPE");
    const char *want = forced ? forced : (tk_cpu_has_avx512() ? "SkylakeX" : NULL);
    const char *previous = getenv("OPENBLAS_CORETYPE");
    char *saved = previous ? strdup(previous) : NULL;
    if (want) setenv("OPENBLAS_CORETYPE", want, 1);
    const char *names[] = {"libopenblas.so.0", "libopenblas.so", "libopenblasp-r0.3.21.so"};
    void *handle = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && handle == NULL; i++)
        handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (want) {
        if (saved) setenv("OPENBLAS_CORETYPE", saved, 1);
        else unsetenv("OPENBLAS_CORETYPE");
    }
    free(saved);
    if (handle == NULL) {
        snprintf(description, sizeof description, "built-in (no libopenblas.so.0)");
        return;
    }
    blas_sgemm = (cblas_sgemm_fn)dlsym(handle, "cblas_sgemm");
    blas_set_threads = (set_threads_fn)dlsym(handle, "openblas_set_num_threads");
    get_string_fn core = (get_string_fn)dlsym(handle, "openblas_get_corename");
    get_string_fn config = (get_string_fn)dlsym(handle, "openblas_get_config");
    if (blas_sgemm == NULL) {
        snprintf(description, sizeof description, "built-in (libopenblas lacks cblas_sgemm)");
        return;
    }
    snprintf(description, sizeof description, "OpenBLAS %s, core %s",
             config ? config() : "?", core ? core() : "?");
}

int tk_blas_loaded(void) {
    pthread_once(&load_once, load_blas);
    return blas_sgemm != NULL;
}

const char *tk_blas_description(void) {
    pthread_once(&load_once, load_blas);
    return description;
}

void tk_blas_set_threads(int n) {
    pthread_once(&load_once, load_blas);
    if (blas_set_threads && n > 0) blas_set_threads(n);
}

// MARK: - portable kernel

// Blocks sized for a 32 KiB L1 / 1 MiB L2: a KC×NC panel of B (packed row-major) is reused by every
// row of A; the innermost loop runs over contiguous columns and vectorizes.
enum { KC = 256, NC = 512 };

__attribute__((target_clones("avx512f", "avx2", "default")))
static void rank_update(int M, int nc, int kc, float alpha, const float *A, int lda, int transA,
                        int k0, const float *packed, float *C, int ldc, int j0) {
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc + j0;
        for (int k = 0; k < kc; k++) {
            float a = transA ? A[(size_t)(k0 + k) * lda + i] : A[(size_t)i * lda + k0 + k];
            a *= alpha;
            if (a == 0.0f) continue;
            const float *b = packed + (size_t)k * nc;
            for (int j = 0; j < nc; j++) c[j] += a * b[j];
        }
    }
}

void tk_sgemm_builtin(int transA, int transB, int M, int N, int K, float alpha,
                      const float *A, int lda, const float *B, int ldb,
                      float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        if (beta == 0.0f) memset(c, 0, sizeof(float) * (size_t)N);
        else if (beta != 1.0f) for (int j = 0; j < N; j++) c[j] *= beta;
    }
    if (K <= 0 || alpha == 0.0f) return;
    float *packed = malloc(sizeof(float) * KC * NC);
    if (packed == NULL) {  // out of memory: fall back to the unblocked product
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float s = 0;
                for (int k = 0; k < K; k++) {
                    float a = transA ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                    float b = transB ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                    s += a * b;
                }
                C[(size_t)i * ldc + j] += alpha * s;
            }
        return;
    }
    for (int j0 = 0; j0 < N; j0 += NC) {
        int nc = N - j0 < NC ? N - j0 : NC;
        for (int k0 = 0; k0 < K; k0 += KC) {
            int kc = K - k0 < KC ? K - k0 : KC;
            for (int k = 0; k < kc; k++)
                for (int j = 0; j < nc; j++)
                    packed[(size_t)k * nc + j] = transB ? B[(size_t)(j0 + j) * ldb + k0 + k]
                                                        : B[(size_t)(k0 + k) * ldb + j0 + j];
            rank_update(M, nc, kc, alpha, A, lda, transA, k0, packed, C, ldc, j0);
        }
    }
    free(packed);
}

void tk_sgemm(int transA, int transB, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (tk_blas_loaded() && K > 0) {
        blas_sgemm(CBLAS_ROW_MAJOR, transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
                   transB ? CBLAS_TRANS : CBLAS_NO_TRANS, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    tk_sgemm_builtin(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
