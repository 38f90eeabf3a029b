// Matrix multiply at the machine's speed: OpenBLAS with the kernels chosen for this CPU when it is
// installed, the portable blocked kernel (split over the cores) when it is not.
import CTensorKernels

/// Which BLAS does the suite's matrix multiply.
public enum BLAS {
    /// True when OpenBLAS was found and is in use.
    public static var isOpenBLAS: Bool { tk_blas_loaded() != 0 }
    /// e.g. "OpenBLAS OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64, core SkylakeX".
    public static var description: String {
        _ = configured
        return String(cString: tk_blas_description())
    }
    /// OpenBLAS always runs one thread per call: the suite splits a product into blocks fixed by its
    /// shape and runs them over its own threads, so the result never depends on the thread count
    /// (OpenBLAS's own threading splits by thread count and changes the last bits with it).
    static let configured: Bool = {
        tk_blas_set_threads(1)
        return true
    }()
}

/// C = alpha·op(A)·op(B) + beta·C on raw row-major buffers. `op(A)` is m×k (A is stored k×m when
/// `transA`); `op(B)` is k×n (B is stored n×k when `transB`); lda/ldb/ldc are the stored row lengths.
@inlinable
public func sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    _sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
           b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// How a product is cut into independent blocks of C: along rows (m) or columns (n), in pieces of
/// `size`. Depends on the shape and the machine's core count alone, never on the thread count, so
/// `CVD_THREADS` changes the speed and not the bits.
@usableFromInline
struct GEMMSplit {
    let alongRows: Bool
    let size: Int

    /// One block per core for products above ~4 MFLOP per block (fewer, larger blocks: each block
    /// packs its own copy of the shared operand), each a multiple of 16 rows or columns.
    init(m: Int, n: Int, k: Int) {
        let work = m * n * max(k, 1)
        let blocks = max(1, min(Parallel.coreCount, work / 4_000_000))
        alongRows = m >= n
        let dim = alongRows ? m : n
        size = max(16, ((dim + blocks - 1) / blocks + 15) / 16 * 16)
    }
}

@usableFromInline
func _sgemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
            beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    guard m > 0, n > 0 else { return }
    _ = BLAS.configured
    let split = GEMMSplit(m: m, n: n, k: k)
    let dim = split.alongRows ? m : n
    // Each block is one single-threaded call on its own rows (or columns) of C, so the blocks write
    // disjoint outputs and may run in any order on any number of threads.
    Parallel.forRange(0..<dim, grain: split.size) { r in
        if split.alongRows {
            let aStart = transA ? a + r.lowerBound : a + r.lowerBound * lda
            tk_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(r.count), Int32(n), Int32(k), alpha,
                     aStart, Int32(lda), b, Int32(ldb), beta, c + r.lowerBound * ldc, Int32(ldc))
        } else {
            let bStart = transB ? b + r.lowerBound * ldb : b + r.lowerBound
            tk_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(r.count), Int32(k), alpha,
                     a, Int32(lda), bStart, Int32(ldb), beta, c + r.lowerBound, Int32(ldc))
        }
    }
}

extension Matrix {
    /// op(self) · op(other), where op transposes when asked: `a.matmul(b, transposeOther: true)` is A·Bᵀ.
    public func matmul(_ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? cols : rows
        let k = transposeSelf ? rows : cols
        let k2 = transposeOther ? other.cols : other.rows
        let n = transposeOther ? other.rows : other.cols
        precondition(k == k2, "matmul: inner dimensions differ (\(k) vs \(k2))")
        var out = Matrix(rows: m, cols: n)
        Matrix.multiply(self, transposeA: transposeSelf, other, transposeB: transposeOther, into: &out)
        return out
    }

    /// c = alpha·op(a)·op(b) + beta·c, writing into an existing matrix of the right shape.
    public static func multiply(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                                alpha: Float = 1, beta: Float = 0, into c: inout Matrix) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition(k == (transposeB ? b.cols : b.rows), "multiply: inner dimensions differ")
        precondition(c.rows == m && c.cols == n, "multiply: output is \(c.rows)×\(c.cols), expected \(m)×\(n)")
        if k == 0 {  // empty inner dimension: C = beta·C (and the buffers may have no address)
            for i in c.data.indices { c.data[i] = beta == 0 ? 0 : beta * c.data[i] }
            return
        }
        a.data.withUnsafeBufferPointer { pa in
            b.data.withUnsafeBufferPointer { pb in
                c.data.withUnsafeMutableBufferPointer { pc in
                    guard let ab = pa.baseAddress, let bb = pb.baseAddress, let cb = pc.baseAddress else { return }
                    sgemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: alpha,
                          a: ab, lda: a.cols, b: bb, ldb: b.cols, beta: beta, c: cb, ldc: c.cols)
                }
            }
        }
    }
}
