// Exact k-nearest-neighbour search in bounded memory: 8-bit data through integer dot products
// (AVX-512 VNNI kernel, exact), other data through fp32 matrix multiplies in chunks with a candidate
// list re-ranked in double precision.
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
    /// Values are k·scale with integer k in 0...255.
    let scale: Float
    let rows: Int
    let paddedRows: Int
    let dpad: Int
    /// (value − 128) as signed bytes, paddedRows × dpad.
    let shifted: [Int8]
    /// ‖t‖² in integer units per padded row (padding rows: 1 << 30, above every real key).
    let keys: [Int32]
}

/// The 8-bit code of every element when all are k·scale (k integer in 0...255) for scale 1/255 or 1.
func eightBitCodes(_ x: Matrix) -> (codes: [UInt8], scale: Float)? {
    for scale: Float in [1.0 / 255.0, 1.0] {
        let inverse = 1 / scale
        var codes = [UInt8](repeating: 0, count: x.count)
        let ok: Bool = x.data.withUnsafeBufferPointer { a in
            codes.withUnsafeMutableBufferPointer { c in
                for i in 0..<a.count {
                    let v = a[i] * inverse
                    let r = v.rounded()
                    guard r >= 0, r <= 255, abs(v - r) <= 1e-3 else { return false }
                    c[i] = UInt8(r)
                }
                return true
            }
        }
        if ok { return (codes, scale) }
    }
    return nil
}

extension EightBitTrainingSet {
    init?(_ x: Matrix) {
        guard ck_cpu_has_vnni() != 0, x.cols <= 8192, x.rows < Int(Int32.max) - 64,
              let (codes, scale) = eightBitCodes(x) else { return nil }
        let (n, d) = (x.rows, x.cols)
        let dpad = (d + 3) & ~3
        let paddedRows = (n + Int(CK_TILE) - 1) / Int(CK_TILE) * Int(CK_TILE)
        var shifted = [Int8](repeating: 0, count: paddedRows * dpad)
        var keys = [Int32](repeating: 1 << 30, count: paddedRows)
        for i in 0..<n {
            var norm = 0
            for j in 0..<d {
                let v = Int(codes[i * d + j])
                shifted[i * dpad + j] = Int8(v - 128)
                norm += v * v
            }
            keys[i] = Int32(norm)
        }
        self.init(scale: scale, rows: n, paddedRows: paddedRows, dpad: dpad, shifted: shifted, keys: keys)
    }

    /// Exact Euclidean neighbours of `queries` (already checked to be 8-bit with the same scale).
    func search(codes: [UInt8], queryCount: Int, featureCount d: Int, k: Int) -> Neighbors {
        let panel = Int(CK_PANEL)
        let panels = (queryCount + panel - 1) / panel
        let padded = panels * panel
        var packed = [UInt8](repeating: 0, count: padded * dpad)
        codes.withUnsafeBufferPointer { c in
            packed.withUnsafeMutableBufferPointer { p in
                ck_pack_queries_u8(c.baseAddress, Int32(queryCount), Int32(d), p.baseAddress)
            }
        }
        var bestKey = [Int32](repeating: 0, count: padded * k)
        var bestIndex = [Int32](repeating: 0, count: padded * k)
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
                                                       Int32(k), bk.baseAddress, bi.baseAddress, th.baseAddress,
                                                       fl.baseAddress)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Squared distance = key + 256·Σq + ‖q‖² in integer units, times scale².
        var indices = [Int](repeating: 0, count: queryCount * k)
        var distances = [Double](repeating: 0, count: queryCount * k)
        let s2 = Double(scale) * Double(scale)
        for q in 0..<queryCount {
            var sum = 0, norm = 0
            for j in 0..<d { let v = Int(codes[q * d + j]); sum += v; norm += v * v }
            for r in 0..<k {
                indices[q * k + r] = Int(bestIndex[q * k + r])
                let squared = Int(bestKey[q * k + r]) + 256 * sum + norm
                distances[q * k + r] = (Double(max(squared, 0)) * s2).squareRoot()
            }
        }
        return Neighbors(k: k, indices: indices, distances: distances)
    }
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
                            sgemm(transA: false, transB: true, m: rows, n: cols, k: d, a: a.baseAddress!, lda: d,
                                  b: b.baseAddress! + t0 * d, ldb: d, c: c.baseAddress!, ldc: cols)
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
                                    Parallel.forRange(0..<rows, grain: 16) { r in
                                        for i in r {
                                            let q = q0 + i
                                            let keys = ck.baseAddress! + q * m, idx = ci.baseAddress! + q * m
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
                                                    let a = qp.baseAddress! + i * d, b = tp.baseAddress! + t * d
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
    var indices = [Int](repeating: 0, count: qCount * k)
    var distances = [Double](repeating: 0, count: qCount * k)
    train.data.withUnsafeBufferPointer { tp in
        queries.data.withUnsafeBufferPointer { qp in
            indices.withUnsafeMutableBufferPointer { outI in
                distances.withUnsafeMutableBufferPointer { outD in
                    Parallel.forRange(0..<qCount, grain: 64) { r in
                        for q in r {
                            var pairs: [(Double, Int)] = (0..<m).map { c in
                                let t = Int(candidateIndex[q * m + c])
                                return (exactDistance(qp.baseAddress! + q * d, tp.baseAddress! + t * d, d, metric), t)
                            }
                            pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
                            for c in 0..<k { outI[q * k + c] = pairs[c].1; outD[q * k + c] = pairs[c].0 }
                        }
                    }
                }
            }
        }
    }
    return Neighbors(k: k, indices: indices, distances: distances)
}

/// The distance between two rows in double precision.
func exactDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int, _ metric: DistanceMetric) -> Double {
    switch metric {
    case .euclidean:
        var s = 0.0
        for j in 0..<d { let t = Double(a[j]) - Double(b[j]); s += t * t }
        return s.squareRoot()
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
