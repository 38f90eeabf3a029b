#include "cpu_features.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int hardware = -1;   // probed features, -1 until the first question
static atomic_int environment = -1; // the mask CVD_CPU allows, -1 until read
static atomic_int limit = -1;       // cvd_cpu_limit's mask, -1 for none

static int probe(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    int f = 0;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) f |= CVD_CPU_AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
        f |= CVD_CPU_AVX512;
        if (__builtin_cpu_supports("avx512vnni")) f |= CVD_CPU_VNNI;
    }
    return f;
#else
    return 0;
#endif
}

static int environment_mask(void) {
    int e = atomic_load(&environment);
    if (e >= 0) return e;
    const char *v = getenv("CVD_CPU");
    const int all = CVD_CPU_AVX2 | CVD_CPU_AVX512 | CVD_CPU_VNNI;
    if (v == NULL || *v == 0 || strcmp(v, "native") == 0) e = all;
    else if (strcmp(v, "portable") == 0) e = 0;
    else if (strcmp(v, "avx2") == 0) e = CVD_CPU_AVX2;
    else if (strcmp(v, "avx512") == 0) e = CVD_CPU_AVX2 | CVD_CPU_AVX512;
    else {
        fprintf(stderr, "CVD_CPU=%s is not one of portable, avx2, avx512, native; using native.\n", v);
        e = all;
    }
    atomic_store(&environment, e);
    return e;
}

int cvd_cpu_hardware_features(void) {
    int h = atomic_load(&hardware);
    if (h < 0) {
        h = probe();
        atomic_store(&hardware, h);
    }
    return h;
}

int cvd_cpu_features(void) {
    int f = cvd_cpu_hardware_features() & environment_mask();
    int l = atomic_load(&limit);
    if (l >= 0) f &= l;
    if (!(f & CVD_CPU_AVX512)) f &= ~CVD_CPU_VNNI;   // VNNI kernels use AVX-512 registers too
    return f;
}

void cvd_cpu_limit(int mask) { atomic_store(&limit, mask < 0 ? -1 : mask); }

static const char *level_name(int f) {
    return (f & CVD_CPU_VNNI) ? "AVX-512 + VNNI" : (f & CVD_CPU_AVX512) ? "AVX-512" : (f & CVD_CPU_AVX2) ? "AVX2" : "portable";
}

const char *cvd_cpu_description(void) {
    static _Thread_local char text[96];
    int f = cvd_cpu_features(), h = cvd_cpu_hardware_features();
    if (f == h) return level_name(f);
    int l = atomic_load(&limit);
    snprintf(text, sizeof text, "%s (the CPU has %s; lowered by %s)", level_name(f), level_name(h),
             l >= 0 && (h & l) != h ? "the program" : "CVD_CPU");
    return text;
}
