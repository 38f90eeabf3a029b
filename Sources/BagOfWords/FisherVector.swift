// Fisher vectors (Perronnin & Dance 2007; "improved": Perronnin, Sánchez, Mensink, ECCV 2010) and
// VLAD (Jégou et al., CVPR 2010) of a set of local descriptors, as VLFeat 0.9.21's
// vl_fisher_encode and vl_vlad_encode compute them, and spatial-pyramid pooling of either.
//
// Legend: n = descriptors of the set, D = dimensions, K = components (or centres), qᵢₖ = posterior
// (or assignment) of descriptor i to k.
//
// Fisher vector, 2KD values: first the K mean blocks uₖ, then the K variance blocks vₖ,
//   uₖ = 1/(n√πₖ)  Σᵢ qᵢₖ (xᵢ − μₖ)/σₖ,   vₖ = 1/(n√(2πₖ)) Σᵢ qᵢₖ [((xᵢ − μₖ)/σₖ)² − 1],
// skipping, as VLFeat does, components with πₖ < 1e-6 and terms with qᵢₖ < 1e-6; improved: the
// signed square root of every value, then division by max(‖·‖₂, 1e-12).
// VLAD, KD values: block k is Σᵢ qᵢₖ (xᵢ − μₖ); optionally the signed square root and a per-block
// L2 normalization; by default a global L2 normalization (max(‖·‖₂, 1e-12)) at the end.
import Classifiers
import Foundation
import Tensors

/// Fisher vectors with respect to a fixed Gaussian mixture.
public struct FisherVector: Sendable {
    public let mixture: GaussianMixtureModel
    /// Signed square root and L2 normalization (VL_FISHER_FLAG_IMPROVED).
    public let improved: Bool
    /// 1/σ per component and dimension (K × D), computed once.
    let inverseDeviation: [Float]

    public init(mixture: GaussianMixtureModel, improved: Bool = true) {
        self.mixture = mixture
        self.improved = improved
        inverseDeviation = mixture.variances.data.map { 1 / $0.squareRoot() }
    }

    /// Values per vector: 2KD.
    public var length: Int { 2 * mixture.componentCount * mixture.dimension }

    /// The Fisher vector of the rows of `x` (n × D).
    public func encode(_ x: Matrix) throws -> [Float] {
        let q = try mixture.posteriors(x).posteriors
        var out = [Float](repeating: 0, count: length)
        x.data.withUnsafeBufferPointer { xs in
            q.data.withUnsafeBufferPointer { qs in
                out.withUnsafeMutableBufferPointer { o in
                    guard let xp = xs.baseAddress, let qp = qs.baseAddress, let op = o.baseAddress else { return }
                    encode(xp, qp, rows: Array(0..<x.rows), into: op)
                }
            }
        }
        return out
    }

    /// The Fisher vector of the descriptors `rows` of `x` (rows of D values) with their posteriors
    /// `q` (rows of K values), into `out` (2KD values, overwritten). No allocation: the pipeline's
    /// hot path calls it once per image and pyramid region.
    public func encode(_ x: UnsafePointer<Float>, _ q: UnsafePointer<Float>, rows: [Int], into out: UnsafeMutablePointer<Float>) {
        let (k, d) = (mixture.componentCount, mixture.dimension)
        out.initialize(repeating: 0, count: 2 * k * d)
        inverseDeviation.withUnsafeBufferPointer { inv in
            mixture.means.data.withUnsafeBufferPointer { mu in
                for i in rows {
                    let xi = x + i * d
                    for j in 0..<k where mixture.priors[j] >= 1e-6 {
                        let p = q[i * k + j]
                        if p < 1e-6 { continue }
                        let u = out + j * d, v = out + (k + j) * d
                        for t in 0..<d {
                            let z = (xi[t] - mu[j * d + t]) * inv[j * d + t]
                            u[t] += p * z
                            v[t] += p * (z * z - 1)
                        }
                    }
                }
            }
        }
        let n = Float(rows.count)
        if rows.count > 0 {
            for j in 0..<k where mixture.priors[j] >= 1e-6 {
                let uScale = 1 / (n * mixture.priors[j].squareRoot()), vScale = 1 / (n * (2 * mixture.priors[j]).squareRoot())
                for t in 0..<d {
                    out[j * d + t] *= uScale
                    out[(k + j) * d + t] *= vScale
                }
            }
        }
        if improved { signedSquareRootAndNormalize(out, count: 2 * k * d) }
    }
}

/// The signed square root of every value, then division by max(‖·‖₂, 1e-12) (VLFeat's improved normalization).
@inline(__always) func signedSquareRootAndNormalize(_ a: UnsafeMutablePointer<Float>, count: Int) {
    var square: Float = 0
    for i in 0..<count {
        let z = a[i]
        a[i] = z >= 0 ? z.squareRoot() : -(-z).squareRoot()
        square += a[i] * a[i]
    }
    let norm = max(square.squareRoot(), 1e-12)
    for i in 0..<count { a[i] /= norm }
}

/// VLAD of a set of descriptors with respect to fixed centres (K × D).
public struct VLAD: Sendable {
    public struct Normalization: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// Signed square root of every value (VL_VLAD_FLAG_SQUARE_ROOT).
        public static let squareRoot = Normalization(rawValue: 1)
        /// L2 normalization of every block (VL_VLAD_FLAG_NORMALIZE_COMPONENTS).
        public static let components = Normalization(rawValue: 2)
        /// Each block divided by its assigned mass, then the centre subtracted (VL_VLAD_FLAG_NORMALIZE_MASS).
        public static let mass = Normalization(rawValue: 4)
        /// Global L2 normalization at the end (VLFeat's default; off is VL_VLAD_FLAG_UNNORMALIZED).
        public static let global = Normalization(rawValue: 8)
    }

    public let centres: Matrix
    public let normalization: Normalization

    public init(centres: Matrix, normalization: Normalization = [.global]) throws {
        guard centres.rows >= 1, centres.cols >= 1, centres.data.allSatisfy({ $0.isFinite }) else {
            throw ClassifierError.invalidData(model: "VLAD", reason: "needs at least one finite centre of at least one dimension, got \(centres.rows)×\(centres.cols)")
        }
        self.centres = centres
        self.normalization = normalization
    }

    /// Values per vector: KD.
    public var length: Int { centres.rows * centres.cols }

    /// Hard assignments (N × K, one 1 per row) of the rows of `x` to their nearest centres.
    public func hardAssignments(_ x: Matrix) -> Matrix {
        let (k, d) = (centres.rows, centres.cols)
        var a = Matrix(rows: x.rows, cols: k)
        for i in 0..<x.rows {
            var best = 0, bestDistance = Float.infinity
            for j in 0..<k {
                var s: Float = 0
                for t in 0..<d { let z = x[i, t] - centres[j, t]; s += z * z }
                if s < bestDistance { bestDistance = s; best = j }
            }
            a[i, best] = 1
        }
        return a
    }

    /// The VLAD of the rows of `x` (n × D) with `assignments` (n × K: hard 0/1, or soft weights).
    public func encode(_ x: Matrix, assignments: Matrix) throws -> [Float] {
        let (k, d) = (centres.rows, centres.cols)
        guard x.cols == d, assignments.rows == x.rows, assignments.cols == k else {
            throw ClassifierError.invalidData(model: "VLAD", reason: "the descriptors are \(x.rows)×\(x.cols) and the assignments \(assignments.rows)×\(assignments.cols), but the centres are \(k)×\(d)")
        }
        var out = [Float](repeating: 0, count: k * d)
        for j in 0..<k {
            var mass: Float = 0
            for i in 0..<x.rows {
                let q = assignments[i, j]
                guard q > 0 else { continue }
                mass += q
                for t in 0..<d { out[j * d + t] += q * x[i, t] }
            }
            if mass > 0 {
                for t in 0..<d {
                    if normalization.contains(.mass) { out[j * d + t] = out[j * d + t] / mass - centres[j, t] } else { out[j * d + t] -= mass * centres[j, t] }
                }
            }
            if normalization.contains(.squareRoot) {
                for t in 0..<d { let z = out[j * d + t]; out[j * d + t] = z >= 0 ? z.squareRoot() : -(-z).squareRoot() }
            }
            if normalization.contains(.components) {
                var s: Float = 0
                for t in 0..<d { s += out[j * d + t] * out[j * d + t] }
                let norm = max(s.squareRoot(), 1e-12)
                for t in 0..<d { out[j * d + t] /= norm }
            }
        }
        if normalization.contains(.global) {
            let norm = max(out.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for i in out.indices { out[i] /= norm }
        }
        return out
    }
}

/// Spatial pyramid (Lazebnik, Schmid, Ponce, CVPR 2006) over local descriptors: each level g splits
/// the image into g × g equal cells; a descriptor belongs to the cell holding its centre. Encodings
/// of the cells are concatenated, level after level, cells row by row.
public struct SpatialPyramid: Equatable, Sendable {
    /// Grid sides, e.g. [1, 2] for 1×1 + 2×2.
    public let levels: [Int]

    public init(levels: [Int]) throws {
        guard !levels.isEmpty, levels.allSatisfy({ (1...16).contains($0) }) else {
            throw ClassifierError.invalidData(model: "spatial pyramid", reason: "levels are \(levels); use one or more grid sides from 1 to 16, e.g. [1, 2]")
        }
        self.levels = levels
    }

    /// Cells over all levels.
    public var regionCount: Int { levels.reduce(0) { $0 + $1 * $1 } }

    /// For every region, the indices of the descriptors whose centres (y, x) fall in it, on an H × W image.
    public func regions(centres: [(y: Float, x: Float)], height: Int, width: Int) -> [[Int]] {
        var out: [[Int]] = []
        for g in levels {
            var cells = [[Int]](repeating: [], count: g * g)
            for (i, c) in centres.enumerated() {
                let row = min(g - 1, max(0, Int(c.y * Float(g) / Float(height))))
                let col = min(g - 1, max(0, Int(c.x * Float(g) / Float(width))))
                cells[row * g + col].append(i)
            }
            out += cells
        }
        return out
    }
}
