// The module's own SGEMM against a Double reference: every transpose, shapes that leave partial
// micro-panels on every edge, K over several blocks, B read in place and packed, and beta.
import NeuralNetworks
import Tensors
import XCTest

final class KernelTests: XCTestCase {
    func testSGEMMMatchesDoubleReference() {
        checkSGEMM()
    }

    /// The portable micro-kernel (a CPU without AVX-512) against the same reference.
    func testPortableSGEMMMatchesDoubleReference() {
        CPUFeatures.withLimit(.portable) {
            XCTAssertFalse(Kernels.usesAVX512)
            checkSGEMM()
        }
    }

    /// The AVX2 + FMA micro-kernel (CPUs without AVX-512) against the same reference.
    func testAVX2SGEMMMatchesDoubleReference() throws {
        try XCTSkipUnless(CPUFeatures.hardware.contains(.avx2), "the CPU has no AVX2")
        CPUFeatures.withLimit(.avx2) {
            XCTAssertFalse(Kernels.usesAVX512)
            checkSGEMM()
        }
    }

    /// Where the CPU has both, the AVX2 kernel sums every element in the AVX-512 kernel's order:
    /// the same bits.
    func testAVX2AndAVX512KernelsGiveTheSameBits() throws {
        try XCTSkipUnless(CPUFeatures.hardware.isSuperset(of: [.avx2, .avx512]), "the CPU lacks AVX2 or AVX-512")
        var rng = Xoshiro256(seed: 5)
        let (m, n, k) = (37, 75, 300)
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        func product() -> [Float] {
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        Kernels.sgemmSingle(transA: false, transB: true, m: m, n: n, k: k, a: ap.baseAddress!, lda: k,
                                            b: bp.baseAddress!, ldb: k, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            return c
        }
        let wide = product()
        XCTAssertEqual(CPUFeatures.withLimit(.avx2) { product() }, wide)
    }

    private func checkSGEMM() {
        var rng = Xoshiro256(seed: 11)
        // (m, n, k): edges of 10-row and 32/16-column panels, K = 1, one block, uneven blocks, 2 blocks.
        let shapes = [(1, 1, 1), (7, 5, 3), (10, 16, 196), (23, 45, 257), (50, 196, 500), (64, 100, 784), (3, 1100, 40), (31, 33, 600)]
        for (m, n, k) in shapes {
            for transA in [false, true] {
                for transB in [false, true] {
                    for beta: Float in [0, 1, 0.5] {
                        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }
                        let b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
                        let c0 = (0..<(m * n)).map { _ in rng.uniform(-1, 1) }
                        var c = c0
                        let lda = transA ? m : k, ldb = transB ? k : n
                        a.withUnsafeBufferPointer { ap in
                            b.withUnsafeBufferPointer { bp in
                                c.withUnsafeMutableBufferPointer { cp in
                                    Kernels.sgemm(transA: transA, transB: transB, m: m, n: n, k: k, a: ap.baseAddress!, lda: lda,
                                                  b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: n)
                                }
                            }
                        }
                        var worst = 0.0
                        for i in 0..<m {
                            for j in 0..<n {
                                var s = Double(beta) * Double(c0[i * n + j]), scale = abs(s)
                                for p in 0..<k {
                                    let av = transA ? a[p * m + i] : a[i * k + p], bv = transB ? b[j * k + p] : b[p * n + j]
                                    s += Double(av) * Double(bv)
                                    scale += abs(Double(av) * Double(bv))
                                }
                                // Float32 rounding grows with the sum of the magnitudes of the terms.
                                worst = max(worst, abs(Double(c[i * n + j]) - s) / max(scale, 1e-30))
                            }
                        }
                        XCTAssertLessThan(worst, 4e-6, "m \(m) n \(n) k \(k) transA \(transA) transB \(transB) beta \(beta): largest difference relative to Σ|a·b| \(worst)")
                    }
                }
            }
        }
    }

    /// The split of C over the threads changes with the thread count; the bits of C must not.
    func testSGEMMIsTheSameOnAnyThreadCount() {
        var rng = Xoshiro256(seed: 12)
        let (m, n, k) = (130, 700, 300)
        let a = (0..<(m * k)).map { _ in rng.uniform(-1, 1) }, b = (0..<(k * n)).map { _ in rng.uniform(-1, 1) }
        func product(threads: Int, transB: Bool) -> [Float] {
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            var c = [Float](repeating: 0, count: m * n)
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        Kernels.sgemm(transA: false, transB: transB, m: m, n: n, k: k, a: ap.baseAddress!, lda: k, b: bp.baseAddress!,
                                      ldb: transB ? k : n, c: cp.baseAddress!, ldc: n)
                    }
                }
            }
            return c
        }
        for transB in [false, true] {
            let one = product(threads: 1, transB: transB)
            XCTAssertEqual(one, product(threads: 2, transB: transB))
            XCTAssertEqual(one, product(threads: 5, transB: transB))
        }
    }
}
