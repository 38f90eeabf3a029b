// Exact k-NN for 8-bit data. Dimension legend: Q = queries, T = training rows, D = bytes per row
// (padded to DP, a multiple of 4), G = DP / 4 groups of four bytes, K = neighbours kept.
//
// vpdpbusd multiplies four unsigned bytes by four signed bytes and adds the four products to an
// int32 lane. Queries stay unsigned (0..255); training values are shifted to signed (t − 128), so
//   q·t = q·(t − 128) + 128·Σq,
// and the per-query constant drops out of the ranking. All sums are exact in int32
// (784·255·255 < 2³¹), so the neighbours are those of the exact Euclidean distance.
#include "classical_kernels.h"
#include "cpu_features.h"

#include <limits.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CK_HAVE_X86 1
#endif

int ck_cpu_has_vnni(void) { return (cvd_cpu_features() & CVD_CPU_VNNI) != 0; }

void ck_pack_queries_u8(const uint8_t *queries, int n, int d, uint8_t *packed) {
    const int dp = (d + 3) & ~3, groups = dp / 4;
    const int panels = (n + CK_PANEL - 1) / CK_PANEL;
    memset(packed, 0, (size_t)panels * CK_PANEL * dp);
    for (int q = 0; q < n; q++) {
        const int panel = q / CK_PANEL, lane = q % CK_PANEL;
        uint8_t *base = packed + (size_t)panel * CK_PANEL * dp;
        for (int g = 0; g < groups; g++)
            for (int b = 0; b < 4 && 4 * g + b < d; b++)
                base[((size_t)g * CK_PANEL + lane) * 4 + b] = queries[(size_t)q * d + 4 * g + b];
    }
}

// Inserts (key, row) into query q's ascending list; rows arrive in increasing order, so an equal key
// goes after the ones already there (smaller row first).
static inline void insert(int32_t key, int32_t row, int k, int32_t *keys, int32_t *rows,
                          int32_t *threshold, int32_t *filled) {
    int n = *filled;
    int pos = n < k ? n : k - 1;
    while (pos > 0 && keys[pos - 1] > key) {
        keys[pos] = keys[pos - 1];
        rows[pos] = rows[pos - 1];
        pos--;
    }
    keys[pos] = key;
    rows[pos] = row;
    if (n < k) *filled = ++n;
    if (n == k) *threshold = keys[k - 1];
}

#if CK_HAVE_X86
#define CK_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))

// One register tile: CK_TILE training rows × CK_PANEL queries (8 × 3 vectors of 16 int32 lanes).
CK_TARGET static void tile(const uint8_t *panel, int groups, const int8_t *t, int dp, int row0,
                           const int32_t *trainKey, int k, int q0, int32_t *bestKey, int32_t *bestIndex,
                           int32_t *threshold, int32_t *filled) {
    __m512i acc[CK_TILE][3];
    for (int r = 0; r < CK_TILE; r++)
        for (int c = 0; c < 3; c++) acc[r][c] = _mm512_setzero_si512();
    const int32_t *t32[CK_TILE];
    for (int r = 0; r < CK_TILE; r++) t32[r] = (const int32_t *)(t + (size_t)r * dp);
    for (int g = 0; g < groups; g++) {
        const __m512i q0v = _mm512_loadu_si512(panel + (size_t)g * CK_PANEL * 4);
        const __m512i q1v = _mm512_loadu_si512(panel + (size_t)g * CK_PANEL * 4 + 64);
        const __m512i q2v = _mm512_loadu_si512(panel + (size_t)g * CK_PANEL * 4 + 128);
#pragma GCC unroll 8
        for (int r = 0; r < CK_TILE; r++) {
            int32_t word;
            memcpy(&word, t32[r] + g, 4);
            const __m512i tv = _mm512_set1_epi32(word);
            acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], q0v, tv);
            acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], q1v, tv);
            acc[r][2] = _mm512_dpbusd_epi32(acc[r][2], q2v, tv);
        }
    }
    // Epilogue: key = ‖t‖² − 2·acc; only lanes below their query's current k-th key are inserted.
    for (int r = 0; r < CK_TILE; r++) {
        const __m512i tk = _mm512_set1_epi32(trainKey[row0 + r]);
        for (int c = 0; c < 3; c++) {
            const __m512i key = _mm512_sub_epi32(tk, _mm512_slli_epi32(acc[r][c], 1));
            const __m512i thr = _mm512_loadu_si512(threshold + q0 + 16 * c);
            __mmask16 m = _mm512_cmplt_epi32_mask(key, thr);
            if (m) {
                int32_t lanes[16];
                _mm512_storeu_si512(lanes, key);
                while (m) {
                    const int lane = __builtin_ctz(m);
                    m &= m - 1;
                    const int q = q0 + 16 * c + lane;
                    if (lanes[lane] < threshold[q])
                        insert(lanes[lane], row0 + r, k, bestKey + (size_t)q * k, bestIndex + (size_t)q * k,
                               threshold + q, filled + q);
                }
            }
        }
    }
}

void ck_knn_u8_vnni(const uint8_t *packedQueries, int panelStart, int panelEnd, int dpad,
                    const int8_t *train, int rows, const int32_t *trainKey, int k,
                    int32_t *bestKey, int32_t *bestIndex, int32_t *threshold, int32_t *filled) {
    const int groups = dpad / 4;
    // Training rows in chunks that stay in L2 while every query panel passes over them; rows are
    // still visited in increasing order for each query.
    const int chunk = 512;
    for (int c0 = 0; c0 < rows; c0 += chunk) {
        const int c1 = c0 + chunk < rows ? c0 + chunk : rows;
        for (int p = panelStart; p < panelEnd; p++) {
            const uint8_t *panel = packedQueries + (size_t)p * CK_PANEL * dpad;
            for (int r0 = c0; r0 < c1; r0 += CK_TILE)
                tile(panel, groups, train + (size_t)r0 * dpad, dpad, r0, trainKey, k, p * CK_PANEL,
                     bestKey, bestIndex, threshold, filled);
        }
    }
}
#else
void ck_knn_u8_vnni(const uint8_t *packedQueries, int panelStart, int panelEnd, int dpad,
                    const int8_t *train, int rows, const int32_t *trainKey, int k,
                    int32_t *bestKey, int32_t *bestIndex, int32_t *threshold, int32_t *filled) {
    (void)packedQueries; (void)panelStart; (void)panelEnd; (void)dpad; (void)train; (void)rows;
    (void)trainKey; (void)k; (void)bestKey; (void)bestIndex; (void)threshold; (void)filled;
}
#endif
