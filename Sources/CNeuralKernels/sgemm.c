// Cache-blocked SGEMM (Goto's scheme): B is packed in KC×NR micro-panels that stay in L1, A in
// MR×KC micro-panels from L2, and a 10×32 AVX-512 micro-kernel keeps 20 accumulators in registers.
// K is cut into equal blocks of at most KC (196 → one block of 196, not 192 + 4), a function of K
// alone.
// Each element of C is accumulated over K in the same order whatever the caller's threading.
#include "neural_kernels.h"
#include "cpu_features.h"
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { MR = 10, NR = 32, KC = 256, MC = 100, NC = 1024 };

// The suite's one CPU probe (CCPUFeatures), asked at every call so that a test can switch to the
// portable loops.
int nk_uses_avx512(void) { return (cvd_cpu_features() & CVD_CPU_AVX512) != 0; }

#if defined(__x86_64__)
// Transposes the 16×16 block r[0..15] (row i in r[i]) in place: afterwards r[j] holds column j.
__attribute__((target("avx512f")))
static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // Per group g of four rows, u[4g + j] holds in its 128-bit lane L column 4L + j of those rows.
    for (int g = 0; g < 4; g++) {
        __m512 *tg = t + 4 * g, *ug = u + 4 * g;
        ug[0] = _mm512_shuffle_ps(tg[0], tg[2], 0x44);
        ug[1] = _mm512_shuffle_ps(tg[0], tg[2], 0xEE);
        ug[2] = _mm512_shuffle_ps(tg[1], tg[3], 0x44);
        ug[3] = _mm512_shuffle_ps(tg[1], tg[3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        __m512 p0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x44), p1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xEE);
        __m512 q0 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x44), q1 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xEE);
        r[j] = _mm512_shuffle_f32x4(p0, q0, 0x88);
        r[4 + j] = _mm512_shuffle_f32x4(p0, q0, 0xDD);
        r[8 + j] = _mm512_shuffle_f32x4(p1, q1, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(p1, q1, 0xDD);
    }
}

static inline __mmask16 lanes16(int n) { return n >= 16 ? (__mmask16)0xFFFF : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1); }

// pack_a for a row-major A (rows contiguous in k): 16 k at a time, the MR rows (zero past `rows`)
// transposed in registers and stored MR floats per k.
__attribute__((target("avx512f")))
static void pack_a_rows_avx512(const float *A, int lda, int rows, int kc, float *dst) {
    const __mmask16 out = (__mmask16)((1u << MR) - 1);
    for (int k = 0; k < kc; k += 16) {
        __mmask16 m = lanes16(kc - k);
        __m512 r[16];
        for (int i = 0; i < 16; i++) r[i] = i < rows ? _mm512_maskz_loadu_ps(m, A + (size_t)i * lda + k) : _mm512_setzero_ps();
        transpose16(r);
        int n = kc - k < 16 ? kc - k : 16;
        for (int j = 0; j < n; j++) _mm512_mask_storeu_ps(dst + (size_t)(k + j) * MR, out, r[j]);
    }
}

// pack_b for a transposed B (column c of op(B) is row c of B, contiguous in k): per half-panel of
// 16 columns (zero past `cols`), 16 k at a time transposed in registers.
__attribute__((target("avx512f")))
static void pack_b_cols_avx512(const float *B, int ldb, int cols, int kc, float *dst) {
    for (int half = 0; half < NR; half += 16) {
        for (int k = 0; k < kc; k += 16) {
            __mmask16 m = lanes16(kc - k);
            __m512 r[16];
            for (int i = 0; i < 16; i++)
                r[i] = half + i < cols ? _mm512_maskz_loadu_ps(m, B + (size_t)(half + i) * ldb + k) : _mm512_setzero_ps();
            transpose16(r);
            int n = kc - k < 16 ? kc - k : 16;
            for (int j = 0; j < n; j++) _mm512_storeu_ps(dst + (size_t)(k + j) * NR + half, r[j]);
        }
    }
}

// pack_a for a transposed A (row k of A holds op(A)'s column k, its MR rows contiguous): one masked
// copy of MR floats per k, zero past `rows`.
__attribute__((target("avx512f")))
static void pack_a_cols_avx512(const float *A, int lda, int rows, int kc, float *dst) {
    const __mmask16 in = (__mmask16)((1u << rows) - 1), out = (__mmask16)((1u << MR) - 1);
    for (int k = 0; k < kc; k++) _mm512_mask_storeu_ps(dst + (size_t)k * MR, out, _mm512_maskz_loadu_ps(in, A + (size_t)k * lda));
}

// pack_b for a row-major B: NR floats of each row k, zero past `cols`.
__attribute__((target("avx512f")))
static void pack_b_rows_avx512(const float *B, int ldb, int cols, int kc, float *dst) {
    const __mmask16 m0 = lanes16(cols), m1 = lanes16(cols - 16);
    for (int k = 0; k < kc; k++) {
        const float *src = B + (size_t)k * ldb;
        _mm512_storeu_ps(dst + (size_t)k * NR, _mm512_maskz_loadu_ps(m0, src));
        _mm512_storeu_ps(dst + (size_t)k * NR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
}
#endif

// Ap: panels of MR rows; element (r, k) of panel p at Ap[p*MR*kc + k*MR + r]; rows past M are 0.
static void pack_a(int transA, const float *A, int lda, int i0, int mc, int k0, int kc, float *Ap, int avx) {
    for (int p = 0; p < mc; p += MR) {
        int rows = mc - p < MR ? mc - p : MR;
        float *dst = Ap + (size_t)p * kc;
#if defined(__x86_64__)
        if (avx && !transA) { pack_a_rows_avx512(A + (size_t)(i0 + p) * lda + k0, lda, rows, kc, dst); continue; }
        if (avx) { pack_a_cols_avx512(A + (size_t)k0 * lda + i0 + p, lda, rows, kc, dst); continue; }
#endif
        if (!transA) {
            for (int r = 0; r < rows; r++) {
                const float *src = A + (size_t)(i0 + p + r) * lda + k0;
                for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
            }
        } else {
            for (int k = 0; k < kc; k++) {
                const float *src = A + (size_t)(k0 + k) * lda + i0 + p;
                for (int r = 0; r < rows; r++) dst[k * MR + r] = src[r];
            }
        }
        for (int r = rows; r < MR; r++)
            for (int k = 0; k < kc; k++) dst[k * MR + r] = 0;
    }
}

// Bp: panels of NR columns; element (k, c) of panel q at Bp[q*NR*kc + k*NR + c]; columns past N are 0.
static void pack_b(int transB, const float *B, int ldb, int k0, int kc, int j0, int nc, float *Bp, int avx) {
    for (int q = 0; q < nc; q += NR) {
        int cols = nc - q < NR ? nc - q : NR;
        float *dst = Bp + (size_t)q * kc;
#if defined(__x86_64__)
        if (avx && transB) { pack_b_cols_avx512(B + (size_t)(j0 + q) * ldb + k0, ldb, cols, kc, dst); continue; }
        if (avx) { pack_b_rows_avx512(B + (size_t)k0 * ldb + j0 + q, ldb, cols, kc, dst); continue; }
#endif
        if (!transB) {
            for (int k = 0; k < kc; k++) {
                const float *src = B + (size_t)(k0 + k) * ldb + j0 + q;
                float *d = dst + k * NR;
                memcpy(d, src, sizeof(float) * cols);
                for (int c = cols; c < NR; c++) d[c] = 0;
            }
        } else {
            for (int c = 0; c < cols; c++) {
                const float *src = B + (size_t)(j0 + q + c) * ldb + k0;
                for (int k = 0; k < kc; k++) dst[k * NR + c] = src[k];
            }
            for (int c = cols; c < NR; c++)
                for (int k = 0; k < kc; k++) dst[k * NR + c] = 0;
        }
    }
}

// C[mr×nr] += Ap-panel · B-panel over kc; row k of the B panel starts at Bp + k·bstride (NR when
// packed, the row length of B when read in place), and only its first nr columns are read.
#if defined(__x86_64__)
__attribute__((target("avx512f")))
static void kernel_avx512(int kc, const float *Ap, const float *Bp, int bstride, float *C, int ldc, int mr, int nr, int overwrite) {
    __m512 c0[MR], c1[MR];
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    __mmask16 m1 = nr >= 32 ? (__mmask16)0xFFFF : nr <= 16 ? (__mmask16)0 : (__mmask16)((1u << (nr - 16)) - 1);
    for (int r = 0; r < MR; r++) { c0[r] = _mm512_setzero_ps(); c1[r] = _mm512_setzero_ps(); }
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, Bp), b1 = _mm512_maskz_loadu_ps(m1, Bp + 16);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) {
            __m512 a = _mm512_set1_ps(Ap[r]);
            c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
            c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
        }
        Ap += MR;
        Bp += bstride;
    }
    if (overwrite) {
        for (int r = 0; r < mr; r++) {
            float *row = C + (size_t)r * ldc;
            _mm512_mask_storeu_ps(row, m0, c0[r]);
            _mm512_mask_storeu_ps(row + 16, m1, c1[r]);
        }
    } else if (nr == NR) {
        for (int r = 0; r < mr; r++) {
            float *row = C + (size_t)r * ldc;
            _mm512_storeu_ps(row, _mm512_add_ps(_mm512_loadu_ps(row), c0[r]));
            _mm512_storeu_ps(row + 16, _mm512_add_ps(_mm512_loadu_ps(row + 16), c1[r]));
        }
    } else {
        for (int r = 0; r < mr; r++) {
            float *row = C + (size_t)r * ldc;
            _mm512_mask_storeu_ps(row, m0, _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), c0[r]));
            _mm512_mask_storeu_ps(row + 16, m1, _mm512_add_ps(_mm512_maskz_loadu_ps(m1, row + 16), c1[r]));
        }
    }
}

// The same for a panel of at most 16 columns (the right edge of C): half the multiply-adds of the
// full kernel instead of the same number. Each element is summed exactly as by kernel_avx512.
__attribute__((target("avx512f")))
static void kernel_avx512_16(int kc, const float *Ap, const float *Bp, int bstride, float *C, int ldc, int mr, int nr, int overwrite) {
    __m512 c0[MR];
    __mmask16 m0 = nr >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << nr) - 1);
    for (int r = 0; r < MR; r++) c0[r] = _mm512_setzero_ps();
    for (int k = 0; k < kc; k++) {
        __m512 b0 = _mm512_maskz_loadu_ps(m0, Bp);
#pragma clang loop unroll(full)
        for (int r = 0; r < MR; r++) c0[r] = _mm512_fmadd_ps(_mm512_set1_ps(Ap[r]), b0, c0[r]);
        Ap += MR;
        Bp += bstride;
    }
    for (int r = 0; r < mr; r++) {
        float *row = C + (size_t)r * ldc;
        _mm512_mask_storeu_ps(row, m0, overwrite ? c0[r] : _mm512_add_ps(_mm512_maskz_loadu_ps(m0, row), c0[r]));
    }
}

// AVX2 + FMA (CPUs without AVX-512): the MR×NR tile in blocks of 5 rows × 16 columns, 10 ymm
// accumulators each. B is always packed here (zero columns past N), so its loads are whole; only
// the stores are masked. Each element is the same chain of fused multiply-adds over k as in
// kernel_avx512, so both give the same bits.
__attribute__((target("avx2,fma")))
static __m256i avx2_mask(int n) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes);
}

__attribute__((target("avx2,fma")))
static void avx2_store(float *row, __m256 v, int cols, int overwrite) {
    if (cols >= 8) {
        _mm256_storeu_ps(row, overwrite ? v : _mm256_add_ps(_mm256_loadu_ps(row), v));
    } else if (cols > 0) {
        __m256i m = avx2_mask(cols);
        _mm256_maskstore_ps(row, m, overwrite ? v : _mm256_add_ps(_mm256_maskload_ps(row, m), v));
    }
}

__attribute__((target("avx2,fma")))
static void kernel_avx2(int kc, const float *Ap, const float *Bp, int bstride, float *C, int ldc, int mr, int nr, int overwrite) {
    if (nr <= 8) {
        // One ymm of columns: all 10 rows at once.
        __m256 c[MR];
        for (int r = 0; r < MR; r++) c[r] = _mm256_setzero_ps();
        const float *a = Ap, *b = Bp;
        for (int k = 0; k < kc; k++) {
            __m256 b0 = _mm256_loadu_ps(b);
#pragma clang loop unroll(full)
            for (int r = 0; r < MR; r++) c[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r), b0, c[r]);
            a += MR;
            b += bstride;
        }
        for (int r = 0; r < mr; r++) avx2_store(C + (size_t)r * ldc, c[r], nr, overwrite);
        return;
    }
    for (int j0 = 0; j0 < nr; j0 += 16) {
        for (int r0 = 0; r0 < mr; r0 += 5) {
            __m256 c0[5], c1[5];
            for (int r = 0; r < 5; r++) { c0[r] = _mm256_setzero_ps(); c1[r] = _mm256_setzero_ps(); }
            const float *a = Ap + r0, *b = Bp + j0;
            for (int k = 0; k < kc; k++) {
                __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma clang loop unroll(full)
                for (int r = 0; r < 5; r++) {
                    __m256 av = _mm256_broadcast_ss(a + r);
                    c0[r] = _mm256_fmadd_ps(av, b0, c0[r]);
                    c1[r] = _mm256_fmadd_ps(av, b1, c1[r]);
                }
                a += MR;
                b += bstride;
            }
            int rows = mr - r0 < 5 ? mr - r0 : 5, cols = nr - j0;
            for (int r = 0; r < rows; r++) {
                float *row = C + (size_t)(r0 + r) * ldc + j0;
                avx2_store(row, c0[r], cols, overwrite);
                avx2_store(row + 8, c1[r], cols - 8, overwrite);
            }
        }
    }
}
#endif

static void kernel_portable(int kc, const float *Ap, const float *Bp, int bstride, float *C, int ldc, int mr, int nr, int overwrite) {
    float acc[MR][NR];
    memset(acc, 0, sizeof acc);
    for (int k = 0; k < kc; k++) {
        for (int r = 0; r < MR; r++) {
            float a = Ap[r];
            for (int c = 0; c < nr; c++) acc[r][c] += a * Bp[c];
        }
        Ap += MR;
        Bp += bstride;
    }
    for (int r = 0; r < mr; r++)
        for (int c = 0; c < nr; c++) C[(size_t)r * ldc + c] = overwrite ? acc[r][c] : C[(size_t)r * ldc + c] + acc[r][c];
}

#if defined(__x86_64__)
// The whole 16-row bands of nk_transpose; returns the rows done.
__attribute__((target("avx512f")))
static int transpose_avx512(const float *src, int rows, int cols, int lds, float *dst, int ldd) {
    int r0 = 0;
        for (; r0 + 16 <= rows; r0 += 16) {
            int c0 = 0;
            for (; c0 + 16 <= cols; c0 += 16) {
                __m512 r[16];
                for (int i = 0; i < 16; i++) r[i] = _mm512_loadu_ps(src + (size_t)(r0 + i) * lds + c0);
                transpose16(r);
                for (int j = 0; j < 16; j++) _mm512_storeu_ps(dst + (size_t)(c0 + j) * ldd + r0, r[j]);
            }
            for (; c0 < cols; c0++)
                for (int i = 0; i < 16; i++) dst[(size_t)c0 * ldd + r0 + i] = src[(size_t)(r0 + i) * lds + c0];
        }
    return r0;
}
#endif

void nk_transpose(const float *src, int rows, int cols, int lds, float *dst, int ldd) {
    int r0 = 0;
#if defined(__x86_64__)
    if (nk_uses_avx512()) r0 = transpose_avx512(src, rows, cols, lds, dst, ldd);
#endif
    for (; r0 < rows; r0++)
        for (int c = 0; c < cols; c++) dst[(size_t)c * ldd + r0] = src[(size_t)r0 * lds + c];
}

void nk_sgemm(int transA, int transB, int M, int N, int K,
              const float *A, int lda, const float *B, int ldb,
              float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    // beta = 0: the first K block stores its sums (0 + s, the same value), later blocks add.
    if (beta == 0 && K <= 0)
        for (int i = 0; i < M; i++) memset(C + (size_t)i * ldc, 0, sizeof(float) * N);
    if (beta != 0 && beta != 1)
        for (int i = 0; i < M; i++) for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] *= beta;
    if (K <= 0) return;
    int avx = nk_uses_avx512();
#if defined(__x86_64__)
    int avx2 = !avx && (cvd_cpu_features() & CVD_CPU_AVX2) != 0;
#endif
    // Per-thread packing buffers, grown on demand and kept for the thread's lifetime.
    static __thread float *apack = NULL, *bpack = NULL;
    if (!apack) apack = aligned_alloc(64, sizeof(float) * MC * KC);
    if (!bpack) bpack = aligned_alloc(64, sizeof(float) * (NC + NR) * KC);
    for (int jc = 0; jc < N; jc += NC) {
        int nc = N - jc < NC ? N - jc : NC;
        int kblocks = (K + KC - 1) / KC, kstep = (K + kblocks - 1) / kblocks;
        for (int pc = 0; pc < K; pc += kstep) {
            int kc = K - pc < kstep ? K - pc : kstep;
            int overwrite = beta == 0 && pc == 0;
            // A row-major B is read in place (its rows are contiguous); a transposed one is packed.
            int direct = !transB && avx && ldb <= 1024;
            if (!direct) pack_b(transB, B, ldb, pc, kc, jc, nc, bpack, avx);
            for (int ic = 0; ic < M; ic += MC) {
                int mc = M - ic < MC ? M - ic : MC;
                pack_a(transA, A, lda, ic, mc, pc, kc, apack, avx);
                for (int jr = 0; jr < nc; jr += NR) {
                    int nr = nc - jr < NR ? nc - jr : NR;
                    const float *bp = direct ? B + (size_t)pc * ldb + jc + jr : bpack + (size_t)jr * kc;
                    int bstride = direct ? ldb : NR;
                    for (int ir = 0; ir < mc; ir += MR) {
                        int mr = mc - ir < MR ? mc - ir : MR;
                        float *c = C + (size_t)(ic + ir) * ldc + jc + jr;
#if defined(__x86_64__)
                        if (avx && nr <= 16) { kernel_avx512_16(kc, apack + (size_t)ir * kc, bp, bstride, c, ldc, mr, nr, overwrite); continue; }
                        if (avx) { kernel_avx512(kc, apack + (size_t)ir * kc, bp, bstride, c, ldc, mr, nr, overwrite); continue; }
                        if (avx2) { kernel_avx2(kc, apack + (size_t)ir * kc, bp, bstride, c, ldc, mr, nr, overwrite); continue; }
#endif
                        kernel_portable(kc, apack + (size_t)ir * kc, bp, bstride, c, ldc, mr, nr, overwrite);
                    }
                }
            }
        }
    }
}
