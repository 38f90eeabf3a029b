// Memory-bound helpers of the convolution and activation layers, in C so that the short copies
// (a kernel row of K floats) compile to a few moves instead of library calls, and the selects of
// ReLU and max-pooling to vector blends instead of branches.
// Shapes: xp is one zero-padded sample C × PH × PW; OH = (PH − K)/S + 1, OW = (PW − K)/S + 1;
// KK = C·K·K, L = OH·OW.
#include "neural_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Copies n floats; the common kernel sides get fixed-length copies the compiler unrolls.
static inline void copy_row(float *restrict d, const float *restrict s, int n) {
    switch (n) {
    case 3: d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; return;
    case 5: d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]; d[4] = s[4]; return;
    default: for (int t = 0; t < n; t++) d[t] = s[t];
    }
}

#if defined(__x86_64__)
// Stride 1 with AVX-512: each output row is OW contiguous floats, copied (or added) 16 at a time
// with a mask for the rest.
__attribute__((target("avx512f")))
static void im2col_s1_avx512(const float *restrict xp, int C, int PH, int PW, int K, int OH, int OW, float *restrict cols) {
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
                const float *src = xp + ((size_t)c * PH + ky) * PW + kx;
                for (int oy = 0; oy < OH; oy++) {
                    const float *row = src + (size_t)oy * PW;
                    for (int ox = 0; ox < OW; ox += 16) {
                        __mmask16 m = OW - ox >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (OW - ox)) - 1);
                        _mm512_mask_storeu_ps(cols + ox, m, _mm512_maskz_loadu_ps(m, row + ox));
                    }
                    cols += OW;
                }
            }
}

// Padded rows of at most 32 floats (two registers): each dxp row is summed in registers over every
// (ky, kx) that reaches it, in the same (ky, kx) order as the loop below, and stored once; the kx
// shift is a masked load from kx floats before the dcols row (masked-off lanes are not read).
__attribute__((target("avx512f")))
static void col2im_s1_narrow_avx512(const float *restrict dcols, int C, int PH, int PW, int K, int OH, int OW, float *restrict dxp) {
    size_t L = (size_t)OH * OW;
    __mmask16 store0 = PW >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << PW) - 1);
    __mmask16 store1 = PW <= 16 ? 0 : (__mmask16)((1ull << (PW - 16)) - 1);
    for (int c = 0; c < C; c++)
        for (int y = 0; y < PH; y++) {
            __m512 acc0 = _mm512_setzero_ps(), acc1 = _mm512_setzero_ps();
            for (int ky = 0; ky < K; ky++) {
                int oy = y - ky;
                if (oy < 0 || oy >= OH) continue;
                for (int kx = 0; kx < K; kx++) {
                    const float *src = dcols + ((size_t)(c * K + ky) * K + kx) * L + (size_t)oy * OW - kx;
                    unsigned long long lanes = ((1ull << OW) - 1) << kx;
                    acc0 = _mm512_add_ps(acc0, _mm512_maskz_loadu_ps((__mmask16)(lanes & 0xFFFF), src));
                    acc1 = _mm512_add_ps(acc1, _mm512_maskz_loadu_ps((__mmask16)((lanes >> 16) & 0xFFFF), src + 16));
                }
            }
            float *row = dxp + ((size_t)c * PH + y) * PW;
            _mm512_mask_storeu_ps(row, store0, acc0);
            if (store1) _mm512_mask_storeu_ps(row + 16, store1, acc1);
        }
}

__attribute__((target("avx512f")))
static void col2im_s1_avx512(const float *restrict dcols, int C, int PH, int PW, int K, int OH, int OW, float *restrict dxp) {
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
                float *dst = dxp + ((size_t)c * PH + ky) * PW + kx;
                for (int oy = 0; oy < OH; oy++) {
                    float *row = dst + (size_t)oy * PW;
                    for (int ox = 0; ox < OW; ox += 16) {
                        __mmask16 m = OW - ox >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (OW - ox)) - 1);
                        _mm512_mask_storeu_ps(row + ox, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, row + ox), _mm512_maskz_loadu_ps(m, dcols + ox)));
                    }
                    dcols += OW;
                }
            }
}
#endif

void nk_im2col(const float *restrict xp, int C, int PH, int PW, int K, int S, int OH, int OW, float *restrict cols) {
#if defined(__x86_64__)
    if (S == 1 && nk_uses_avx512()) { im2col_s1_avx512(xp, C, PH, PW, K, OH, OW, cols); return; }
#endif
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
                const float *src = xp + ((size_t)c * PH + ky) * PW + kx;
                for (int oy = 0; oy < OH; oy++) {
                    const float *row = src + (size_t)oy * S * PW;
                    if (S == 1) for (int ox = 0; ox < OW; ox++) cols[ox] = row[ox];
                    else for (int ox = 0; ox < OW; ox++) cols[ox] = row[ox * S];
                    cols += OW;
                }
            }
}

void nk_im2row(const float *restrict xp, int C, int PH, int PW, int K, int S, int OH, int OW, float *restrict rows) {
    for (int oy = 0; oy < OH; oy++)
        for (int ox = 0; ox < OW; ox++) {
            const float *base = xp + (size_t)oy * S * PW + (size_t)ox * S;
            for (int c = 0; c < C; c++)
                for (int ky = 0; ky < K; ky++) {
                    copy_row(rows, base + ((size_t)c * PH + ky) * PW, K);
                    rows += K;
                }
        }
}

void nk_col2im(const float *restrict dcols, int C, int PH, int PW, int K, int S, int OH, int OW, float *restrict dxp) {
#if defined(__x86_64__)
    if (S == 1 && PW <= 32 && nk_uses_avx512()) { col2im_s1_narrow_avx512(dcols, C, PH, PW, K, OH, OW, dxp); return; }
#endif
    memset(dxp, 0, sizeof(float) * (size_t)C * PH * PW);
#if defined(__x86_64__)
    if (S == 1 && nk_uses_avx512()) { col2im_s1_avx512(dcols, C, PH, PW, K, OH, OW, dxp); return; }
#endif
    for (int c = 0; c < C; c++)
        for (int ky = 0; ky < K; ky++)
            for (int kx = 0; kx < K; kx++) {
                float *dst = dxp + ((size_t)c * PH + ky) * PW + kx;
                for (int oy = 0; oy < OH; oy++) {
                    float *row = dst + (size_t)oy * S * PW;
                    if (S == 1) for (int ox = 0; ox < OW; ox++) row[ox] += dcols[ox];
                    else for (int ox = 0; ox < OW; ox++) row[ox * S] += dcols[ox];
                    dcols += OW;
                }
            }
}

void nk_relu_backward(const float *restrict y, const float *restrict dy, float *restrict dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0.0f;
}

void nk_maxpool2_forward(const float *restrict x, int planes, int H, int W, float *restrict y, int *restrict arg) {
    int OH = H / 2, OW = W / 2;
    for (int q = 0; q < planes; q++) {
        const float *src = x + (size_t)q * H * W;
        float *dst = y + (size_t)q * OH * OW;
        int *idx = arg + (size_t)q * OH * OW;
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                int a = 2 * oy * W + 2 * ox;
                float best = src[a];
                int at = a;
                // Ties go to the first value in row order.
                if (src[a + 1] > best) { best = src[a + 1]; at = a + 1; }
                if (src[a + W] > best) { best = src[a + W]; at = a + W; }
                if (src[a + W + 1] > best) { best = src[a + W + 1]; at = a + W + 1; }
                dst[oy * OW + ox] = best;
                idx[oy * OW + ox] = at;
            }
    }
}

void nk_maxpool_backward(const float *restrict dy, const int *restrict arg, const float *restrict x, int planes, int HW, int OHW,
                         float *restrict dx) {
    for (int q = 0; q < planes; q++) {
        float *dst = dx + (size_t)q * HW;
        const float *src = dy + (size_t)q * OHW;
        const int *idx = arg + (size_t)q * OHW;
        memset(dst, 0, sizeof(float) * HW);
        if (x) {
            const float *in = x + (size_t)q * HW;
            for (int o = 0; o < OHW; o++) dst[idx[o]] += in[idx[o]] > 0 ? src[o] : 0.0f;
        } else {
            for (int o = 0; o < OHW; o++) dst[idx[o]] += src[o];
        }
    }
}

void nk_row_sums(const float *restrict x, int rows, int cols, float *restrict sums, int accumulate) {
    for (int r = 0; r < rows; r++) {
        const float *row = x + (size_t)r * cols;
        // 16 running sums (lane j takes elements j, j + 16, ...), added pairwise at the end: a fixed
        // order, and no chain of dependent additions.
        float lane[16] = {0};
        int c = 0;
        for (; c + 16 <= cols; c += 16)
            for (int j = 0; j < 16; j++) lane[j] += row[c + j];
        for (int j = 0; c + j < cols; j++) lane[j] += row[c + j];
        for (int width = 8; width >= 1; width /= 2)
            for (int j = 0; j < width; j++) lane[j] += lane[j + width];
        sums[r] = accumulate ? sums[r] + lane[0] : lane[0];
    }
}
