// Input checks shared by every classical model, so each error names the model and says what to do.
import Tensors

extension ClassifierError {
    /// Throws unless `x` has one row per label, at least one row, finite values, and every label of
    /// `y` lies in 0..<classCount with classCount ≥ 2.
    public static func checkFitInput(model: String, _ x: Matrix, _ y: [Int], classCount: Int) throws {
        guard classCount >= 2 else {
            throw ClassifierError.invalidData(model: model, reason: "classCount is \(classCount); a classifier needs at least 2 classes")
        }
        guard x.rows == y.count else {
            throw ClassifierError.invalidData(model: model, reason: "\(x.rows) samples but \(y.count) labels; pass one label per row")
        }
        guard x.rows > 0, x.cols > 0 else {
            throw ClassifierError.invalidData(model: model, reason: "the training data is empty (\(x.rows)×\(x.cols))")
        }
        if let bad = y.firstIndex(where: { $0 < 0 || $0 >= classCount }) {
            throw ClassifierError.invalidData(model: model, reason: "label \(y[bad]) of sample \(bad) is outside 0..<\(classCount)")
        }
        try checkFinite(model: model, x)
    }

    /// Throws when `x` does not have `featureCount` columns or holds NaN or infinite values.
    public static func checkPredictInput(model: String, _ x: Matrix, featureCount: Int) throws {
        guard x.cols == featureCount else {
            throw ClassifierError.invalidData(model: model, reason: "the model was fitted on \(featureCount) features but got \(x.cols)")
        }
        try checkFinite(model: model, x)
    }

    static func checkFinite(model: String, _ x: Matrix) throws {
        if let (r, c) = x.firstNonFinite() {
            throw ClassifierError.invalidData(model: model, reason: "feature \(c) of sample \(r) is \(x[r, c]); replace NaN and infinite values first")
        }
    }
}

/// Per-feature standardization (zero mean, unit variance) learned on training data; constant
/// features are only centred.
struct FeatureStandardizer: Sendable {
    let mean: [Float]
    let inverseStd: [Float]

    /// A standardization learned before (read back from a saved state).
    init(mean: [Float], inverseStd: [Float]) {
        self.mean = mean
        self.inverseStd = inverseStd
    }

    init(fitting x: Matrix) {
        let (n, d) = (x.rows, x.cols)
        // Column sums in Double over fixed row chunks, combined in chunk order (thread-count independent).
        let partial = x.data.withUnsafeBufferPointer { a in
            Parallel.mapChunks(0..<n, grain: 4096) { rows -> ([Double], [Double]) in
                var s = [Double](repeating: 0, count: d), s2 = [Double](repeating: 0, count: d)
                for i in rows {
                    for j in 0..<d { let v = Double(a[i * d + j]); s[j] += v; s2[j] += v * v }
                }
                return (s, s2)
            }
        }
        var s = [Double](repeating: 0, count: d), s2 = [Double](repeating: 0, count: d)
        for (ps, ps2) in partial { for j in 0..<d { s[j] += ps[j]; s2[j] += ps2[j] } }
        mean = s.map { Float($0 / Double(n)) }
        inverseStd = (0..<d).map { j in
            let m = s[j] / Double(n)
            let variance = max(0, s2[j] / Double(n) - m * m)
            return variance > 1e-12 ? Float(1 / variance.squareRoot()) : 1
        }
    }

    func apply(_ x: Matrix) -> Matrix {
        var out = x
        let d = x.cols
        let (mean, inverseStd) = (self.mean, self.inverseStd)
        out.data.withUnsafeMutableBufferPointer { a in
            guard let base = a.baseAddress else { return }   // no values to scale
            Parallel.forRange(0..<x.rows, grain: 1024) { rows in
                for i in rows { for j in 0..<d { base[i * d + j] = (base[i * d + j] - mean[j]) * inverseStd[j] } }
            }
        }
        return out
    }
}
