// Matrix products of the module: the single-threaded blocked SGEMM of CNeuralKernels, and a
// parallel form that splits C into fixed blocks over the cores. Every element of C is summed over K
// in the same order however C is split, so results never depend on the thread count.
import CNeuralKernels
import Tensors

/// The module's compute kernels, public for benchmarks and tests.
public enum Kernels {
    /// True when the AVX-512 micro-kernel is in use (else a portable one).
    public static var usesAVX512: Bool { nk_uses_avx512() != 0 }

    /// C = op(A)·op(B) + beta·C on one thread (row-major; see `sgemm` of Tensors for the arguments).
    @inline(__always)
    public static func sgemmSingle(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                                   a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                                   beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        nk_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// C = op(A)·op(B) + beta·C split over the cores in blocks of rows (or columns, when C is wide).
    public static func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        let work = m * n * max(k, 1)
        // Each block packs its own copy of the shared operand, so the blocks are few: two per thread
        // (balance when another process takes a core), each at least ~2 M multiply-adds. Every
        // element of C is computed the same way whichever block holds it, so this split, unlike a
        // split of K, may follow the thread count without changing a bit of the result.
        let blocks = min(2 * Parallel.threadCount, max(1, work / 2_000_000))
        if blocks == 1 {
            sgemmSingle(transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
            return
        }
        if m >= n {
            let grain = (m + blocks - 1) / blocks
            let rows = max(10, (grain + 9) / 10 * 10)
            Parallel.forRange(0..<m, grain: rows) { r in
                let aStart = transA ? a + r.lowerBound : a + r.lowerBound * lda
                sgemmSingle(transA: transA, transB: transB, m: r.count, n: n, k: k, a: aStart, lda: lda, b: b, ldb: ldb,
                            beta: beta, c: c + r.lowerBound * ldc, ldc: ldc)
            }
        } else {
            let grain = (n + blocks - 1) / blocks
            let cols = max(32, (grain + 31) / 32 * 32)
            Parallel.forRange(0..<n, grain: cols) { r in
                let bStart = transB ? b + r.lowerBound * ldb : b + r.lowerBound
                sgemmSingle(transA: transA, transB: transB, m: m, n: r.count, k: k, a: a, lda: lda, b: bStart, ldb: ldb,
                            beta: beta, c: c + r.lowerBound, ldc: ldc)
            }
        }
    }
}
