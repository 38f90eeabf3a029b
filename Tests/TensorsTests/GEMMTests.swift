// SGEMM against a naive Double reference: odd shapes, all four transpose combinations, alpha/beta,
// through the suite's multiply (OpenBLAS when present) and through the portable kernel.
import XCTest
import CTensorKernels
import Tensors

final class GEMMTests: XCTestCase {
    /// op(A)·op(B)·alpha + beta·C in Double, with A stored k×m when transA and B stored n×k when transB.
    func reference(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, alpha: Double, beta: Double,
                   a: [Float], b: [Float], c: [Float]) -> [Double] {
        var out = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = transA ? a[p * m + i] : a[i * k + p]
                    let bv = transB ? b[j * k + p] : b[p * n + j]
                    s += Double(av) * Double(bv)
                }
                out[i * n + j] = alpha * s + beta * Double(c[i * n + j])
            }
        }
        return out
    }

    func check(useBuiltin: Bool) {
        var rng = Xoshiro256(seed: 7)
        // The last two are large enough to be split into blocks on a multi-core machine: along rows
        // (m ≥ n) and along columns (n > m), with block edges that are not multiples of 16.
        let shapes = [(1, 1, 1), (3, 5, 7), (17, 1, 33), (65, 70, 129), (130, 97, 300), (1, 257, 5), (200, 3, 1),
                      (301, 257, 129), (91, 501, 203)]
        var worst = 0.0
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
                    let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
                    var c = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
                    let want = reference(transA, transB, m: m, n: n, k: k, alpha: 0.75, beta: -0.5, a: a, b: b, c: c)
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            c.withUnsafeMutableBufferPointer { pc in
                                let lda = transA ? m : k, ldb = transB ? k : n
                                if useBuiltin {
                                    tk_sgemm_builtin(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), 0.75,
                                                     pa.baseAddress, Int32(lda), pb.baseAddress, Int32(ldb), -0.5,
                                                     pc.baseAddress, Int32(n))
                                } else {
                                    sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.75,
                                          a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: -0.5,
                                          c: pc.baseAddress!, ldc: n)
                                }
                            }
                        }
                    }
                    for i in 0..<(m * n) {
                        let diff = abs(Double(c[i]) - want[i])
                        worst = max(worst, diff)
                        // fp32 accumulation over k terms of size ≤ 1: allow k·2⁻²² absolute plus 1e-5 relative.
                        let tolerance = Double(k) * 2.4e-7 + 1e-5 * abs(want[i])
                        if diff > tolerance {
                            XCTFail("\(useBuiltin ? "builtin" : BLAS.description) m=\(m) n=\(n) k=\(k) transA=\(transA) transB=\(transB): element \(i) differs by \(diff) (tolerance \(tolerance))")
                            return
                        }
                    }
                }
            }
        }
        print("largest difference from the Double reference (\(useBuiltin ? "builtin" : BLAS.description)): \(worst)")
    }

    func testSuiteMultiplyMatchesDoubleReference() { check(useBuiltin: false) }

    func testPortableKernelMatchesDoubleReference() { check(useBuiltin: true) }

    func testMatmulShapesAndTransposes() {
        let a = Matrix([[1, 2, 3], [4, 5, 6]])  // 2×3
        let b = Matrix([[1, 0], [0, 1], [1, 1]])  // 3×2
        XCTAssertEqual(a.matmul(b), Matrix([[4, 5], [10, 11]]))
        XCTAssertEqual(a.matmul(a, transposeOther: true), Matrix([[14, 32], [32, 77]]))
        XCTAssertEqual(a.matmul(a, transposeSelf: true), Matrix([[17, 22, 27], [22, 29, 36], [27, 36, 45]]))
        XCTAssertEqual(b.matmul(a, transposeSelf: true, transposeOther: true), Matrix([[4, 10], [5, 11]]))
        XCTAssertEqual(a.transposed(), Matrix([[1, 4], [2, 5], [3, 6]]))
    }

    func testEmptyInnerDimensionScalesC() {
        var c = Matrix(rows: 2, cols: 2, repeating: 3)
        Matrix.multiply(Matrix(rows: 2, cols: 0), Matrix(rows: 0, cols: 2), beta: 0.5, into: &c)
        XCTAssertEqual(c.data, [1.5, 1.5, 1.5, 1.5])
    }
}
