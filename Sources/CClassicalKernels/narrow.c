// Narrow products for the linear models. Legend: N = rows, D = features, 16 = padded output width.
// X·W with W only 10 or 16 columns wide is memory-bound; a generic GEMM spends most of its time
// packing. These kernels stream X once, 8 rows at a time, with one 16-lane vector per row.
#include "classical_kernels.h"
#include "cpu_features.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CK_AVX512 __attribute__((target("avx512f")))

static int has_avx512(void) { return (cvd_cpu_features() & CVD_CPU_AVX512) != 0; }

// Z[r] = Σ_j xr[r][j]·W[j] for 8 row pointers.
CK_AVX512 static void forward8_rows(const float *const xr[8], int d, const float *w16, __m512 out[8]) {
    __m512 acc[8];
    for (int r = 0; r < 8; r++) acc[r] = _mm512_setzero_ps();
    for (int j = 0; j < d; j++) {
        const __m512 wj = _mm512_loadu_ps(w16 + (size_t)j * 16);
#pragma GCC unroll 8
        for (int r = 0; r < 8; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(xr[r][j]), wj, acc[r]);
    }
    for (int r = 0; r < 8; r++) out[r] = acc[r];
}

// Z[r] = Σ_j x[r][j]·W[j] for 8 consecutive rows (rows beyond `rows` repeat the first).
CK_AVX512 static void forward8(const float *x, int rows, int d, const float *w16, __m512 out[8]) {
    const float *xr[8];
    for (int r = 0; r < 8; r++) xr[r] = x + (size_t)(r < rows ? r : 0) * d;
    forward8_rows(xr, d, w16, out);
}

CK_AVX512 static void times_narrow_rows_avx512(const float *x, int d, const int32_t *rowIndex, int n,
                                               const float *w16, float *z16) {
    for (int i = 0; i < n; i += 8) {
        const int rows = n - i < 8 ? n - i : 8;
        const float *xr[8];
        for (int r = 0; r < 8; r++) xr[r] = x + (size_t)rowIndex[i + (r < rows ? r : 0)] * d;
        __m512 z[8];
        forward8_rows(xr, d, w16, z);
        for (int r = 0; r < rows; r++) _mm512_storeu_ps(z16 + (size_t)(i + r) * 16, z[r]);
    }
}

CK_AVX512 static void times_narrow_avx512(const float *x, int n, int d, const float *w16, float *z16) {
    for (int i = 0; i < n; i += 8) {
        const int rows = n - i < 8 ? n - i : 8;
        __m512 z[8];
        forward8(x + (size_t)i * d, rows, d, w16, z);
        for (int r = 0; r < rows; r++) _mm512_storeu_ps(z16 + (size_t)(i + r) * 16, z[r]);
    }
}

CK_AVX512 static double softmax_xent_avx512(const float *x, int n, int d, const int32_t *y, const float *w16,
                                            const float *b16, int k, float *gw, float *gb) {
    double loss = 0;
    const __m512 bias = _mm512_loadu_ps(b16);
    __m512 gbAcc = _mm512_loadu_ps(gb);
    for (int i = 0; i < n; i += 8) {
        const int rows = n - i < 8 ? n - i : 8;
        __m512 z[8];
        forward8(x + (size_t)i * d, rows, d, w16, z);
        __m512 g[8];
        for (int r = 0; r < 8; r++) {
            if (r >= rows) { g[r] = _mm512_setzero_ps(); continue; }
            float v[16];
            _mm512_storeu_ps(v, _mm512_add_ps(z[r], bias));
            float top = v[0];
            for (int c = 1; c < k; c++) top = v[c] > top ? v[c] : top;
            const int label = y[i + r];
            const float shiftedTarget = v[label] - top;
            float total = 0;
            for (int c = 0; c < k; c++) { v[c] = expf(v[c] - top); total += v[c]; }
            loss += (double)(logf(total) - shiftedTarget);
            const float inv = 1.0f / total;
            for (int c = 0; c < k; c++) v[c] *= inv;
            for (int c = k; c < 16; c++) v[c] = 0;
            v[label] -= 1;
            g[r] = _mm512_loadu_ps(v);
            gbAcc = _mm512_add_ps(gbAcc, g[r]);
        }
        const float *xr[8];
        for (int r = 0; r < 8; r++) xr[r] = x + (size_t)(i + (r < rows ? r : 0)) * d;
        for (int j = 0; j < d; j++) {
            __m512 a = _mm512_loadu_ps(gw + (size_t)j * 16);
            __m512 s = _mm512_mul_ps(_mm512_set1_ps(xr[4][j]), g[4]);
            a = _mm512_fmadd_ps(_mm512_set1_ps(xr[0][j]), g[0], a);
            s = _mm512_fmadd_ps(_mm512_set1_ps(xr[5][j]), g[5], s);
            a = _mm512_fmadd_ps(_mm512_set1_ps(xr[1][j]), g[1], a);
            s = _mm512_fmadd_ps(_mm512_set1_ps(xr[6][j]), g[6], s);
            a = _mm512_fmadd_ps(_mm512_set1_ps(xr[2][j]), g[2], a);
            s = _mm512_fmadd_ps(_mm512_set1_ps(xr[7][j]), g[7], s);
            a = _mm512_fmadd_ps(_mm512_set1_ps(xr[3][j]), g[3], a);
            _mm512_storeu_ps(gw + (size_t)j * 16, _mm512_add_ps(a, s));
        }
    }
    _mm512_storeu_ps(gb, gbAcc);
    return loss;
}

// The linear SVM's coordinate steps: one row against one weight vector.
CK_AVX512 static float dot_avx512(const float *a, const float *b, int n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int j = 0;
    for (; j + 32 <= n; j += 32) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j + 16), _mm512_loadu_ps(b + j + 16), s1);
    }
    for (; j + 16 <= n; j += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + j), _mm512_loadu_ps(b + j), s0);
    if (j < n) {
        const __mmask16 m = (__mmask16)((1u << (n - j)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, a + j), _mm512_maskz_loadu_ps(m, b + j), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

CK_AVX512 static void axpy_avx512(float alpha, const float *x, float *y, int n) {
    const __m512 va = _mm512_set1_ps(alpha);
    int j = 0;
    for (; j + 16 <= n; j += 16) _mm512_storeu_ps(y + j, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + j), _mm512_loadu_ps(y + j)));
    if (j < n) {
        const __mmask16 m = (__mmask16)((1u << (n - j)) - 1);
        _mm512_mask_storeu_ps(y + j, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + j), _mm512_maskz_loadu_ps(m, y + j)));
    }
}

// AVX2 + FMA (CPUs without AVX-512): a 16-lane row is two ymm registers, and 4 rows go at a time
// so that the accumulators stay in the 16 registers.
#define CK_AVX2 __attribute__((target("avx2,fma")))

static int has_avx2(void) { return (cvd_cpu_features() & CVD_CPU_AVX2) != 0; }

CK_AVX2 static void forward4_rows_avx2(const float *const xr[4], int d, const float *w16, __m256 out[8]) {
    __m256 acc[8];
    for (int r = 0; r < 8; r++) acc[r] = _mm256_setzero_ps();
    for (int j = 0; j < d; j++) {
        const __m256 w0 = _mm256_loadu_ps(w16 + (size_t)j * 16), w1 = _mm256_loadu_ps(w16 + (size_t)j * 16 + 8);
#pragma clang loop unroll(full)
        for (int r = 0; r < 4; r++) {
            const __m256 xv = _mm256_broadcast_ss(xr[r] + j);
            acc[2 * r] = _mm256_fmadd_ps(xv, w0, acc[2 * r]);
            acc[2 * r + 1] = _mm256_fmadd_ps(xv, w1, acc[2 * r + 1]);
        }
    }
    for (int r = 0; r < 8; r++) out[r] = acc[r];
}

CK_AVX2 static void store16_avx2(float *z, const __m256 *v) {
    _mm256_storeu_ps(z, v[0]);
    _mm256_storeu_ps(z + 8, v[1]);
}

CK_AVX2 static void times_narrow_rows_avx2(const float *x, int d, const int32_t *rowIndex, int n,
                                           const float *w16, float *z16) {
    for (int i = 0; i < n; i += 4) {
        const int rows = n - i < 4 ? n - i : 4;
        const float *xr[4];
        for (int r = 0; r < 4; r++) xr[r] = x + (size_t)rowIndex[i + (r < rows ? r : 0)] * d;
        __m256 z[8];
        forward4_rows_avx2(xr, d, w16, z);
        for (int r = 0; r < rows; r++) store16_avx2(z16 + (size_t)(i + r) * 16, z + 2 * r);
    }
}

CK_AVX2 static void times_narrow_avx2(const float *x, int n, int d, const float *w16, float *z16) {
    for (int i = 0; i < n; i += 4) {
        const int rows = n - i < 4 ? n - i : 4;
        const float *xr[4];
        for (int r = 0; r < 4; r++) xr[r] = x + (size_t)(i + (r < rows ? r : 0)) * d;
        __m256 z[8];
        forward4_rows_avx2(xr, d, w16, z);
        for (int r = 0; r < rows; r++) store16_avx2(z16 + (size_t)(i + r) * 16, z + 2 * r);
    }
}

CK_AVX2 static double softmax_xent_avx2(const float *x, int n, int d, const int32_t *y, const float *w16,
                                        const float *b16, int k, float *gw, float *gb) {
    double loss = 0;
    for (int i = 0; i < n; i += 4) {
        const int rows = n - i < 4 ? n - i : 4;
        const float *xr[4];
        for (int r = 0; r < 4; r++) xr[r] = x + (size_t)(i + (r < rows ? r : 0)) * d;
        __m256 z[8], g[8];
        forward4_rows_avx2(xr, d, w16, z);
        for (int r = 0; r < 4; r++) {
            if (r >= rows) { g[2 * r] = g[2 * r + 1] = _mm256_setzero_ps(); continue; }
            float v[16];
            store16_avx2(v, z + 2 * r);
            for (int c = 0; c < 16; c++) v[c] += b16[c];
            float top = v[0];
            for (int c = 1; c < k; c++) top = v[c] > top ? v[c] : top;
            const int label = y[i + r];
            const float shiftedTarget = v[label] - top;
            float total = 0;
            for (int c = 0; c < k; c++) { v[c] = expf(v[c] - top); total += v[c]; }
            loss += (double)(logf(total) - shiftedTarget);
            const float inv = 1.0f / total;
            for (int c = 0; c < k; c++) v[c] *= inv;
            for (int c = k; c < 16; c++) v[c] = 0;
            v[label] -= 1;
            for (int c = 0; c < 16; c++) gb[c] += v[c];
            g[2 * r] = _mm256_loadu_ps(v);
            g[2 * r + 1] = _mm256_loadu_ps(v + 8);
        }
        for (int j = 0; j < d; j++) {
            __m256 a0 = _mm256_loadu_ps(gw + (size_t)j * 16), a1 = _mm256_loadu_ps(gw + (size_t)j * 16 + 8);
#pragma clang loop unroll(full)
            for (int r = 0; r < 4; r++) {
                const __m256 xv = _mm256_broadcast_ss(xr[r] + j);
                a0 = _mm256_fmadd_ps(xv, g[2 * r], a0);
                a1 = _mm256_fmadd_ps(xv, g[2 * r + 1], a1);
            }
            _mm256_storeu_ps(gw + (size_t)j * 16, a0);
            _mm256_storeu_ps(gw + (size_t)j * 16 + 8, a1);
        }
    }
    return loss;
}

CK_AVX2 static __m256i tail_mask_avx2(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

CK_AVX2 static float dot_avx2(const float *a, const float *b, int n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j + 8), _mm256_loadu_ps(b + j + 8), s1);
    }
    for (; j + 8 <= n; j += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + j), _mm256_loadu_ps(b + j), s0);
    if (j < n) {
        const __m256i m = tail_mask_avx2(n - j);
        s1 = _mm256_fmadd_ps(_mm256_maskload_ps(a + j, m), _mm256_maskload_ps(b + j, m), s1);
    }
    float lanes[8];
    _mm256_storeu_ps(lanes, _mm256_add_ps(s0, s1));
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

CK_AVX2 static void axpy_avx2(float alpha, const float *x, float *y, int n) {
    const __m256 va = _mm256_set1_ps(alpha);
    int j = 0;
    for (; j + 8 <= n; j += 8) _mm256_storeu_ps(y + j, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + j), _mm256_loadu_ps(y + j)));
    if (j < n) {
        const __m256i m = tail_mask_avx2(n - j);
        _mm256_maskstore_ps(y + j, m, _mm256_fmadd_ps(va, _mm256_maskload_ps(x + j, m), _mm256_maskload_ps(y + j, m)));
    }
}
#else
static int has_avx512(void) { return 0; }
#endif

// Portable versions: the same arithmetic, one row at a time.
static void times_narrow_portable(const float *x, int n, int d, const float *w16, float *z16) {
    for (int i = 0; i < n; i++) {
        float acc[16] = {0};
        for (int j = 0; j < d; j++)
            for (int c = 0; c < 16; c++) acc[c] += x[(size_t)i * d + j] * w16[(size_t)j * 16 + c];
        memcpy(z16 + (size_t)i * 16, acc, sizeof acc);
    }
}

static double softmax_xent_portable(const float *x, int n, int d, const int32_t *y, const float *w16,
                                    const float *b16, int k, float *gw, float *gb) {
    double loss = 0;
    for (int i = 0; i < n; i++) {
        float v[16];
        times_narrow_portable(x + (size_t)i * d, 1, d, w16, v);
        float top = -INFINITY, total = 0;
        for (int c = 0; c < k; c++) { v[c] += b16[c]; top = v[c] > top ? v[c] : top; }
        const float shiftedTarget = v[y[i]] - top;
        for (int c = 0; c < k; c++) { v[c] = expf(v[c] - top); total += v[c]; }
        loss += (double)(logf(total) - shiftedTarget);
        for (int c = 0; c < k; c++) v[c] /= total;
        v[y[i]] -= 1;
        for (int c = 0; c < k; c++) gb[c] += v[c];
        for (int j = 0; j < d; j++)
            for (int c = 0; c < k; c++) gw[(size_t)j * 16 + c] += x[(size_t)i * d + j] * v[c];
    }
    return loss;
}

void ck_times_narrow_rows(const float *x, int d, const int32_t *rowIndex, int n, const float *w16, float *z16) {
#if defined(__x86_64__)
    if (has_avx512()) { times_narrow_rows_avx512(x, d, rowIndex, n, w16, z16); return; }
    if (has_avx2()) { times_narrow_rows_avx2(x, d, rowIndex, n, w16, z16); return; }
#endif
    for (int i = 0; i < n; i++) times_narrow_portable(x + (size_t)rowIndex[i] * d, 1, d, w16, z16 + (size_t)i * 16);
}

void ck_times_narrow(const float *x, int n, int d, const float *w16, float *z16) {
#if defined(__x86_64__)
    if (has_avx512()) { times_narrow_avx512(x, n, d, w16, z16); return; }
    if (has_avx2()) { times_narrow_avx2(x, n, d, w16, z16); return; }
#endif
    times_narrow_portable(x, n, d, w16, z16);
}

double ck_softmax_cross_entropy(const float *x, int n, int d, const int32_t *y, const float *w16,
                                const float *b16, int k, float *gradW16, float *gradB16) {
#if defined(__x86_64__)
    if (has_avx512()) return softmax_xent_avx512(x, n, d, y, w16, b16, k, gradW16, gradB16);
    if (has_avx2()) return softmax_xent_avx2(x, n, d, y, w16, b16, k, gradW16, gradB16);
#endif
    return softmax_xent_portable(x, n, d, y, w16, b16, k, gradW16, gradB16);
}

float ck_dot(const float *a, const float *b, int n) {
#if defined(__x86_64__)
    if (has_avx512()) return dot_avx512(a, b, n);
    if (has_avx2()) return dot_avx2(a, b, n);
#endif
    float s[8] = {0};
    int j = 0;
    for (; j + 8 <= n; j += 8)
        for (int l = 0; l < 8; l++) s[l] += a[j + l] * b[j + l];
    float total = ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    for (; j < n; j++) total += a[j] * b[j];
    return total;
}

void ck_axpy(float alpha, const float *x, float *y, int n) {
#if defined(__x86_64__)
    if (has_avx512()) { axpy_avx512(alpha, x, y, n); return; }
    if (has_avx2()) { axpy_avx2(alpha, x, y, n); return; }
#endif
    for (int j = 0; j < n; j++) y[j] += alpha * x[j];
}

void ck_prefetch(const float *p, int n) {
    const char *bytes = (const char *)p;
    for (long offset = 0; offset < (long)n * 4; offset += 64) __builtin_prefetch(bytes + offset, 0, 3);
}
