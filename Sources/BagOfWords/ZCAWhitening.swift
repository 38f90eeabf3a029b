// ZCA whitening of patches (Bell & Sejnowski 1997; as in Coates & Ng 2011): decorrelate the patch
// dimensions while staying as close as possible to the original patch, so the codebook learns edges
// rather than the dominant low frequencies.
//
// Legend: F = values per patch. W = U·diag(1/√(λ + ε))·Uᵀ from the eigen-decomposition of the F × F
// covariance; a patch x becomes (x − mean)·W (W is symmetric).
import Classifiers
import Tensors

/// A learned ZCA transform.
public struct ZCAWhitening: Sendable {
    /// Per-dimension mean (F values).
    public let mean: [Float]
    /// F × F symmetric whitening matrix.
    public let matrix: Matrix
    /// The regularizer ε added to every eigenvalue.
    public let epsilon: Float

    /// Learns the transform from the rows of `patches`. epsilon > 0.
    public init(fitting patches: Matrix, epsilon: Float) throws {
        guard epsilon > 0, epsilon.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: "ZCAWhitening", name: "epsilon", reason: "it is \(epsilon); use a finite value > 0 (0.01–0.1 for contrast-normalized patches)")
        }
        guard patches.rows >= 2 else {
            throw ClassifierError.invalidData(model: "ZCAWhitening", reason: "it needs at least 2 patches, got \(patches.rows)")
        }
        let (n, f) = (patches.rows, patches.cols)
        let mean = patches.columnMeans()
        var centered = patches
        centered.addToEachRow(mean.map { -$0 })
        let covariance = centered.matmul(centered, transposeSelf: true)  // F × F, Σ xxᵀ
        var a = covariance.data.map { Double($0) / Double(n - 1) }
        let (values, vectors) = symmetricEigen(&a, f)
        var w = [Double](repeating: 0, count: f * f)
        for k in 0..<f {
            let s = 1 / (max(values[k], 0) + Double(epsilon)).squareRoot()
            for i in 0..<f {
                let vik = vectors[i * f + k] * s
                for j in 0..<f { w[i * f + j] += vik * vectors[j * f + k] }
            }
        }
        self.mean = mean
        self.matrix = Matrix(rows: f, cols: f, data: w.map { Float($0) })
        self.epsilon = epsilon
    }

    /// A transform learned before (e.g. read back from a saved state): `mean` has F values and
    /// `matrix` is F × F, all finite; epsilon > 0 is the regularizer it was learned with.
    public init(mean: [Float], matrix: Matrix, epsilon: Float) throws {
        let model = "ZCAWhitening"
        guard epsilon > 0, epsilon.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "epsilon", reason: "it is \(epsilon); use a finite value > 0")
        }
        guard !mean.isEmpty else { throw ClassifierError.invalidData(model: model, reason: "the mean is empty; it needs one value per patch dimension") }
        guard matrix.rows == mean.count, matrix.cols == mean.count else {
            throw ClassifierError.invalidData(model: model, reason: "the matrix is \(matrix.rows)×\(matrix.cols) but the mean has \(mean.count) values; it must be \(mean.count)×\(mean.count)")
        }
        if let i = mean.firstIndex(where: { !$0.isFinite }) {
            throw ClassifierError.invalidData(model: model, reason: "mean value \(i) is \(mean[i]); every value must be finite")
        }
        if let (r, c) = matrix.firstNonFinite() {
            throw ClassifierError.invalidData(model: model, reason: "matrix element (\(r), \(c)) is \(matrix[r, c]); every value must be finite")
        }
        self.mean = mean
        self.matrix = matrix
        self.epsilon = epsilon
    }

    /// (patches − mean)·W.
    public func apply(_ patches: Matrix) -> Matrix {
        var centered = patches
        var out = Matrix(rows: patches.rows, cols: patches.cols)
        centered.data.withUnsafeMutableBufferPointer { c in
            out.data.withUnsafeMutableBufferPointer { o in
                if let cb = c.baseAddress, let ob = o.baseAddress { apply(rows: patches.rows, cb, into: ob) }
            }
        }
        return out
    }

    /// out = (patches − mean)·W for `rows` rows of F values; `patches` is centered in place.
    func apply(rows: Int, _ patches: UnsafeMutablePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let f = mean.count
        guard rows > 0, f > 0 else { return }
        mean.withUnsafeBufferPointer { m in
            Parallel.forRange(0..<rows, grain: 8192) { r in
                for i in r { for j in 0..<f { patches[i * f + j] -= m[j] } }
            }
        }
        matrix.data.withUnsafeBufferPointer { w in
            guard let w = w.baseAddress else { return }   // f > 0, so the F×F matrix is never empty
            sgemm(transA: false, transB: false, m: rows, n: f, k: f, a: patches, lda: f, b: w, ldb: f,
                  c: out, ldc: f)
        }
    }
}

/// Eigenvalues and eigenvectors (columns of the returned row-major n × n matrix) of the symmetric
/// matrix `a` (overwritten), by cyclic Jacobi rotations in double precision.
func symmetricEigen(_ a: inout [Double], _ n: Int) -> (values: [Double], vectors: [Double]) {
    var v = [Double](repeating: 0, count: n * n)
    for i in 0..<n { v[i * n + i] = 1 }
    for _ in 0..<100 {
        var off = 0.0, total = 0.0
        for i in 0..<n { for j in 0..<n { let x = a[i * n + j] * a[i * n + j]; total += x; if i != j { off += x } } }
        if off <= 1e-22 * total { break }
        for p in 0..<(n - 1) {
            for q in (p + 1)..<n {
                let apq = a[p * n + q]
                if abs(apq) < 1e-300 { continue }
                let theta = (a[q * n + q] - a[p * n + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<n {  // columns p, q
                    let akp = a[k * n + p], akq = a[k * n + q]
                    a[k * n + p] = c * akp - s * akq
                    a[k * n + q] = s * akp + c * akq
                }
                for k in 0..<n {  // rows p, q
                    let apk = a[p * n + k], aqk = a[q * n + k]
                    a[p * n + k] = c * apk - s * aqk
                    a[q * n + k] = s * apk + c * aqk
                }
                for k in 0..<n {
                    let vkp = v[k * n + p], vkq = v[k * n + q]
                    v[k * n + p] = c * vkp - s * vkq
                    v[k * n + q] = s * vkp + c * vkq
                }
            }
        }
    }
    return ((0..<n).map { a[$0 * n + $0] }, v)
}
