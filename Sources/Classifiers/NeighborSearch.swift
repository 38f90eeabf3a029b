// Exact k-nearest-neighbour search in bounded memory: candidates from integer dot products on 8-bit
// data (AVX-512 VNNI kernel) or from fp32 matrix multiplies in chunks on other data, re-ranked by the
// double-precision distance of the float values, so the result is that of a plain double loop.
//
// Legend: Q = queries, T = training rows, D = features, k = neighbours, m = k + extra candidates.
import CClassicalKernels
import Foundation
import Tensors

/// The distance between feature vectors used by `KNearestNeighbors`.
public enum DistanceMetric: String, Sendable, CaseIterable {
    /// ‖a − b‖₂.
    case euclidean
    /// Σ|aⱼ − bⱼ|.
    case manhattan
    /// 1 − a·b / (‖a‖‖b‖); a zero vector is at distance 1 from everything.
    case cosine
}

/// The k nearest training rows of each query: row q's neighbours are `indices[q*k ..< (q+1)*k]`,
/// nearest first; equal distances list the smaller training index first.
public struct Neighbors: Equatable, Sendable {
    public let k: Int
    /// Training-row indices, Q × k, row-major.
    public let indices: [Int]
    /// Distances in the metric, Q × k, row-major, ascending within each query.
    public let distances: [Double]
}

/// How a set of 8-bit training values is stored for the integer kernel.
struct EightBitTrainingSet: Sendable {
    /// Values are k·scale with integer k in 0...255, up to `error` (below).
    let scale: Float
    /// The largest |value − k·scale| / scale over the training values, in code units (the values are
    /// floats such as Float(k)/255, not exact multiples of 1/255).
    let error: Double
    let rows: Int
    let paddedRows: Int
    let dpad: Int
    /// (value − 128) as signed bytes, paddedRows × dpad.
    let shifted: [Int8]
    /// ‖t‖² in integer units per padded row (padding rows: 1 << 30, above every real key).
    let keys: [Int32]
}

/// The 8-bit code of every element when all are k·scale (k integer in 0...255, to within 1e-3 of a
/// step) for scale 1/255 or 1, with the largest deviation from k·scale in code units.
func eightBitCodes(_ x: Matrix) -> (codes: [UInt8], scale: Float, error: Double)? {
    for scale: Float in [1.0 / 255.0, 1.0] {
        let inverse = 1 / Double(scale)
        var codes = [UInt8](repeating: 0, count: x.count)
        // Per chunk: the largest deviation, or nil at the first value that is not 8-bit.
        let worst: [Double?] = x.data.withUnsafeBufferPointer { a in
            codes.withUnsafeMutableBufferPointer { c in
                Parallel.mapChunks(0..<a.count, grain: 1 << 16) { r -> Double? in
                    var worst = 0.0
                    for i in r {
                        let v = Double(a[i]) * inverse
                        guard v > -0.5, v < 255.5 else { return nil }
                        // Truncating v + 0.5 > 0 rounds to nearest without a library call.
                        let code = Int(v + 0.5)
                        let deviation = abs(v - Double(code))
                        guard deviation <= 1e-3 else { return nil }
                        c[i] = UInt8(truncatingIfNeeded: code)
                        worst = max(worst, deviation)
                    }
                    return worst
                }
            }
        }
        let measured = worst.compactMap { $0 }
        guard measured.count == worst.count else { continue }
        let largest = measured.reduce(0.0, max)
        // The deviation is measured in double; a little more covers the rounding of that measure.
        return (codes, scale, largest == 0 ? 0 : largest * (1 + 1e-9) + 1e-12)
    }
    return nil
}

extension EightBitTrainingSet {
    init?(_ x: Matrix) {
        guard ck_cpu_has_vnni() != 0, x.cols <= 8192, x.rows < Int(Int32.max) - 64,
              let (codes, scale, error) = eightBitCodes(x) else { return nil }
        let (n, d) = (x.rows, x.cols)
        let dpad = (d + 3) & ~3
        let paddedRows = (n + Int(CK_TILE) - 1) / Int(CK_TILE) * Int(CK_TILE)
        var shifted = [Int8](repeating: 0, count: paddedRows * dpad)
        var keys = [Int32](repeating: 1 << 30, count: paddedRows)
        codes.withUnsafeBufferPointer { c in
            shifted.withUnsafeMutableBufferPointer { sh in
                keys.withUnsafeMutableBufferPointer { ky in
                    Parallel.forRange(0..<n, grain: 1024) { r in
                        for i in r {
                            var norm = 0
                            for j in 0..<d {
                                let v = Int(c[i * d + j])
                                sh[i * dpad + j] = Int8(v - 128)
                                norm += v * v
                            }
                            ky[i] = Int32(norm)
                        }
                    }
                }
            }
        }
        self.init(scale: scale, error: error, rows: n, paddedRows: paddedRows, dpad: dpad, shifted: shifted, keys: keys)
    }

    /// Exact Euclidean neighbours of `queries` (whose 8-bit codes, with the same scale, are `codes`
    /// and deviate from them by at most `queryError`), with the same order and ties as a loop over
    /// every training row in double precision.
    ///
    /// The integer kernel ranks by the distance of the codes, which differs from the distance of the
    /// float values by at most M(D²) = 2ε·√(D·D²) + D·ε² code units² (ε = largest deviation of a
    /// train plus a query value; the L1 distance is at most √(D·D²)). It keeps m > k candidates.
    /// When the first k + 1 code distances are farther apart than their margins, their order is the
    /// float order; otherwise the candidates are re-ranked by the double-precision distance of the
    /// float values. When the m-th
    /// candidate's code distance minus its margin does not clear the k-th re-ranked distance (a tie
    /// group or near-tie group larger than m), that query is searched in double over every row.
    func search(codes: [UInt8], queryError: Double, queries: Matrix, train: Matrix, k: Int) -> Neighbors {
        let (queryCount, d) = (queries.rows, queries.cols)
        let m = min(rows, k + max(8, k))
        let panel = Int(CK_PANEL)
        let panels = (queryCount + panel - 1) / panel
        let padded = panels * panel
        var packed = [UInt8](repeating: 0, count: padded * dpad)
        codes.withUnsafeBufferPointer { c in
            packed.withUnsafeMutableBufferPointer { p in
                ck_pack_queries_u8(c.baseAddress, Int32(queryCount), Int32(d), p.baseAddress)
            }
        }
        var bestKey = [Int32](repeating: 0, count: padded * m)
        var bestIndex = [Int32](repeating: 0, count: padded * m)
        var threshold = [Int32](repeating: Int32.max, count: padded)
        var filled = [Int32](repeating: 0, count: padded)
        packed.withUnsafeBufferPointer { pq in
            shifted.withUnsafeBufferPointer { t in
                keys.withUnsafeBufferPointer { tk in
                    bestKey.withUnsafeMutableBufferPointer { bk in
                        bestIndex.withUnsafeMutableBufferPointer { bi in
                            threshold.withUnsafeMutableBufferPointer { th in
                                filled.withUnsafeMutableBufferPointer { fl in
                                    // Each task owns its queries and visits the training rows in order,
                                    // so the result does not depend on the split or the thread count.
                                    Parallel.forRange(0..<panels, grain: 8) { r in
                                        ck_knn_u8_vnni(pq.baseAddress, Int32(r.lowerBound), Int32(r.upperBound),
                                                       Int32(dpad), t.baseAddress, Int32(paddedRows), tk.baseAddress,
                                                       Int32(m), bk.baseAddress, bi.baseAddress, th.baseAddress,
                                                       fl.baseAddress)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let epsilon = error + queryError
        let s2 = Double(scale) * Double(scale)
        var indices = [Int](repeating: 0, count: queryCount * k)
        var distances = [Double](repeating: 0, count: queryCount * k)
        var needsFullSearch = [Bool](repeating: false, count: queryCount)
        train.data.withUnsafeBufferPointer { tp in
            queries.data.withUnsafeBufferPointer { qp in
                indices.withUnsafeMutableBufferPointer { outI in
                    distances.withUnsafeMutableBufferPointer { outD in
                        needsFullSearch.withUnsafeMutableBufferPointer { full in
                            guard let tb = tp.baseAddress, let qb = qp.baseAddress else { return }   // no values: nothing to rank
                            Parallel.forRange(0..<queryCount, grain: 64) { r in
                                var pairs = [(Double, Int)](repeating: (0, 0), count: m)
                                for q in r {
                                    let query = qb + q * d
                                    // Code distance of candidate c: key + ‖q‖² − 256·Σq, and how far the
                                    // float values' distance (in code units) can be from it; 1e-9
                                    // relative covers the rounding of the double sums.
                                    var sum = 0, norm = 0
                                    for j in 0..<d { let v = Int(codes[q * d + j]); sum += v; norm += v * v }
                                    let offset = norm - 256 * sum
                                    func codeDistance(_ c: Int) -> Double { Double(Int(bestKey[q * m + c]) + offset) }
                                    func margin(_ d2: Double) -> Double {
                                        2 * epsilon * (Double(d) * max(d2, 0)).squareRoot() + Double(d) * epsilon * epsilon
                                            + 1e-9 * max(d2, 0) + 1e-9
                                    }
                                    // When the first k + 1 code distances are farther apart than their
                                    // margins, the float order of the first k is theirs and no other
                                    // row can come before the k-th: only their distances are needed.
                                    if k < m, (0..<k).allSatisfy({ c in
                                        let (a, b) = (codeDistance(c), codeDistance(c + 1))
                                        return b - margin(b) > a + margin(a)
                                    }) {
                                        for c in 0..<k {
                                            let t = Int(bestIndex[q * m + c])
                                            outI[q * k + c] = t
                                            outD[q * k + c] = squaredEuclidean(query, tb + t * d, d).squareRoot()
                                        }
                                        continue
                                    }
                                    for c in 0..<m {
                                        let t = Int(bestIndex[q * m + c])
                                        pairs[c] = (squaredEuclidean(query, tb + t * d, d), t)
                                    }
                                    pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                                    // With ε = 0 (integer-valued data) the codes' order, ties by index,
                                    // is the exact order: the kernel's m candidates suffice.
                                    if m < rows && epsilon > 0 {
                                        let last = codeDistance(m - 1)
                                        if !(last - margin(last) > pairs[k - 1].0 / s2) { full[q] = true; continue }
                                    }
                                    for c in 0..<k {
                                        outI[q * k + c] = pairs[c].1
                                        outD[q * k + c] = pairs[c].0.squareRoot()
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        let unresolved = (0..<queryCount).filter { needsFullSearch[$0] }
        if !unresolved.isEmpty {
            let found = exhaustiveNeighbors(train: train, queries: queries.rows(unresolved), k: k, metric: .euclidean)
            for (i, q) in unresolved.enumerated() {
                for c in 0..<k {
                    indices[q * k + c] = found.indices[i * k + c]
                    distances[q * k + c] = found.distances[i * k + c]
                }
            }
        }
        return Neighbors(k: k, indices: indices, distances: distances)
    }
}

/// Every training row's distance in double precision, sorted by (distance, index): the reference
/// the fast paths fall back to when their candidate lists cannot prove the order.
func exhaustiveNeighbors(train: Matrix, queries: Matrix, k: Int, metric: DistanceMetric) -> Neighbors {
    rerank(train: train, queries: queries, k: k, metric: metric, candidateCount: train.rows, grain: 4) { _, c in c }
}

/// The k nearest of each query's candidate training rows (`candidate(q, c)` for c < candidateCount)
/// by the double-precision distance, equal distances by the smaller index.
func rerank(train: Matrix, queries: Matrix, k: Int, metric: DistanceMetric, candidateCount: Int, grain: Int,
            candidate: (Int, Int) -> Int) -> Neighbors {
    let (d, qCount) = (train.cols, queries.rows)
    var indices = [Int](repeating: 0, count: qCount * k)
    var distances = [Double](repeating: 0, count: qCount * k)
    train.data.withUnsafeBufferPointer { tp in
        queries.data.withUnsafeBufferPointer { qp in
            indices.withUnsafeMutableBufferPointer { outI in
                distances.withUnsafeMutableBufferPointer { outD in
                    guard let tb = tp.baseAddress, let qb = qp.baseAddress else { return }   // no values: nothing to rank
                    Parallel.forRange(0..<qCount, grain: grain) { r in
                        var pairs = [(Double, Int)](repeating: (0, 0), count: candidateCount)
                        for q in r {
                            let query = qb + q * d
                            for c in 0..<candidateCount {
                                let t = candidate(q, c)
                                pairs[c] = (rankingDistance(query, tb + t * d, d, metric), t)
                            }
                            let best = smallest(k, of: pairs)
                            for c in 0..<k {
                                outI[q * k + c] = best[c].1
                                outD[q * k + c] = metric == .euclidean ? best[c].0.squareRoot() : best[c].0
                            }
                        }
                    }
                }
            }
        }
    }
    return Neighbors(k: k, indices: indices, distances: distances)
}

/// The k smallest (value, index) pairs in ascending order, equal values by the smaller index.
func smallest(_ k: Int, of pairs: [(Double, Int)]) -> [(Double, Int)] {
    var best: [(Double, Int)] = []
    best.reserveCapacity(k + 1)
    for p in pairs {
        if best.count == k, let last = best.last, !(p.0 < last.0 || (p.0 == last.0 && p.1 < last.1)) { continue }
        var pos = best.count
        best.append(p)
        while pos > 0 && (best[pos - 1].0 > p.0 || (best[pos - 1].0 == p.0 && best[pos - 1].1 > p.1)) {
            best[pos] = best[pos - 1]
            pos -= 1
        }
        best[pos] = p
        if best.count > k { best.removeLast() }
    }
    return best
}

/// Float path: distances through chunked matrix multiplies (Euclidean, cosine) or direct loops
/// (Manhattan), a candidate list of m = k + extra per query, then the candidates' distances again
/// in double precision and the k best by (distance, index).
func floatNeighborSearch(train: Matrix, trainNorms: [Float], queries: Matrix, k: Int, metric: DistanceMetric) -> Neighbors {
    let (n, d, qCount) = (train.rows, train.cols, queries.rows)
    let m = min(n, k + max(k, 16))
    let queryNorms = queries.rowSquaredNorms()
    let queryChunk = 1024, trainChunk = 4096
    var candidateKey = [Float](repeating: 0, count: qCount * m)
    var candidateIndex = [Int32](repeating: 0, count: qCount * m)
    var filled = [Int](repeating: 0, count: qCount)
    var buffer = Matrix(rows: min(queryChunk, qCount), cols: min(trainChunk, n))
    for q0 in stride(from: 0, to: qCount, by: queryChunk) {
        let q1 = min(q0 + queryChunk, qCount)
        let qBlock = queries.rows(q0..<q1)
        for t0 in stride(from: 0, to: n, by: trainChunk) {
            let t1 = min(t0 + trainChunk, n)
            let (rows, cols) = (q1 - q0, t1 - t0)
            if metric != .manhattan {
                qBlock.data.withUnsafeBufferPointer { a in
                    train.data.withUnsafeBufferPointer { b in
                        buffer.data.withUnsafeMutableBufferPointer { c in
                            // An empty operand leaves no product to compute.
                            guard let a = a.baseAddress, let b = b.baseAddress, let c = c.baseAddress else { return }
                            sgemm(transA: false, transB: true, m: rows, n: cols, k: d, a: a, lda: d,
                                  b: b + t0 * d, ldb: d, c: c, ldc: cols)
                        }
                    }
                }
            }
            buffer.data.withUnsafeMutableBufferPointer { s in
                candidateKey.withUnsafeMutableBufferPointer { ck in
                    candidateIndex.withUnsafeMutableBufferPointer { ci in
                        filled.withUnsafeMutableBufferPointer { fl in
                            train.data.withUnsafeBufferPointer { tp in
                                qBlock.data.withUnsafeBufferPointer { qp in
                                    // No candidates kept or no values: nothing to rank.
                                    guard let ckb = ck.baseAddress, let cib = ci.baseAddress,
                                          let tb = tp.baseAddress, let qb = qp.baseAddress else { return }
                                    Parallel.forRange(0..<rows, grain: 16) { r in
                                        for i in r {
                                            let q = q0 + i
                                            let keys = ckb + q * m, idx = cib + q * m
                                            let qn = queryNorms[q].squareRoot()
                                            for j in 0..<cols {
                                                let t = t0 + j
                                                let key: Float
                                                switch metric {
                                                case .euclidean: key = trainNorms[t] - 2 * s[i * cols + j]
                                                case .cosine:
                                                    let denominator = qn * trainNorms[t].squareRoot()
                                                    key = denominator > 0 ? 1 - s[i * cols + j] / denominator : 1
                                                case .manhattan:
                                                    var sum: Float = 0
                                                    let a = qb + i * d, b = tb + t * d
                                                    for f in 0..<d { sum += abs(a[f] - b[f]) }
                                                    key = sum
                                                }
                                                let count = fl[q]
                                                if count == m && key >= keys[m - 1] { continue }
                                                var pos = count < m ? count : m - 1
                                                while pos > 0 && keys[pos - 1] > key {
                                                    keys[pos] = keys[pos - 1]; idx[pos] = idx[pos - 1]; pos -= 1
                                                }
                                                keys[pos] = key
                                                idx[pos] = Int32(t)
                                                if count < m { fl[q] = count + 1 }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // Re-rank the m candidates of every query by the distance in double precision.
    var found = rerank(train: train, queries: queries, k: k, metric: metric, candidateCount: m, grain: 64) { q, c in
        Int(candidateIndex[q * m + c])
    }
    guard m < n, k > 0 else { return found }
    // The float keys are off from the exact distances by rounding: a row left out of the m
    // candidates has a float key at least the m-th, so its exact distance is at least the m-th key
    // minus the largest rounding error. When that does not clear the k-th re-ranked distance (a
    // group of equal or nearly equal distances larger than m, as on data with few distinct values),
    // that query is searched again over every row in double precision.
    let u = Double(Float.ulpOfOne) / 2
    let gamma = 2 * Double(d + 4) * u
    let largestTrainNorm = Double(trainNorms.max() ?? 0).squareRoot()
    let unresolved = (0..<qCount).filter { q in
        let last = Double(candidateKey[q * m + m - 1])
        let kth = found.distances[q * k + k - 1]
        let qn = Double(queryNorms[q]).squareRoot()
        switch metric {
        case .euclidean:
            let bound = gamma * (largestTrainNorm + qn) * (largestTrainNorm + qn) * 2
            return !(last + Double(queryNorms[q]) - bound > kth * kth * (1 + 1e-12))
        case .cosine:
            return !(last - gamma * 4 > kth * (1 + 1e-12) + 1e-15)
        case .manhattan:
            return !(last * (1 - gamma) > kth * (1 + 1e-12))
        }
    }
    if !unresolved.isEmpty {
        let exact = exhaustiveNeighbors(train: train, queries: queries.rows(unresolved), k: k, metric: metric)
        var indices = found.indices, distances = found.distances
        for (i, q) in unresolved.enumerated() {
            for c in 0..<k {
                indices[q * k + c] = exact.indices[i * k + c]
                distances[q * k + c] = exact.distances[i * k + c]
            }
        }
        found = Neighbors(k: k, indices: indices, distances: distances)
    }
    return found
}

/// Σ (aⱼ − bⱼ)² in double precision, summed in feature order. Each difference of two floats and its
/// square are exact in double, so this is the exact squared distance up to the rounding of the sum.
@inline(__always)
func squaredEuclidean(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Double {
    var s = 0.0
    for j in 0..<d { let t = Double(a[j]) - Double(b[j]); s += t * t }
    return s
}

/// The value neighbours are ranked by, in double precision: the squared distance for Euclidean (so
/// that two distances whose square roots round alike still rank apart), the distance otherwise.
func rankingDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int, _ metric: DistanceMetric) -> Double {
    switch metric {
    case .euclidean:
        return squaredEuclidean(a, b, d)
    case .manhattan:
        var s = 0.0
        for j in 0..<d { s += abs(Double(a[j]) - Double(b[j])) }
        return s
    case .cosine:
        var ab = 0.0, aa = 0.0, bb = 0.0
        for j in 0..<d { ab += Double(a[j]) * Double(b[j]); aa += Double(a[j]) * Double(a[j]); bb += Double(b[j]) * Double(b[j]) }
        return aa > 0 && bb > 0 ? 1 - ab / (aa * bb).squareRoot() : 1
    }
}
