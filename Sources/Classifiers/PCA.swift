// Principal component analysis (lecture 000): the directions of largest variance of the training
// part, found from its covariance matrix, and the projection of any row onto the first of them,
// optionally whitened (each component scaled to unit variance), as scikit-learn's PCA does.
import Foundation
import Tensors

/// PCA fitted on training rows: `components` (k × D, orthonormal rows, sorted by variance), the
/// variance along each, and the training mean.
///
/// The covariance matrix C = XcᵀXc / (N − 1) of the centred rows is formed with one matrix
/// product; its top k eigenvectors come from subspace iteration (C·Q, re-orthonormalized, from a
/// seeded random start of k + 10 columns, as scikit-learn's randomized solver iterates on X) and
/// a Jacobi eigendecomposition, in double, of the small projected matrix QᵀCQ. When k + 10 ≥ D the
/// start spans every direction and the result is the exact eigendecomposition. Each component's
/// sign makes its largest-magnitude entry positive, scikit-learn's convention.
public struct PCA: FeatureTransform, Sendable {
    public let name: String
    /// Components kept (at most min(N, D) are used).
    public let componentCount: Int
    /// Scale each component to unit variance on the training part (scikit-learn's `whiten`).
    public let whiten: Bool
    /// Subspace iterations (ignored when the start spans every direction).
    public let iterations: Int
    public let seed: UInt64

    public private(set) var mean: [Float] = []
    /// k × D, one component per row.
    public private(set) var components = Matrix(rows: 0, cols: 0)
    /// Variance of the training part along each component (the covariance's eigenvalues).
    public private(set) var explainedVariance: [Float] = []
    /// Share of the training part's total variance along each component.
    public private(set) var explainedVarianceRatio: [Float] = []

    public init(components: Int, whiten: Bool = false, iterations: Int = 20, seed: UInt64 = 0, name: String = "pca") throws {
        guard components >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: name, name: "components", reason: "must be at least 1, got \(components)")
        }
        guard iterations >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: name, name: "iterations", reason: "must be at least 1, got \(iterations)")
        }
        self.componentCount = components
        self.whiten = whiten
        self.iterations = iterations
        self.seed = seed
        self.name = name
    }

    public var outputCount: Int { components.rows }

    public mutating func fit(_ x: Matrix) throws {
        guard x.rows >= 2, x.cols >= 1 else {
            throw ClassifierError.invalidData(model: name, reason: "needs at least 2 training rows, got \(x.rows)×\(x.cols)")
        }
        try ClassifierError.checkFinite(model: name, x)
        let (n, d) = (x.rows, x.cols)
        let k = min(componentCount, d, n - 1)
        // Mean in double; centred rows in float for the covariance product.
        var meanD = [Double](repeating: 0, count: d)
        x.data.withUnsafeBufferPointer { a in
            for i in 0..<n { for j in 0..<d { meanD[j] += Double(a[i * d + j]) } }
        }
        for j in 0..<d { meanD[j] /= Double(n) }
        let mean = meanD.map { Float($0) }
        var centred = x
        centred.data.withUnsafeMutableBufferPointer { a in
            Parallel.forRange(0..<n, grain: 1024) { rows in
                for i in rows { for j in 0..<d { a[i * d + j] -= mean[j] } }
            }
        }
        let covariance = centred.matmul(centred, transposeSelf: true) * (1 / Float(n - 1))
        let c = covariance.data.map(Double.init)
        let totalVariance = (0..<d).reduce(0.0) { $0 + c[$1 * d + $1] }

        // Subspace iteration on C from a seeded random start of l columns (D × l, column-major in q).
        let l = min(d, k + 10)
        var q: [Double]
        if l == d {
            q = [Double](repeating: 0, count: d * d)
            for j in 0..<d { q[j * d + j] = 1 }
        } else {
            var rng = Xoshiro256(seed: seed)
            q = (0..<(d * l)).map { _ in Double(rng.normal()) }
            orthonormalizeColumns(&q, rows: d, cols: l)
            for _ in 0..<iterations {
                q = symmetricTimes(covariance, q, l)
                orthonormalizeColumns(&q, rows: d, cols: l)
            }
        }
        // B = Qᵀ C Q (l × l), its eigenpairs, then the eigenvectors of C: Q·V.
        let cq = symmetricTimes(covariance, q, l)
        var b = [Double](repeating: 0, count: l * l)
        for i in 0..<l {
            for j in i..<l {
                var s = 0.0
                for r in 0..<d { s += q[i * d + r] * cq[j * d + r] }
                b[i * l + j] = s
                b[j * l + i] = s
            }
        }
        let (values, vectors) = jacobiEigen(b, l)
        let order = (0..<l).sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var comp = Matrix(rows: k, cols: d)
        var variance = [Float](repeating: 0, count: k)
        for (out, e) in order.prefix(k).enumerated() {
            var v = [Double](repeating: 0, count: d)
            for s in 0..<l {
                let w = vectors[s * l + e]
                if w != 0 { for r in 0..<d { v[r] += q[s * d + r] * w } }
            }
            let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            var largest = 0
            for r in 0..<d where abs(v[r]) > abs(v[largest]) { largest = r }
            let sign: Double = v[largest] < 0 ? -1 : 1
            for r in 0..<d { comp[out, r] = Float(sign * v[r] / max(norm, 1e-300)) }
            variance[out] = Float(max(values[e], 0))
        }
        guard variance.allSatisfy({ $0.isFinite }) else {
            throw ClassifierError.numericalFailure(model: name, reason: "the covariance eigendecomposition gave non-finite variances")
        }
        self.mean = mean
        self.components = comp
        self.explainedVariance = variance
        self.explainedVarianceRatio = variance.map { totalVariance > 0 ? Float(Double($0) / totalVariance) : 0 }
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        guard components.rows > 0 else { throw ClassifierError.notFitted(model: name) }
        try ClassifierError.checkPredictInput(model: name, x, featureCount: mean.count)
        var centred = x
        let (n, d) = (x.rows, x.cols), mean = mean
        centred.data.withUnsafeMutableBufferPointer { a in
            Parallel.forRange(0..<n, grain: 1024) { rows in
                for i in rows { for j in 0..<d { a[i * d + j] -= mean[j] } }
            }
        }
        var out = centred.matmul(components, transposeOther: true)
        if whiten {
            let scale = explainedVariance.map { 1 / max($0, 1e-12).squareRoot() }
            let k = out.cols
            out.data.withUnsafeMutableBufferPointer { a in
                for i in 0..<n { for j in 0..<k { a[i * k + j] *= scale[j] } }
            }
        }
        return out
    }

    public func learnedState() throws -> [String: Tensor] {
        guard components.rows > 0 else { throw ClassifierError.notFitted(model: name) }
        return ["mean": Tensor(shape: [mean.count], data: mean),
                "components": Tensor(shape: [components.rows, components.cols], data: components.data),
                "explained_variance": Tensor(shape: [explainedVariance.count], data: explainedVariance)]
    }

    public mutating func restore(from state: [String: Tensor]) throws {
        var reader = LearnedStateReader(model: name, state: state)
        let comp = try reader.takeMatrix("components")
        guard comp.rows <= componentCount else {
            throw reader.error("components", "holds \(comp.rows) components but the model keeps at most \(componentCount)")
        }
        let mean = try reader.take("mean", shape: [comp.cols]).data
        let variance = try reader.take("explained_variance", shape: [comp.rows]).data
        guard variance.allSatisfy({ $0 >= 0 }) else { throw reader.error("explained_variance", "holds a negative variance") }
        try reader.finish()
        self.mean = mean
        self.components = comp
        self.explainedVariance = variance
        let total = variance.reduce(0, +)
        self.explainedVarianceRatio = variance.map { total > 0 ? $0 / total : 0 }   // of the kept variance only
    }
}

/// C·Q for a symmetric D × D matrix `c` (row-major, float) and Q of `l` columns stored column
/// after column (in double): one matrix product in float, (Qᵀ·C)ᵀ = C·Q as C is symmetric.
private func symmetricTimes(_ c: Matrix, _ q: [Double], _ l: Int) -> [Double] {
    let qRows = Matrix(rows: l, cols: c.rows, data: q.map { Float($0) })
    return qRows.matmul(c).data.map(Double.init)
}

/// Modified Gram–Schmidt, twice for stability, on the columns of a `rows` × `cols` matrix stored
/// column after column; a column that vanishes becomes a unit vector orthogonal to the others.
private func orthonormalizeColumns(_ q: inout [Double], rows d: Int, cols l: Int) {
    for j in 0..<l {
        for _ in 0..<2 {
            for i in 0..<j {
                var dot = 0.0
                for r in 0..<d { dot += q[i * d + r] * q[j * d + r] }
                for r in 0..<d { q[j * d + r] -= dot * q[i * d + r] }
            }
        }
        var norm = 0.0
        for r in 0..<d { norm += q[j * d + r] * q[j * d + r] }
        norm = norm.squareRoot()
        if norm > 1e-12 {
            for r in 0..<d { q[j * d + r] /= norm }
        } else {
            // Degenerate start: take the first basis vector with a part outside the span so far.
            for e in 0..<d {
                for r in 0..<d { q[j * d + r] = r == e ? 1 : 0 }
                for i in 0..<j {
                    let dot = q[i * d + e]
                    for r in 0..<d { q[j * d + r] -= dot * q[i * d + r] }
                }
                let n2 = (0..<d).reduce(0.0) { $0 + q[j * d + $1] * q[j * d + $1] }.squareRoot()
                if n2 > 1e-6 { for r in 0..<d { q[j * d + r] /= n2 }; break }
            }
        }
    }
}

/// Eigenvalues and eigenvectors (column j of the row-major `vectors` belongs to value j) of a
/// symmetric n × n matrix, by cyclic Jacobi rotations until the off-diagonal part vanishes.
public func jacobiEigen(_ matrix: [Double], _ n: Int) -> (values: [Double], vectors: [Double]) {
    var a = matrix
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    let scale = a.reduce(0) { $0 + $1 * $1 }.squareRoot()
    for _ in 0..<100 {
        var off = 0.0
        for i in 0..<n { for j in (i + 1)..<n { off += a[i * n + j] * a[i * n + j] } }
        if off.squareRoot() <= 1e-15 * max(scale, 1e-300) { break }
        for p in 0..<n {
            for r in (p + 1)..<n {
                let apq = a[p * n + r]
                if abs(apq) < 1e-300 { continue }
                let theta = (a[r * n + r] - a[p * n + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let cs = 1 / (t * t + 1).squareRoot(), sn = t * cs
                for k in 0..<n {
                    let akp = a[k * n + p], akq = a[k * n + r]
                    a[k * n + p] = cs * akp - sn * akq
                    a[k * n + r] = sn * akp + cs * akq
                }
                for k in 0..<n {
                    let apk = a[p * n + k], aqk = a[r * n + k]
                    a[p * n + k] = cs * apk - sn * aqk
                    a[r * n + k] = sn * apk + cs * aqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + r]
                    v[k * n + p] = cs * vkp - sn * vkq
                    v[k * n + r] = sn * vkp + cs * vkq
                }
            }
        }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
}
