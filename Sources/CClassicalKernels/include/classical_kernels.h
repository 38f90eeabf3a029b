// C side of the classical models: an exact nearest-neighbour search for 8-bit data with AVX-512 VNNI
// integer dot products (4x the fp32 throughput, and exact, so ties are real ties).
#ifndef CLASSICAL_KERNELS_H
#define CLASSICAL_KERNELS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Queries per panel of the packed query layout (three 16-lane vectors).
#define CK_PANEL 48
/// Training rows per register tile; the training row count passed to the kernel is a multiple of it.
#define CK_TILE 8

/// 1 when this CPU (and OS) supports AVX-512 F/BW and VNNI, so `ck_knn_u8_vnni` may run.
int ck_cpu_has_vnni(void);

/// Packs `n` queries of `d` unsigned bytes (row-major, row stride `d`) into panels of CK_PANEL
/// queries: packed[panel][g][q][4] holds bytes 4g..4g+3 of query panel*CK_PANEL+q, with missing
/// queries and bytes beyond `d` set to 0. `packed` has ceil(n/CK_PANEL)*CK_PANEL*dpad bytes, where
/// dpad = d rounded up to a multiple of 4.
void ck_pack_queries_u8(const uint8_t *queries, int n, int d, uint8_t *packed);

/// Exact k nearest neighbours by integer Euclidean distance, for query panels [panelStart, panelEnd).
///
/// train: rows × dpad signed bytes, value − 128 of each 8-bit training value (padding bytes 0);
///        `rows` is a multiple of CK_TILE.
/// trainKey: per training row, ‖t‖² (padding rows: a value above any real key, e.g. 1 << 30).
/// For every query q of the panels, keeps the k smallest keys ‖t‖² − 2·(q·(t − 128)) (the squared
/// distance minus a per-query constant) in bestKey[q*k ..] ascending with their row in bestIndex;
/// equal keys keep the smaller row first. threshold[q] must start at INT32_MAX and bestKey/bestIndex
/// need no initial value. Rows are visited in increasing order.
void ck_knn_u8_vnni(const uint8_t *packedQueries, int panelStart, int panelEnd, int dpad,
                    const int8_t *train, int rows, const int32_t *trainKey, int k,
                    int32_t *bestKey, int32_t *bestIndex, int32_t *threshold, int32_t *filled);

/// Z = X·W for a narrow W: X is n × d (row stride d), W is packed d × 16 (columns ≥ its real width
/// are 0), Z is n × 16. Memory-bound products like this run far below a BLAS's peak, so they get
/// their own kernel.
void ck_times_narrow(const float *x, int n, int d, const float *w16, float *z16);

/// The same for the rows rowIndex[0..n) of x: z16 row i is x[rowIndex[i]]·W.
void ck_times_narrow_rows(const float *x, int d, const int32_t *rowIndex, int n, const float *w16, float *z16);

/// One fused pass of multinomial logistic regression over rows [0, n): z = x·W + b (K ≤ 16 classes,
/// W packed d × 16, b 16 values, zero beyond K), a = softmax(z), then
/// gradW (d × 16) += xᵀ(a − onehot(y)) and gradB (16) += Σ(a − onehot(y)) (both accumulated, not
/// cleared). Returns Σ −log a_y over the rows.
double ck_softmax_cross_entropy(const float *x, int n, int d, const int32_t *y, const float *w16,
                                const float *b16, int k, float *gradW16, float *gradB16);

/// Triangle code (Coates & Ng: f_k = max(0, mean(z) − z_k), z_k = distance of the patch to word k)
/// of P patches, each added into its cell of every pooling grid. products: P × K patch·word dot
/// products; patchNorm: P squared norms; wordNorm: K squared norms; cellOffset: P × G start indices
/// into `feature` of each patch's cell in each grid; code: K floats of scratch space.
void ck_encode_triangle(const float *products, int P, int K, const float *patchNorm, const float *wordNorm,
                        const int32_t *cellOffset, int G, float *feature, float *code);

/// Hard assignment: adds 1 at the nearest word (smaller index on ties) in each patch's cells.
void ck_encode_hard(const float *products, int P, int K, const float *wordNorm, const int32_t *cellOffset,
                    int G, float *feature);

/// Nearest center of each of `rows` points from their dot products with the K centers (s, rows × K):
/// label = argmin_k centerNorm[k] − 2·s[i][k] (smaller index on ties), dist = max(0, rowNorm[i] + that
/// minimum), the squared distance.
void ck_nearest_rows(const float *s, int rows, int K, const float *centerNorm, const float *rowNorm, int32_t *label,
                     float *dist);

/// Σ a[j]·b[j] over n floats (the linear SVM's margin of one row); a fixed summation order per CPU.
float ck_dot(const float *a, const float *b, int n);

/// y[j] += alpha·x[j] over n floats (the linear SVM's weight update).
void ck_axpy(float alpha, const float *x, float *y, int n);

/// Asks the CPU to load the n floats at p into its caches (the next row of a random sweep).
void ck_prefetch(const float *p, int n);

#ifdef __cplusplus
}
#endif

#endif
