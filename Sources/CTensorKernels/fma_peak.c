// The machine's multiply-add limit, measured: back-to-back independent fused multiply-adds in the
// widest vector unit the CPU has (AVX-512, else AVX2 + FMA, else scalar), enough accumulators to
// hide the latency of both pipes. `make bench` runs one copy per core and writes the sum as
// fma_peak beside the SGEMM rates.
#include "tensor_kernels.h"
#include "cpu_features.h"

#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f")))
static float run_avx512(long iterations) {
    __m512 acc[16];
    for (int r = 0; r < 16; r++) acc[r] = _mm512_set1_ps(1.0f + 0.001f * r);
    const __m512 x = _mm512_set1_ps(0.9999999f), y = _mm512_set1_ps(1e-7f);
    for (long i = 0; i < iterations; i++) {
#pragma clang loop unroll(full)
        for (int r = 0; r < 16; r++) acc[r] = _mm512_fmadd_ps(acc[r], x, y);
        // An empty statement that "may change" each accumulator: the compiler must do every round.
#pragma clang loop unroll(full)
        for (int r = 0; r < 16; r++) __asm__ volatile("" : "+v"(acc[r]));
    }
    __m512 s = acc[0];
    for (int r = 1; r < 16; r++) s = _mm512_add_ps(s, acc[r]);
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma")))
static float run_avx2(long iterations) {
    __m256 acc[12];
    for (int r = 0; r < 12; r++) acc[r] = _mm256_set1_ps(1.0f + 0.001f * r);
    const __m256 x = _mm256_set1_ps(0.9999999f), y = _mm256_set1_ps(1e-7f);
    for (long i = 0; i < iterations; i++) {
#pragma clang loop unroll(full)
        for (int r = 0; r < 12; r++) acc[r] = _mm256_fmadd_ps(acc[r], x, y);
#pragma clang loop unroll(full)
        for (int r = 0; r < 12; r++) __asm__ volatile("" : "+v"(acc[r]));
    }
    __m256 s = acc[0];
    for (int r = 1; r < 12; r++) s = _mm256_add_ps(s, acc[r]);
    float lanes[8];
    _mm256_storeu_ps(lanes, s);
    return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}
#endif

static float run_scalar(long iterations) {
    float acc[8];
    for (int r = 0; r < 8; r++) acc[r] = 1.0f + 0.001f * r;
    for (long i = 0; i < iterations; i++)
        for (int r = 0; r < 8; r++) {
            acc[r] = fmaf(acc[r], 0.9999999f, 1e-7f);
            __asm__ volatile("" : "+x"(acc[r]));
        }
    float s = 0;
    for (int r = 0; r < 8; r++) s += acc[r];
    return s;
}

double tk_fma_loop(long iterations, float *sink) {
#if defined(__x86_64__)
    int f = cvd_cpu_features();
    if (f & CVD_CPU_AVX512) { *sink = run_avx512(iterations); return 2.0 * 16 * 16 * (double)iterations; }
    if (f & CVD_CPU_AVX2) { *sink = run_avx2(iterations); return 2.0 * 12 * 8 * (double)iterations; }
#endif
    *sink = run_scalar(iterations);
    return 2.0 * 8 * (double)iterations;
}
