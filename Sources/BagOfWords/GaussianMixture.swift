// Gaussian mixture with diagonal covariances, fitted by EM from a k-means start, and its
// posteriors: the generative model under Fisher vectors (FisherVector.swift).
//
// Legend: N = points, D = dimensions, K = components. Component k has a prior πₖ, a mean μₖ and
// per-dimension variances σₖ² (K × D each, row per component).
//
// log πₖN(x | μₖ, σₖ²) = log πₖ − ½ (D log 2π + Σ_d log σₖd² + Σ_d (x_d − μₖd)² / σₖd²), taken here as
// one matrix product [x², x] · [−½/σ², μ/σ²]ᵀ plus a constant per component, so posteriors for many
// points cost one GEMM. Posteriors are the softmax over k (log-sum-exp), as VLFeat's
// vl_get_gmm_data_posteriors_f computes them; the log-likelihood is Σₙ log Σₖ πₖN(xₙ | k).
//
// EM (Dempster, Laird, Rubin 1977): E step the posteriors qₙₖ; M step Nₖ = Σₙ qₙₖ, πₖ = Nₖ/N,
// μₖ = Σₙ qₙₖxₙ / Nₖ, σₖ² = Σₙ qₙₖxₙ² / Nₖ − μₖ², floored at `varianceFloor` × the data's variance
// per dimension (VLFeat floors likewise, relative to the data). A component that loses all its
// points (Nₖ below 1e-6 · N) is restarted on the point the mixture explains worst, with the data's
// variances, as VLFeat's "restart on the worst point" does. Stops when the log-likelihood gains less
// than `tolerance` × |log-likelihood| in an iteration, or after `maxIterations`.
import Classifiers
import Foundation
import Tensors

/// A fitted diagonal Gaussian mixture: priors (K), means and variances (K × D).
public struct GaussianMixtureModel: Equatable, Sendable {
    public let priors: [Float]
    public let means: Matrix
    public let variances: Matrix

    public var componentCount: Int { means.rows }
    public var dimension: Int { means.cols }

    /// Checks the shapes and values; throws a sentence naming the part that is wrong.
    public init(priors: [Float], means: Matrix, variances: Matrix) throws {
        func bad(_ reason: String) -> ClassifierError { .invalidData(model: "Gaussian mixture", reason: reason) }
        guard means.rows >= 1, means.cols >= 1 else { throw bad("needs at least one component of at least one dimension, got means \(means.rows)×\(means.cols)") }
        guard variances.rows == means.rows, variances.cols == means.cols, priors.count == means.rows else {
            throw bad("means are \(means.rows)×\(means.cols), variances \(variances.rows)×\(variances.cols) and there are \(priors.count) priors; they must agree")
        }
        guard means.data.allSatisfy({ $0.isFinite }) else { throw bad("a mean is not finite") }
        guard variances.data.allSatisfy({ $0.isFinite && $0 > 0 }) else { throw bad("every variance must be finite and > 0") }
        guard priors.allSatisfy({ $0.isFinite && $0 >= 0 }), priors.reduce(0, +) > 0 else { throw bad("priors must be finite, ≥ 0 and not all 0") }
        self.priors = priors
        self.means = means
        self.variances = variances
    }

    /// The weights B (2D × K, [−½/σ²; μ/σ²] per column) and constants c (K) of log πₖN(x | k) =
    /// [x², x]·B + c.
    func logDensityTerms() -> (weights: Matrix, constants: [Float]) {
        let (k, d) = (componentCount, dimension)
        var b = Matrix(rows: 2 * d, cols: k)
        var c = [Float](repeating: 0, count: k)
        let logTwoPi = log(2 * Double.pi)
        for j in 0..<k {
            var sum = Double(d) * logTwoPi
            for t in 0..<d {
                let v = Double(variances[j, t]), m = Double(means[j, t])
                sum += log(v) + m * m / v
                b[t, j] = Float(-0.5 / v)
                b[d + t, j] = Float(m / v)
            }
            // VLFeat treats a prior below 1e-6 as a dead component (log prior −∞).
            c[j] = priors[j] < 1e-6 ? -Float.infinity : Float(log(Double(priors[j])) - 0.5 * sum)
        }
        return (b, c)
    }

    /// Posteriors (N × K, rows summing to 1) of the rows of `x` (N × D), and the log-likelihood Σₙ log p(xₙ).
    public func posteriors(_ x: Matrix) throws -> (posteriors: Matrix, logLikelihood: Double) {
        guard x.cols == dimension else {
            throw ClassifierError.invalidData(model: "Gaussian mixture", reason: "the points have \(x.cols) dimensions but the mixture has \(dimension)")
        }
        let (n, d, k) = (x.rows, dimension, componentCount)
        guard n > 0 else { return (Matrix(rows: 0, cols: k), 0) }
        var features = Matrix(rows: n, cols: 2 * d)
        x.data.withUnsafeBufferPointer { src in
            features.data.withUnsafeMutableBufferPointer { dst in
                for i in 0..<n {
                    for t in 0..<d {
                        let v = src[i * d + t]
                        dst[i * 2 * d + t] = v * v
                        dst[i * 2 * d + d + t] = v
                    }
                }
            }
        }
        let (weights, constants) = logDensityTerms()
        var q = features.matmul(weights)
        let perRow = q.data.withUnsafeMutableBufferPointer { a -> [Double] in
            Parallel.mapChunks(0..<n, grain: 2048) { rows -> Double in
                var total = 0.0
                for i in rows {
                    var largest = -Float.infinity
                    for j in 0..<k {
                        a[i * k + j] += constants[j]
                        largest = max(largest, a[i * k + j])
                    }
                    var sum: Float = 0
                    for j in 0..<k {
                        let e = expf(a[i * k + j] - largest)
                        a[i * k + j] = e
                        sum += e
                    }
                    for j in 0..<k { a[i * k + j] /= sum }
                    total += Double(largest) + log(Double(sum))
                }
                return total
            }
        }
        let ll = perRow.reduce(0, +)
        guard ll.isFinite else {
            throw ClassifierError.numericalFailure(model: "Gaussian mixture", reason: "the log-likelihood is not finite; check the points for NaN or huge values")
        }
        return (q, ll)
    }
}

/// EM for a diagonal Gaussian mixture from a k-means start. Hyperparameters are stored as given.
public struct GaussianMixture: Sendable {
    public let componentCount: Int
    public let maxIterations: Int
    /// Stop when an iteration gains less than this share of |log-likelihood|.
    public let tolerance: Double
    /// Variances are at least this share of the data's variance in the same dimension.
    public let varianceFloor: Double
    /// Lloyd iterations of the k-means start.
    public let kmeansIterations: Int
    public let seed: UInt64

    public init(componentCount: Int, maxIterations: Int = 100, tolerance: Double = 1e-6, varianceFloor: Double = 1e-4,
                kmeansIterations: Int = 20, seed: UInt64 = 0) throws {
        func bad(_ name: String, _ reason: String) -> ClassifierError { .invalidHyperparameter(model: "Gaussian mixture", name: name, reason: reason) }
        guard componentCount >= 1 else { throw bad("componentCount", "it is \(componentCount); use at least 1") }
        guard maxIterations >= 0 else { throw bad("maxIterations", "it is \(maxIterations); use 0 (the k-means start only) or more") }
        guard tolerance.isFinite, tolerance >= 0 else { throw bad("tolerance", "it is \(tolerance); use a finite value ≥ 0") }
        guard varianceFloor.isFinite, varianceFloor > 0, varianceFloor < 1 else { throw bad("varianceFloor", "it is \(varianceFloor); use a share of the data's variance in (0, 1), e.g. 1e-4") }
        guard kmeansIterations >= 1 else { throw bad("kmeansIterations", "it is \(kmeansIterations); use at least 1") }
        self.componentCount = componentCount
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.varianceFloor = varianceFloor
        self.kmeansIterations = kmeansIterations
        self.seed = seed
    }

    /// The fitted mixture and the log-likelihood after every iteration (the first entry: the k-means start).
    public func fit(_ x: Matrix) throws -> (model: GaussianMixtureModel, logLikelihoods: [Double]) {
        let (n, d, k) = (x.rows, x.cols, componentCount)
        guard d >= 1, n >= max(2, k) else {
            throw ClassifierError.invalidData(model: "Gaussian mixture", reason: "needs at least \(max(2, k)) points (one per component) of at least one dimension, got \(n)×\(d)")
        }
        guard x.data.allSatisfy({ $0.isFinite }) else {
            throw ClassifierError.invalidData(model: "Gaussian mixture", reason: "the points hold a value that is not finite (NaN or infinity)")
        }
        // The data's variance per dimension: the floor's scale and a restarted component's variances.
        var mean = [Double](repeating: 0, count: d), square = [Double](repeating: 0, count: d)
        for i in 0..<n { for t in 0..<d { let v = Double(x[i, t]); mean[t] += v; square[t] += v * v } }
        let dataVariance = (0..<d).map { t -> Double in max(square[t] / Double(n) - (mean[t] / Double(n)) * (mean[t] / Double(n)), 1e-12) }
        let floor = dataVariance.map { Float($0 * varianceFloor) }

        let start = try KMeans(clusterCount: k, maxIterations: kmeansIterations, seed: seed).fit(x)
        var means = start.centers
        var variances = Matrix(rows: k, cols: d)
        var counts = [Double](repeating: 0, count: k)
        var sums = [Double](repeating: 0, count: k * d), squares = [Double](repeating: 0, count: k * d)
        for i in 0..<n {
            let j = start.labels[i]
            counts[j] += 1
            for t in 0..<d { let v = Double(x[i, t]); sums[j * d + t] += v; squares[j * d + t] += v * v }
        }
        var priors = [Float](repeating: 0, count: k)
        for j in 0..<k {
            priors[j] = Float(max(counts[j], 1) / Double(n))
            for t in 0..<d {
                let c = max(counts[j], 1), m = sums[j * d + t] / c
                variances[j, t] = max(Float(squares[j * d + t] / c - m * m), floor[t])
            }
        }
        let total = priors.reduce(0, +)
        priors = priors.map { $0 / total }
        var model = try GaussianMixtureModel(priors: priors, means: means, variances: variances)
        var (q, ll) = try model.posteriors(x)
        var history = [ll]
        var xSquared = x
        for i in xSquared.data.indices { xSquared.data[i] *= xSquared.data[i] }
        for _ in 0..<maxIterations {
            // M step through two products: Qᵀx and Qᵀx² (K × D).
            let first = q.matmul(x, transposeSelf: true), second = q.matmul(xSquared, transposeSelf: true)
            var mass = [Double](repeating: 0, count: k)
            q.data.withUnsafeBufferPointer { a in for i in 0..<n { for j in 0..<k { mass[j] += Double(a[i * k + j]) } } }
            var worst: Int?
            for j in 0..<k {
                if mass[j] < 1e-6 * Double(n) {
                    // Restart on the point explained worst (its largest posterior is the smallest).
                    if worst == nil {
                        var best = 0, bestValue = Float.infinity
                        for i in 0..<n {
                            var m: Float = 0
                            for jj in 0..<k { m = max(m, q[i, jj]) }
                            if m < bestValue { bestValue = m; best = i }
                        }
                        worst = best
                    }
                    let i = worst ?? 0
                    for t in 0..<d { means[j, t] = x[i, t]; variances[j, t] = Float(dataVariance[t]) }
                    priors[j] = Float(1.0 / Double(n))
                    continue
                }
                priors[j] = Float(mass[j] / Double(n))
                for t in 0..<d {
                    let m = Double(first[j, t]) / mass[j]
                    means[j, t] = Float(m)
                    variances[j, t] = max(Float(Double(second[j, t]) / mass[j] - m * m), floor[t])
                }
            }
            let sum = priors.reduce(0, +)
            priors = priors.map { $0 / sum }
            model = try GaussianMixtureModel(priors: priors, means: means, variances: variances)
            let previous = ll
            (q, ll) = try model.posteriors(x)
            history.append(ll)
            if worst == nil, ll - previous < tolerance * abs(previous) { break }
        }
        return (model, history)
    }
}
