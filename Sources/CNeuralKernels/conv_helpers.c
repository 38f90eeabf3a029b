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

#if defined(__x86_64__)
// Eight windows at a time (masked at the end of the row): their gradients (zero where the pooled value is not positive, when
// masking), split by where each window's maximum lies, and interleaved into the two input rows.
__attribute__((target("avx512f")))
static int maxpool2_backward_row_avx512(const float *src, const int *idx, const float *pooled, int a0, int W, int OW,
                                        float *r0, float *r1) {
    const __m512i inter = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i two = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1), w0 = _mm512_set1_epi32(W), w1 = _mm512_set1_epi32(W + 1);
    int ox = 0;
    for (; ox < OW; ox += 8) {
        int n = OW - ox < 8 ? OW - ox : 8;
        __mmask16 in = (__mmask16)((1u << n) - 1), out = (__mmask16)((1u << (2 * n)) - 1), live = in;
        __m512 g = _mm512_maskz_loadu_ps(in, src + ox);
        if (pooled) live &= _mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(in, pooled + ox), _mm512_setzero_ps(), _CMP_GT_OQ);
        __m512i d = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(in, idx + ox), _mm512_add_epi32(_mm512_set1_epi32(a0 + 2 * ox), two));
        __m512 e0 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(d, zero), g);
        __m512 o0 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(d, one), g);
        __m512 e1 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(d, w0), g);
        __m512 o1 = _mm512_maskz_mov_ps(live & _mm512_cmpeq_epi32_mask(d, w1), g);
        _mm512_mask_storeu_ps(r0 + 2 * ox, out, _mm512_permutex2var_ps(e0, inter, o0));
        _mm512_mask_storeu_ps(r1 + 2 * ox, out, _mm512_permutex2var_ps(e1, inter, o1));
    }
    return ox;
}
#endif

void nk_maxpool2_backward(const float *restrict dy, const int *restrict arg, const float *restrict pooled, int planes, int H, int W,
                          float *restrict dx) {
    int OH = H / 2, OW = W / 2;
#if defined(__x86_64__)
    int avx = nk_uses_avx512();
#endif
    for (int q = 0; q < planes; q++) {
        float *dst = dx + (size_t)q * H * W;
        const float *src = dy + (size_t)q * OH * OW, *py = pooled ? pooled + (size_t)q * OH * OW : NULL;
        const int *idx = arg + (size_t)q * OH * OW;
        for (int oy = 0; oy < OH; oy++) {
            float *r0 = dst + (size_t)2 * oy * W, *r1 = r0 + W;
            int o0 = oy * OW, ox = 0;
#if defined(__x86_64__)
            if (avx) ox = maxpool2_backward_row_avx512(src + o0, idx + o0, py ? py + o0 : NULL, 2 * oy * W, W, OW, r0, r1);
#endif
            for (; ox < OW; ox++) {
                int o = o0 + ox, a = 2 * oy * W + 2 * ox, at = idx[o];
                float g = py && !(py[o] > 0) ? 0.0f : src[o];
                r0[2 * ox] = at == a ? g : 0.0f;
                r0[2 * ox + 1] = at == a + 1 ? g : 0.0f;
                r1[2 * ox] = at == a + W ? g : 0.0f;
                r1[2 * ox + 1] = at == a + W + 1 ? g : 0.0f;
            }
            // An odd width leaves a last column outside every window.
            if (W & 1) { r0[W - 1] = 0.0f; r1[W - 1] = 0.0f; }
        }
        if (H & 1) memset(dst + (size_t)(H - 1) * W, 0, sizeof(float) * W);
    }
}

// Rounded as the Swift loop it replaced: every product and sum on its own (no fused multiply-add),
// so training gives the same bits as before; the loop vectorizes.
#pragma clang fp contract(off)
void nk_sgd_momentum(float *restrict w, const float *restrict g, float *restrict v, long n, float lr, float mu, float decay, int nesterov) {
    if (nesterov) {
        for (long i = 0; i < n; i++) {
            float gi = g[i] + decay * w[i], vi = mu * v[i] + gi;
            v[i] = vi;
            w[i] -= lr * (gi + mu * vi);
        }
    } else {
        for (long i = 0; i < n; i++) {
            float gi = g[i] + decay * w[i], vi = mu * v[i] + gi;
            v[i] = vi;
            w[i] -= lr * vi;
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
