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
    if (v == NULL || *v == 0 || strcmp(v, "native") == 0) e = CVD_CPU_AVX512 | CVD_CPU_VNNI;
    else if (strcmp(v, "portable") == 0) e = 0;
    else if (strcmp(v, "avx512") == 0) e = CVD_CPU_AVX512;
    else {
        fprintf(stderr, "CVD_CPU=%s is not one of portable, avx512, native; using native.\n", v);
        e = CVD_CPU_AVX512 | CVD_CPU_VNNI;
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
    if (!(f & CVD_CPU_AVX512)) f = 0;   // VNNI kernels use AVX-512 registers too
    return f;
}

void cvd_cpu_limit(int mask) { atomic_store(&limit, mask < 0 ? -1 : mask); }

const char *cvd_cpu_description(void) {
    int f = cvd_cpu_features(), h = cvd_cpu_hardware_features();
    const char *name = (f & CVD_CPU_VNNI) ? "AVX-512 + VNNI" : (f & CVD_CPU_AVX512) ? "AVX-512" : "portable";
    if (f == h) return name;
    if (atomic_load(&limit) >= 0 && (h & atomic_load(&limit)) != h) {
        return (f & CVD_CPU_VNNI) ? "AVX-512 + VNNI (limited)" : (f & CVD_CPU_AVX512) ? "AVX-512 (limited by the program)"
                                                                                 : "portable (limited by the program)";
    }
    return (f & CVD_CPU_AVX512) ? "AVX-512 (CVD_CPU=avx512)" : "portable (CVD_CPU=portable)";
}
