// Batch normalization of one channel (or feature) over a batch, in C so that the sums over the
// channel's N·S values run in 8 independent double-precision lanes (added pairwise at the end: a
// fixed order, whatever the thread count) instead of one chain of dependent additions.
// Layout: x is N × C × S (S = H·W, or 1 for feature vectors); channel ch of sample i is the run
// x[(i·C + ch)·S ..< (i·C + ch + 1)·S].
#include "neural_kernels.h"

#define LANES 8

static inline double lane_total(double *lane) {
    for (int width = LANES / 2; width >= 1; width /= 2)
        for (int j = 0; j < width; j++) lane[j] += lane[j + width];
    return lane[0];
}

// Σ x over the channel's values.
static double channel_sum(const float *restrict x, int n, int c, int s, int ch) {
    double lane[LANES] = {0};
    for (int i = 0; i < n; i++) {
        const float *run = x + ((long)i * c + ch) * s;
        int p = 0;
        for (; p + LANES <= s; p += LANES)
            for (int j = 0; j < LANES; j++) lane[j] += (double)run[p + j];
        for (int j = 0; p + j < s; j++) lane[j] += (double)run[p + j];
    }
    return lane_total(lane);
}

void nk_batchnorm_forward_train(const float *restrict x, int n, int c, int s, int ch, float gamma, float beta,
                                double epsilon, float *restrict y, float *restrict mean_out, float *restrict inv_std_out,
                                double *restrict variance_out) {
    const double m = (double)n * s;
    const double mean = channel_sum(x, n, c, s, ch) / m;
    double lane[LANES] = {0};
    for (int i = 0; i < n; i++) {
        const float *run = x + ((long)i * c + ch) * s;
        int p = 0;
        for (; p + LANES <= s; p += LANES)
            for (int j = 0; j < LANES; j++) { double d = (double)run[p + j] - mean; lane[j] += d * d; }
        for (int j = 0; p + j < s; j++) { double d = (double)run[p + j] - mean; lane[j] += d * d; }
    }
    const double variance = lane_total(lane) / m;
    const float inv = (float)(1.0 / __builtin_sqrt(variance + epsilon)), mu = (float)mean;
    for (int i = 0; i < n; i++) {
        const long base = ((long)i * c + ch) * s;
        const float *run = x + base;
        float *out = y + base;
        for (int p = 0; p < s; p++) out[p] = gamma * ((run[p] - mu) * inv) + beta;
    }
    *mean_out = mu;
    *inv_std_out = inv;
    *variance_out = variance;
}

void nk_batchnorm_backward_train(const float *restrict x, const float *restrict dy, int n, int c, int s, int ch,
                                 float mean, float inv_std, float gamma, float *restrict dx,
                                 float *restrict dgamma, float *restrict dbeta) {
    double sdy[LANES] = {0}, sdyxh[LANES] = {0};
    for (int i = 0; i < n; i++) {
        const long base = ((long)i * c + ch) * s;
        const float *xr = x + base, *g = dy + base;
        int p = 0;
        for (; p + LANES <= s; p += LANES)
            for (int j = 0; j < LANES; j++) {
                const float xh = (xr[p + j] - mean) * inv_std;
                sdy[j] += (double)g[p + j];
                sdyxh[j] += (double)(g[p + j] * xh);
            }
        for (int j = 0; p + j < s; j++) {
            const float xh = (xr[p + j] - mean) * inv_std;
            sdy[j] += (double)g[p + j];
            sdyxh[j] += (double)(g[p + j] * xh);
        }
    }
    const double sum_dy = lane_total(sdy), sum_dyxh = lane_total(sdyxh);
    *dgamma = (float)sum_dyxh;
    *dbeta = (float)sum_dy;
    if (!dx) return;
    const double m = (double)n * s;
    const float mean_dy = (float)(sum_dy / m), mean_dyxh = (float)(sum_dyxh / m), k = gamma * inv_std;
    for (int i = 0; i < n; i++) {
        const long base = ((long)i * c + ch) * s;
        const float *xr = x + base, *g = dy + base;
        float *out = dx + base;
        for (int p = 0; p < s; p++) {
            const float xh = (xr[p] - mean) * inv_std;
            out[p] = k * (g[p] - mean_dy - xh * mean_dyxh);
        }
    }
}
