// The one CPU-feature probe of the suite. Every C kernel with a vector path asks it which
// instructions it may use, so a single switch selects the portable paths everywhere: the
// environment variable CVD_CPU (read once, at the first question) or cvd_cpu_limit (for tests).
//   CVD_CPU=portable  no vector extensions: the plain C loops, as on any CPU
//   CVD_CPU=avx2      AVX2 and FMA, no AVX-512 (as on most x86-64 CPUs of the last decade)
//   CVD_CPU=avx512    AVX-512 without VNNI (the 8-bit k-NN kernel falls back to floats)
//   unset or native   whatever the CPU has
#ifndef CVD_CPU_FEATURES_H
#define CVD_CPU_FEATURES_H

#ifdef __cplusplus
extern "C" {
#endif

/// AVX-512 F, BW, DQ and VL (the subset every AVX-512 kernel of the suite uses).
#define CVD_CPU_AVX512 1
/// AVX-512 VNNI (vpdpbusd), on top of CVD_CPU_AVX512.
#define CVD_CPU_VNNI 2
/// AVX2 and FMA3 (256-bit fused multiply-add).
#define CVD_CPU_AVX2 4

/// The features the kernels may use: what the CPU has, masked by CVD_CPU and cvd_cpu_limit.
int cvd_cpu_features(void);
/// What the CPU has, whatever the switches say.
int cvd_cpu_hardware_features(void);
/// Restricts the kernels to `mask` (a combination of the flags above); a negative mask lifts the
/// restriction back to CVD_CPU's. Takes effect for every kernel call that starts afterwards.
void cvd_cpu_limit(int mask);
/// "AVX-512 + VNNI", "AVX-512", "AVX2", or "portable", followed by the reason when a switch lowered it.
const char *cvd_cpu_description(void);

#ifdef __cplusplus
}
#endif
#endif
