// Linear support vector machine, one-vs-rest, L2-regularized, hinge or squared-hinge loss, solved
// by dual coordinate descent (LIBLINEAR's solvers 1 and 3) or by Pegasos-style SGD.
//
// Legend: N = samples, D = features, C = classes, K = weight vectors (1 for two classes, else C).
// Each weight vector w (with its bias b) solves the binary problem of one class against the rest:
//   min ½‖w‖² + ½b² + C Σᵢ ξᵢ      (hinge:          ξᵢ = max(0, 1 − yᵢ(w·xᵢ + b)))
//   min ½‖w‖² + ½b² + C Σᵢ ξᵢ²     (squared hinge)
// The bias is an extra feature of value 1 and is penalized like every weight (LIBLINEAR's `-B 1`,
// scikit-learn's LinearSVC with intercept_scaling=1), so the results match LinearSVC's.
//
// Dual coordinate descent (Hsieh, Chang, Lin, Keerthi, Sundararajan, "A dual coordinate descent
// method for large-scale linear SVM", ICML 2008): the dual
//   min_α ½αᵀQ̄α − eᵀα,  0 ≤ αᵢ ≤ U,   Q̄ = Q + 𝐷,  Qᵢⱼ = yᵢyⱼ x̃ᵢ·x̃ⱼ,
// with U = C, 𝐷ᵢᵢ = 0 for the hinge loss and U = ∞, 𝐷ᵢᵢ = 1/(2C) for the squared hinge, is minimized
// one αᵢ at a time in a random order each epoch while w = Σ αᵢyᵢx̃ᵢ is kept up to date. As in
// LIBLINEAR: shrinking of bound variables (optional here), and stopping once the spread of the
// projected gradients of an epoch, max PG − min PG, is at most `tolerance` over the whole set.
// Deviation: LIBLINEAR shuffles with the C library's rand(); here each class has its own seeded
// generator, so the order differs from LIBLINEAR's and the optimum agrees to the tolerance.
//
// SGD: Pegasos (Shalev-Shwartz, Singer, Srebro, Cotter 2011) on the same problem written as
//   min λ/2 ‖w̃‖² + (1/N) Σᵢ ℓᵢ,  λ = 1/(C·N),
// with step 1/(λt), the projection onto the ball ‖w̃‖ ≤ 1/√λ, one shuffled pass per epoch, and the
// weights kept as a scale times a vector so that the shrink of every step costs O(1).
import CClassicalKernels
import Foundation
import Tensors

/// A linear SVM, one-vs-rest (scikit-learn's `LinearSVC` with dual=True; LIBLINEAR's `-s 1`/`-s 3` with `-B 1`).
///
/// Probabilities: a temperature-scaled softmax of the margins, softmax(a·z) over the C margins
/// (sigmoid(a·z) of the one margin for two classes), where the single factor a = 1/T > 0 is fitted
/// in `fit` by minimizing the log-loss on the training margins (Newton's method on a convex
/// one-dimensional problem). The scaling does not change the ranking, so `predict` is the class of
/// the largest margin, as LinearSVC's.
public struct LinearSVM: PersistableClassifier {
    public enum Loss: String, Sendable, CaseIterable {
        /// max(0, 1 − y·f), LIBLINEAR's solver 3 (L1-loss SVM).
        case hinge
        /// max(0, 1 − y·f)², LIBLINEAR's solver 1 (L2-loss SVM), LinearSVC's default.
        case squaredHinge
    }

    public enum Solver: Equatable, Sendable, CustomStringConvertible {
        /// Dual coordinate descent with LIBLINEAR's stopping rule; `shrinking` drops bound variables
        /// from the sweeps until the rule holds on the active set, then rechecks the whole set.
        case dualCoordinateDescent(shrinking: Bool = true)
        /// Pegasos SGD on the hinge loss: one epoch is one shuffled pass; stops when the epoch's objective (λ/2‖w̃‖²
        /// plus the mean loss seen during the pass) has not improved by `tolerance` on the best one
        /// for 5 epochs in a row (scikit-learn's SGDClassifier rule), or after `maxIterations` epochs.
        case sgd

        public var description: String {
            switch self {
            case let .dualCoordinateDescent(s): return "dualCoordinateDescent(shrinking: \(s))"
            case .sgd: return "sgd"
            }
        }
    }

    public var name: String
    /// The weight of the summed loss against ½‖w̃‖² (scikit-learn's C). > 0.
    public let c: Double
    public let loss: Loss
    public let solver: Solver
    /// Dual coordinate descent: stop when max PG − min PG ≤ tolerance (LIBLINEAR's eps). SGD: the
    /// improvement of the epoch objective that counts. > 0.
    public let tolerance: Double
    /// Epochs (passes over the data) per class. ≥ 1.
    public let maxIterations: Int
    /// Seed of the epoch shuffles (one generator per group of classes solved together, split off in order).
    public let seed: UInt64

    /// K × D weights (row k: class k against the rest; for two classes the one row scores class 1).
    public private(set) var weights: Matrix?
    /// K biases.
    public private(set) var intercepts: [Float] = []
    /// The fitted softmax factor a = 1/T of the probabilities.
    public private(set) var inverseTemperature: Float = 1
    /// Epochs run per weight vector in the last fit.
    public private(set) var iterations: [Int] = []
    /// True when every weight vector of the last fit met `tolerance` before `maxIterations`.
    public private(set) var converged = false
    /// Dual coordinate descent: the dual objective ½αᵀQ̄α − eᵀα of each weight vector at the end
    /// of the fit (its negative is the primal optimum when converged). Empty for SGD.
    public private(set) var dualObjectives: [Double] = []
    private var classCount = 0

    /// - Parameters:
    ///   - c: default 1 (LinearSVC's).
    ///   - loss: default `.squaredHinge` (LinearSVC's).
    ///   - solver: default `.dualCoordinateDescent(shrinking: true)`.
    ///   - tolerance: default 1e-4 (LinearSVC's tol).
    ///   - maxIterations: default 1000 (LinearSVC's max_iter).
    ///   - seed: default 0.
    public init(c: Double = 1, loss: Loss = .squaredHinge, solver: Solver = .dualCoordinateDescent(),
                tolerance: Double = 1e-4, maxIterations: Int = 1000, seed: UInt64 = 0, name: String = "linsvm") throws {
        let model = "LinearSVM"
        guard c > 0, c.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "c", reason: "it is \(c); use a finite value > 0 (smaller means a wider margin and stronger regularization)")
        }
        guard tolerance > 0, tolerance.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "tolerance", reason: "it is \(tolerance); use a finite value > 0 (1e-4 is LinearSVC's)")
        }
        guard maxIterations >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "maxIterations", reason: "it is \(maxIterations); use at least 1 epoch")
        }
        // Pegasos' step 1/(λt) and its projection assume a Lipschitz loss; the squared hinge's
        // gradient grows with the violation and makes the early steps diverge.
        guard !(solver == .sgd && loss == .squaredHinge) else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "loss", reason: "the SGD solver (Pegasos) minimizes the hinge loss only; use loss .hinge with it, or the dual coordinate descent solver for the squared hinge")
        }
        self.c = c
        self.loss = loss
        self.solver = solver
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.seed = seed
        self.name = name
    }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try ClassifierError.checkFitInput(model: "LinearSVM", x, y, classCount: classCount)
        weights = nil
        let (n, d) = (x.rows, x.cols)
        let k = classCount == 2 ? 1 : classCount
        // Dual coordinate descent solves the classes in groups, one group per core: a group sweeps
        // the samples once per epoch for all of its classes (one shared shuffle), so each row is read
        // from memory once per group instead of once per class. The groups depend on the machine's
        // core count, never on the thread count; each has its own generator, split off in order
        // (SGD: one generator per class).
        let groupCount = solver == .sgd ? k : min(k, Parallel.coreCount)
        let groupSize = (k + groupCount - 1) / groupCount
        var root = Xoshiro256(seed: seed)
        let generators = (0..<groupCount).map { _ in root.split() }
        let norms = x.rowSquaredNorms()
        var w = [Float](repeating: 0, count: k * d)
        var results = [BinaryResult](repeating: BinaryResult(), count: k)
        let (c, loss, solver, tolerance, maxIterations) = (self.c, self.loss, self.solver, self.tolerance, self.maxIterations)
        x.data.withUnsafeBufferPointer { xp in
            w.withUnsafeMutableBufferPointer { wp in
                results.withUnsafeMutableBufferPointer { rp in
                    guard let xb = xp.baseAddress, let wb = wp.baseAddress, let rb = rp.baseAddress else { return }   // nothing to train
                    Parallel.forEachChunk(groupCount) { group in
                        let classes = (group * groupSize)..<min(k, (group + 1) * groupSize)
                        guard !classes.isEmpty else { return }
                        var rng = generators[group]
                        let problem = BinaryProblem(x: xb, n: n, d: d, labels: y, squaredNorms: norms, c: c, loss: loss)
                        switch solver {
                        case let .dualCoordinateDescent(shrinking):
                            let positives = classes.map { k == 1 ? 1 : $0 }
                            let solved = problem.solveDual(positives: positives, w: wb + classes.lowerBound * d, shrinking: shrinking,
                                                           tolerance: tolerance, maxEpochs: maxIterations, rng: &rng)
                            for (offset, r) in solved.enumerated() { rb[classes.lowerBound + offset] = r }
                        case .sgd:
                            let cls = classes.lowerBound
                            rb[cls] = problem.solvePegasos(positive: k == 1 ? 1 : cls, w: wb + cls * d, tolerance: tolerance,
                                                           maxEpochs: maxIterations, rng: &rng)
                        }
                    }
                }
            }
        }
        guard w.allSatisfy({ $0.isFinite }), results.allSatisfy({ $0.bias.isFinite }) else {
            throw ClassifierError.numericalFailure(model: "LinearSVM", reason: "the weights became non-finite with solver \(solver); lower c or scale the features")
        }
        let fitted = Matrix(rows: k, cols: d, data: w)
        weights = fitted
        intercepts = results.map(\.bias)
        iterations = results.map(\.epochs)
        converged = results.allSatisfy(\.converged)
        dualObjectives = solver == .sgd ? [] : results.map(\.dualObjective)
        self.classCount = classCount
        inverseTemperature = fitInverseTemperature(margins: try decisionFunction(x), labels: y)
    }

    /// The margins w_k·x + b_k, N × K (K = 1 for two classes: the margin of class 1).
    public func decisionFunction(_ x: Matrix) throws -> Matrix {
        guard let w = weights else { throw ClassifierError.notFitted(model: "LinearSVM") }
        try ClassifierError.checkPredictInput(model: "LinearSVM", x, featureCount: w.cols)
        var z = x.matmul(w, transposeOther: true)
        z.addToEachRow(intercepts)
        return z
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        softmaxOfMargins(try decisionFunction(x), inverseTemperature: inverseTemperature)
    }

    public func predict(_ x: Matrix) throws -> [Int] {
        let z = try decisionFunction(x)
        return z.cols == 1 ? z.data.map { $0 > 0 ? 1 : 0 } : z.rowArgmax()
    }

    // MARK: - Learned state

    /// "weights" K × D, "intercepts" K and "inverseTemperature" [1]; K = 1 for two classes, else the class count.
    public func learnedState() throws -> [String: Tensor] {
        guard let w = weights else { throw ClassifierError.notFitted(model: "LinearSVM") }
        return ["weights": Tensor(w), "intercepts": Tensor(shape: [intercepts.count], data: intercepts),
                "inverseTemperature": Tensor(shape: [1], data: [inverseTemperature])]
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        let model = "LinearSVM"
        try ClassifierError.checkRestoreClassCount(model: model, classCount)
        var reader = LearnedStateReader(model: model, state: state)
        let k = classCount == 2 ? 1 : classCount
        let w = try reader.takeMatrix("weights", rows: k)
        let b = try reader.take("intercepts", shape: [k])
        let a = try reader.take("inverseTemperature", shape: [1])
        guard a.data[0] > 0 else { throw reader.error("inverseTemperature", "is \(a.data[0]); it must be > 0") }
        try reader.finish()
        weights = w
        intercepts = b.data
        inverseTemperature = a.data[0]
        self.classCount = classCount
        iterations = []
        dualObjectives = []
        converged = false
    }
}

// MARK: - Temperature-scaled softmax of margins

/// softmax(a·z) per row (z N × K, K ≥ 2), or [1 − σ(a·z), σ(a·z)] for a single margin column.
func softmaxOfMargins(_ z: Matrix, inverseTemperature a: Float) -> Matrix {
    if z.cols == 1 {
        var p = Matrix(rows: z.rows, cols: 2)
        for i in 0..<z.rows {
            let s = sigmoid(a * z.data[i])
            p.data[2 * i] = 1 - s
            p.data[2 * i + 1] = s
        }
        return p
    }
    var scaled = z * a
    scaled.softmaxRows()
    return scaled
}

/// The factor a > 0 minimizing the mean log-loss of softmaxOfMargins(z, a) on the training labels:
/// L(a) = mean(logsumexp(a·zᵢ) − a·z_{i,yᵢ}) is convex in a with L' = mean(E_p[z] − z_y) and
/// L'' = mean(Var_p[z]), so Newton's method from a = 1, kept positive by halving, converges.
func fitInverseTemperature(margins z: Matrix, labels y: [Int]) -> Float {
    let (n, k) = (z.rows, z.cols)
    // A single margin column is the two-logit case [0, z].
    let logits: (Int) -> [Double] = { i in
        k == 1 ? [0, Double(z.data[i])] : (0..<k).map { Double(z.data[i * k + $0]) }
    }
    let rows = (0..<n).map(logits)
    func evaluate(_ a: Double) -> (loss: Double, first: Double, second: Double) {
        var loss = 0.0, first = 0.0, second = 0.0
        for (i, r) in rows.enumerated() {
            guard let peak = r.max() else { continue }   // a row without logits adds nothing
            let top = peak * a
            var total = 0.0, mean = 0.0, meanSquare = 0.0
            for v in r { let e = exp(a * v - top); total += e; mean += e * v; meanSquare += e * v * v }
            mean /= total
            meanSquare /= total
            loss += log(total) + top - a * r[y[i]]
            first += mean - r[y[i]]
            second += max(0, meanSquare - mean * mean)
        }
        return (loss / Double(n), first / Double(n), second / Double(n))
    }
    var a = 1.0
    var current = evaluate(a)
    for _ in 0..<100 {
        guard current.second > 1e-12 else { break }
        var step = current.first / current.second
        var next = a - step
        while next <= 0 { step /= 2; next = a - step }
        var candidate = evaluate(next)
        var halvings = 0
        while candidate.loss > current.loss + 1e-12 && halvings < 30 {
            step /= 2; next = a - step; candidate = evaluate(next); halvings += 1
        }
        guard candidate.loss <= current.loss + 1e-12 else { break }
        let change = abs(next - a)
        a = next
        current = candidate
        if change <= 1e-6 * max(1, a) { break }
    }
    return Float(min(max(a, 1e-6), 1e6))
}

// MARK: - One binary problem

struct BinaryResult {
    var bias: Float = 0
    var epochs = 0
    var converged = false
    var dualObjective = 0.0
}

/// The rows of x (N × D, row-major, borrowed) with their labels; each binary problem is one class
/// (`positive`, y = +1) against the rest (y = −1).
struct BinaryProblem {
    let x: UnsafePointer<Float>
    let n: Int
    let d: Int
    let labels: [Int]
    let squaredNorms: [Float]
    let c: Double
    let loss: LinearSVM.Loss

    /// LIBLINEAR's solve_l2r_l1l2_svc for the classes `positives` at once, sharing each epoch's
    /// shuffle: writes their weights (consecutive rows of D at w) and returns each one's bias (the
    /// weight of the constant feature 1), epochs and dual objective. Each class keeps its own
    /// shrinking state and stopping rule and drops out of the sweeps once it has converged.
    func solveDual(positives: [Int], w: UnsafeMutablePointer<Float>, shrinking: Bool, tolerance: Double, maxEpochs: Int,
                   rng: inout Xoshiro256) -> [BinaryResult] {
        let (upper, diagonal) = loss == .hinge ? (c, 0.0) : (Double.infinity, 0.5 / c)
        let m = positives.count
        for j in 0..<(m * d) { w[j] = 0 }
        var bias = [Double](repeating: 0, count: m)
        var alpha = [[Double]](repeating: [Double](repeating: 0, count: n), count: m)
        var active = [[Bool]](repeating: [Bool](repeating: true, count: n), count: m)
        var activeCount = [Int](repeating: n, count: m)
        var running = Array(0..<m)
        // Q̄ᵢᵢ = ‖x̃ᵢ‖² + 𝐷ᵢᵢ, with the constant feature's 1.
        let qd = (0..<n).map { Double(squaredNorms[$0]) + 1 + diagonal }
        var pgMaxOld = [Double](repeating: .infinity, count: m), pgMinOld = [Double](repeating: -.infinity, count: m)
        var results = [BinaryResult](repeating: BinaryResult(), count: m)
        var order = Array(0..<n)
        var epoch = 0
        while epoch < maxEpochs && !running.isEmpty {
            epoch += 1
            var pgMaxNew = [Double](repeating: -.infinity, count: m), pgMinNew = [Double](repeating: .infinity, count: m)
            // Fisher–Yates on the concrete array (the generic shuffle is not specialized across modules).
            for s in stride(from: n - 1, to: 0, by: -1) { order.swapAt(s, rng.int(below: s + 1)) }
            for (position, i) in order.enumerated() {
                let row = x + i * d
                // The rows come in random order: fetch the next one while this one is worked on.
                if position + 1 < n { ck_prefetch(x + order[position + 1] * d, Int32(d)) }
                for cls in running where active[cls][i] {
                    let wc = w + cls * d
                    let yi: Double = labels[i] == positives[cls] ? 1 : -1
                    let a = alpha[cls][i]
                    let g = yi * (Double(dotProduct(wc, row, d)) + bias[cls]) - 1 + diagonal * a
                    var pg = 0.0
                    if a == 0 {
                        if g > pgMaxOld[cls] && shrinking {
                            active[cls][i] = false
                            activeCount[cls] -= 1
                            continue
                        } else if g < 0 {
                            pg = g
                        }
                    } else if a == upper {
                        if g < pgMinOld[cls] && shrinking {
                            active[cls][i] = false
                            activeCount[cls] -= 1
                            continue
                        } else if g > 0 {
                            pg = g
                        }
                    } else {
                        pg = g
                    }
                    pgMaxNew[cls] = max(pgMaxNew[cls], pg)
                    pgMinNew[cls] = min(pgMinNew[cls], pg)
                    if abs(pg) > 1e-12 {
                        let updated = min(max(a - g / qd[i], 0), upper)
                        alpha[cls][i] = updated
                        let step = (updated - a) * yi
                        addScaled(Float(step), row, to: wc, d)
                        bias[cls] += step
                    }
                }
            }
            var stillRunning: [Int] = []
            for cls in running {
                results[cls].epochs = epoch
                if pgMaxNew[cls] - pgMinNew[cls] <= tolerance {
                    if activeCount[cls] == n {
                        results[cls].converged = true
                        continue
                    }
                    // Converged on the active set: recheck every variable with no shrinking bound.
                    for i in 0..<n { active[cls][i] = true }
                    activeCount[cls] = n
                    pgMaxOld[cls] = .infinity
                    pgMinOld[cls] = -.infinity
                } else {
                    pgMaxOld[cls] = pgMaxNew[cls] > 0 ? pgMaxNew[cls] : .infinity
                    pgMinOld[cls] = pgMinNew[cls] < 0 ? pgMinNew[cls] : -.infinity
                }
                stillRunning.append(cls)
            }
            running = stillRunning
        }
        for cls in 0..<m {
            // Dual objective ½‖w̃‖² + ½Σ𝐷ᵢᵢαᵢ² − Σαᵢ (LIBLINEAR's "Objective value").
            let wc = w + cls * d
            var v = bias[cls] * bias[cls]
            for j in 0..<d { v += Double(wc[j]) * Double(wc[j]) }
            var objective = 0.5 * v
            for a in alpha[cls] { objective += 0.5 * diagonal * a * a - a }
            results[cls].bias = Float(bias[cls])
            results[cls].dualObjective = objective
        }
        return results
    }

    /// Pegasos: w̃ = scale·v; each step shrinks by (1 − 1/t), adds η·(−∂ℓ) for a violated margin,
    /// and projects onto ‖w̃‖ ≤ 1/√λ.
    func solvePegasos(positive: Int, w: UnsafeMutablePointer<Float>, tolerance: Double, maxEpochs: Int,
                      rng: inout Xoshiro256) -> BinaryResult {
        let y = labels.map { $0 == positive ? 1.0 : -1.0 }
        let lambda = 1 / (c * Double(n))
        let radius = 1 / lambda.squareRoot()
        for j in 0..<d { w[j] = 0 }
        var vBias = 0.0, scale = 1.0, vNorm2 = 0.0
        var t = 0.0
        var best = Double.infinity, stale = 0
        var result = BinaryResult()
        var epoch = 0
        while epoch < maxEpochs {
            epoch += 1
            let order = rng.permutation(n)
            var lossSum = 0.0
            for i in order {
                t += 1
                let row = x + i * d
                let yi = y[i]
                let vx = Double(dotProduct(w, row, d)) + vBias
                let margin = yi * scale * vx
                let eta = 1 / (lambda * t)
                // The shrink w̃ ← (1 − ηλ)w̃ = (1 − 1/t)w̃; at t = 1 it zeroes the weights.
                if t == 1 {
                    for j in 0..<d { w[j] = 0 }
                    vBias = 0; vNorm2 = 0; scale = 1
                } else {
                    scale *= 1 - 1 / t
                }
                var slope = 0.0  // −∂ℓ/∂margin of the hinge
                if margin < 1 { lossSum += 1 - margin; slope = 1 }
                if slope > 0 {
                    let step = eta * slope * yi / scale
                    let currentVx = t == 1 ? 0 : vx
                    vNorm2 += 2 * step * currentVx + step * step * (Double(squaredNorms[i]) + 1)
                    addScaled(Float(step), row, to: w, d)
                    vBias += step
                }
                let norm = scale * max(vNorm2, 0).squareRoot()
                if norm > radius { scale *= radius / norm }
                if scale < 1e-9 {  // fold the scale into v before it underflows the float weights
                    for j in 0..<d { w[j] = Float(Double(w[j]) * scale) }
                    vBias *= scale
                    vNorm2 *= scale * scale
                    scale = 1
                }
            }
            let objective = 0.5 * lambda * scale * scale * vNorm2 + lossSum / Double(n)
            if objective > best - tolerance {
                stale += 1
                if stale >= 5 { result.converged = true; break }
            } else {
                stale = 0
            }
            best = min(best, objective)
        }
        for j in 0..<d { w[j] = Float(Double(w[j]) * scale) }
        result.bias = Float(vBias * scale)
        result.epochs = epoch
        return result
    }
}

// MARK: - Vector kernels

/// Σ a[j]·b[j] over n floats (AVX-512 when the CPU has it; a fixed order, the same bits on every thread).
@inline(__always)
func dotProduct(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    ck_dot(a, b, Int32(n))
}

/// y[j] += alpha·x[j] over n floats.
@inline(__always)
func addScaled(_ alpha: Float, _ x: UnsafePointer<Float>, to y: UnsafeMutablePointer<Float>, _ n: Int) {
    ck_axpy(alpha, x, y, Int32(n))
}
