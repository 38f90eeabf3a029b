// Visual-word encoding and pooling of one image's patches. Legend: P = patches of the image,
// K = visual words, G = pooling grids. products is P × K (patch · word), and the squared distance of
// patch p to word k is patchNorm[p] − 2·products[p][k] + wordNorm[k]. cellOffset[p·G + g] is where
// the K values of patch p's cell in grid g start in `feature`.
#include "classical_kernels.h"
#include "cpu_features.h"

#include <math.h>

static int32_t argmin_row(const float *row, int K, const float *centerNorm, float *minimum);

#if defined(__x86_64__)
#include <immintrin.h>
#define CK_AVX512 __attribute__((target("avx512f")))

static int has_avx512_encode(void) { return (cvd_cpu_features() & CVD_CPU_AVX512) != 0; }

// The mean of the distances is summed in 16 lanes, reduced in a fixed order: the same on every run
// and thread count, and equal to the portable loop's up to rounding.
CK_AVX512 static void triangle_avx512(const float *products, int P, int K, const float *patchNorm,
                                      const float *wordNorm, const int32_t *cellOffset, int G, float *feature,
                                      float *code) {
    const __m512 zero = _mm512_setzero_ps(), two = _mm512_set1_ps(2);
    for (int p = 0; p < P; p++) {
        const float *row = products + (size_t)p * K;
        const __m512 norm = _mm512_set1_ps(patchNorm[p]);
        __m512 sum = zero;
        int k = 0;
        for (; k + 16 <= K; k += 16) {
            __m512 d = _mm512_add_ps(_mm512_sub_ps(norm, _mm512_mul_ps(two, _mm512_loadu_ps(row + k))),
                                     _mm512_loadu_ps(wordNorm + k));
            __m512 z = _mm512_sqrt_ps(_mm512_max_ps(d, zero));
            _mm512_storeu_ps(code + k, z);
            sum = _mm512_add_ps(sum, z);
        }
        float mean = _mm512_reduce_add_ps(sum);
        for (; k < K; k++) {
            float d = patchNorm[p] - 2 * row[k] + wordNorm[k];
            code[k] = sqrtf(d > 0 ? d : 0);
            mean += code[k];
        }
        mean /= (float)K;
        const __m512 m = _mm512_set1_ps(mean);
        for (int g = 0; g < G; g++) {
            float *dst = feature + cellOffset[(size_t)p * G + g];
            int j = 0;
            for (; j + 16 <= K; j += 16) {
                __m512 f = _mm512_max_ps(_mm512_sub_ps(m, _mm512_loadu_ps(code + j)), zero);
                _mm512_storeu_ps(dst + j, _mm512_add_ps(_mm512_loadu_ps(dst + j), f));
            }
            for (; j < K; j++) {
                float f = mean - code[j];
                dst[j] += f > 0 ? f : 0;
            }
        }
    }
}
#endif

void ck_encode_triangle(const float *products, int P, int K, const float *patchNorm, const float *wordNorm,
                        const int32_t *cellOffset, int G, float *feature, float *code) {
#if defined(__x86_64__)
    if (has_avx512_encode()) {
        triangle_avx512(products, P, K, patchNorm, wordNorm, cellOffset, G, feature, code);
        return;
    }
#endif
    for (int p = 0; p < P; p++) {
        const float *row = products + (size_t)p * K;
        float mean = 0;
        for (int k = 0; k < K; k++) {
            float d = patchNorm[p] - 2 * row[k] + wordNorm[k];
            code[k] = sqrtf(d > 0 ? d : 0);
            mean += code[k];
        }
        mean /= (float)K;
        for (int g = 0; g < G; g++) {
            float *dst = feature + cellOffset[(size_t)p * G + g];
            for (int j = 0; j < K; j++) {
                float f = mean - code[j];
                dst[j] += f > 0 ? f : 0;
            }
        }
    }
}

void ck_encode_hard(const float *products, int P, int K, const float *wordNorm, const int32_t *cellOffset,
                    int G, float *feature) {
    for (int p = 0; p < P; p++) {
        float minimum;
        const int32_t best = argmin_row(products + (size_t)p * K, K, wordNorm, &minimum);
        for (int g = 0; g < G; g++) feature[cellOffset[(size_t)p * G + g] + best] += 1;
    }
}

// Nearest center per row. Lane j of the vector loop keeps the first (smallest) index of its own
// minimum; the lanes are then merged by (value, index), which is the first index of the global
// minimum, as a scalar scan with a strict comparison finds. n − 2·s is exact in its multiply, so a
// fused or unfused evaluation rounds alike.
#if defined(__x86_64__)
CK_AVX512 static int32_t argmin_avx512(const float *row, int K, const float *centerNorm, float *minimum) {
    const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 two = _mm512_set1_ps(2);
    __m512 best = _mm512_set1_ps(INFINITY);
    __m512i bestIndex = _mm512_setzero_si512();
    int k = 0;
    for (; k + 16 <= K; k += 16) {
        __m512 v = _mm512_sub_ps(_mm512_loadu_ps(centerNorm + k), _mm512_mul_ps(two, _mm512_loadu_ps(row + k)));
        __mmask16 m = _mm512_cmp_ps_mask(v, best, _CMP_LT_OQ);
        best = _mm512_mask_mov_ps(best, m, v);
        bestIndex = _mm512_mask_mov_epi32(bestIndex, m, _mm512_add_epi32(lane, _mm512_set1_epi32(k)));
    }
    float values[16];
    int32_t indices[16];
    _mm512_storeu_ps(values, best);
    _mm512_storeu_si512(indices, bestIndex);
    float bestValue = INFINITY;
    int32_t b = 0;
    for (int j = 0; j < 16; j++)
        if (values[j] < bestValue || (values[j] == bestValue && indices[j] < b)) { bestValue = values[j]; b = indices[j]; }
    for (; k < K; k++) {
        float v = centerNorm[k] - 2 * row[k];
        if (v < bestValue) { bestValue = v; b = k; }
    }
    *minimum = bestValue;
    return b;
}
#endif

// The scalar scan: first index of the minimum of centerNorm[k] − 2·row[k].
static int32_t argmin_portable(const float *row, int K, const float *centerNorm, float *minimum) {
    int32_t b = 0;
    float bestValue = centerNorm[0] - 2 * row[0];
    for (int k = 1; k < K; k++) {
        float v = centerNorm[k] - 2 * row[k];
        if (v < bestValue) { bestValue = v; b = k; }
    }
    *minimum = bestValue;
    return b;
}

static int32_t argmin_row(const float *row, int K, const float *centerNorm, float *minimum) {
#if defined(__x86_64__)
    if (K >= 16 && has_avx512_encode()) return argmin_avx512(row, K, centerNorm, minimum);
#endif
    return argmin_portable(row, K, centerNorm, minimum);
}

void ck_nearest_rows(const float *s, int rows, int K, const float *centerNorm, const float *rowNorm, int32_t *label,
                     float *dist) {
    for (int i = 0; i < rows; i++) {
        float minimum;
        label[i] = argmin_row(s + (size_t)i * K, K, centerNorm, &minimum);
        float d = rowNorm[i] + minimum;
        dist[i] = d > 0 ? d : 0;
    }
}
