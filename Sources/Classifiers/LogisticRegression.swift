// Logistic regression, binary (sigmoid) and multinomial (softmax), with an L2 penalty, fitted by
// L-BFGS (default), full-batch gradient descent, or mini-batch SGD with momentum.
//
// Legend: N = samples, D = features, C = classes, K = output columns (1 for two classes, else C).
// Objective (the mean form of scikit-learn's, so C means the same thing):
//   J(W, b) = (1/N) Σᵢ L(aᵢ, yᵢ) + ‖W‖² / (2·C·N),   the intercepts b are not penalized,
// with aᵢ = σ(wᵀxᵢ + b) and L = −(y log a + (1 − y) log(1 − a)) for two classes, and
// aᵢ = softmax(Wᵀxᵢ + b) and L = −log a_{i,yᵢ} for more. The gradient is the lecture's
//   ∂J/∂W = (1/N) Σᵢ xᵢ (aᵢ − yᵢ)ᵀ + W/(C·N),   ∂J/∂b = (1/N) Σᵢ (aᵢ − yᵢ),
// computed for all samples at once with two matrix multiplies.
import CClassicalKernels
import Foundation
import Tensors

/// Logistic regression with an L2 penalty (scikit-learn's `LogisticRegression`, multinomial).
public struct LogisticRegression: PersistableClassifier, ProgressReportingClassifier {
    /// How the weights are optimized.
    public enum Solver: Equatable, Sendable, CustomStringConvertible {
        /// Limited-memory BFGS with a backtracking (Armijo) line search: deterministic and fast; the default.
        case lbfgs(memory: Int = 10)
        /// Full-batch gradient descent with a fixed step.
        case gradientDescent(learningRate: Double)
        /// Mini-batch stochastic gradient descent with (heavy-ball) momentum; one iteration is one
        /// epoch over the shuffled training set.
        case sgd(learningRate: Double, momentum: Double = 0.9, batchSize: Int = 128)

        public var description: String {
            switch self {
            case let .lbfgs(m): return "lbfgs(memory: \(m))"
            case let .gradientDescent(lr): return "gradientDescent(learningRate: \(lr))"
            case let .sgd(lr, mu, b): return "sgd(learningRate: \(lr), momentum: \(mu), batchSize: \(b))"
            }
        }
    }

    public var name: String
    /// Inverse L2 strength, scikit-learn's C: the penalty is ‖W‖²/(2C) on the summed loss. > 0.
    public let c: Double
    public let solver: Solver
    /// Iterations (L-BFGS, gradient descent) or epochs (SGD). ≥ 1.
    public let maxIterations: Int
    /// Stop when the largest gradient component is at most this (L-BFGS, gradient descent), or when
    /// an epoch lowers the mean loss by less than this (SGD). ≥ 0.
    public let tolerance: Double
    /// Standardize every feature (zero mean, unit variance, learned in `fit`) before the linear model.
    public let standardize: Bool
    /// Seed of the SGD shuffles (the other solvers are deterministic).
    public let seed: UInt64

    /// D × K weights (in the standardized space when `standardize`), nil before `fit`.
    public private(set) var weights: Matrix?
    /// K intercepts.
    public private(set) var intercepts: [Float] = []
    /// The objective after each iteration of the last fit (SGD: mean batch loss of each epoch).
    public private(set) var lossHistory: [Double] = []
    /// Iterations (or epochs) the last fit ran.
    public var iterations: Int { lossHistory.count }
    /// True when the last fit stopped on `tolerance` rather than on `maxIterations`.
    public private(set) var converged = false
    private var classCount = 0
    private var standardizer: FeatureStandardizer?
    /// Called after every L-BFGS or gradient-descent iteration and every SGD epoch of `fit`, with
    /// stage "iteration", done = the iteration, total = `maxIterations` and the loss as detail.
    public var progress: FitProgressHandler?
    private var clock = Stopwatch()

    /// - Parameters:
    ///   - c: inverse L2 strength (scikit-learn's C), default 1.
    ///   - solver: default `.lbfgs(memory: 10)`.
    ///   - maxIterations: default 100 (scikit-learn's default).
    ///   - tolerance: default 1e-4 (scikit-learn's default).
    ///   - standardize: default false (pixels in [0, 1] need none).
    ///   - seed: default 0.
    public init(c: Double = 1, solver: Solver = .lbfgs(), maxIterations: Int = 100, tolerance: Double = 1e-4,
                standardize: Bool = false, seed: UInt64 = 0, name: String = "logreg") throws {
        let model = "LogisticRegression"
        guard c > 0, c.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "c", reason: "it is \(c); use a finite value > 0 (smaller means stronger regularization)")
        }
        guard maxIterations >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "maxIterations", reason: "it is \(maxIterations); use at least 1")
        }
        guard tolerance >= 0, tolerance.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "tolerance", reason: "it is \(tolerance); use a finite value ≥ 0")
        }
        switch solver {
        case let .lbfgs(memory):
            guard memory >= 1 else {
                throw ClassifierError.invalidHyperparameter(model: model, name: "lbfgs memory", reason: "it is \(memory); use at least 1 (10 is typical)")
            }
        case let .gradientDescent(lr):
            guard lr > 0, lr.isFinite else {
                throw ClassifierError.invalidHyperparameter(model: model, name: "learningRate", reason: "it is \(lr); use a finite value > 0")
            }
        case let .sgd(lr, momentum, batchSize):
            guard lr > 0, lr.isFinite else {
                throw ClassifierError.invalidHyperparameter(model: model, name: "learningRate", reason: "it is \(lr); use a finite value > 0")
            }
            guard momentum >= 0, momentum < 1 else {
                throw ClassifierError.invalidHyperparameter(model: model, name: "momentum", reason: "it is \(momentum); use a value in [0, 1)")
            }
            guard batchSize >= 1 else {
                throw ClassifierError.invalidHyperparameter(model: model, name: "batchSize", reason: "it is \(batchSize); use at least 1")
            }
        }
        self.c = c
        self.solver = solver
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.standardize = standardize
        self.seed = seed
        self.name = name
    }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try ClassifierError.checkFitInput(model: "LogisticRegression", x, y, classCount: classCount)
        weights = nil
        lossHistory = []
        converged = false
        clock = Stopwatch()
        standardizer = standardize ? FeatureStandardizer(fitting: x) : nil
        let xs = standardizer?.apply(x) ?? x
        let objective = LogisticObjective(x: xs, y: y, classCount: classCount, c: c)
        var theta = [Float](repeating: 0, count: objective.parameterCount)
        switch solver {
        case let .lbfgs(memory):
            theta = try minimizeLBFGS(objective, start: theta, memory: memory)
        case let .gradientDescent(lr):
            theta = try minimizeGradientDescent(objective, start: theta, learningRate: lr)
        case let .sgd(lr, momentum, batchSize):
            theta = try minimizeSGD(objective, start: theta, learningRate: lr, momentum: momentum, batchSize: batchSize)
        }
        let (w, b) = objective.unpack(theta)
        weights = w
        intercepts = b
        self.classCount = classCount
    }

    /// Scores Z = XW + b (N × K), in the model's input space.
    public func decisionFunction(_ x: Matrix) throws -> Matrix {
        guard let w = weights else { throw ClassifierError.notFitted(model: "LogisticRegression") }
        try ClassifierError.checkPredictInput(model: "LogisticRegression", x, featureCount: w.rows)
        let xs = standardizer?.apply(x) ?? x
        var z = xs.matmul(w)
        z.addToEachRow(intercepts)
        return z
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        var z = try decisionFunction(x)
        if classCount == 2 {
            var p = Matrix(rows: z.rows, cols: 2)
            for i in 0..<z.rows {
                let a = sigmoid(z.data[i])
                p.data[2 * i] = 1 - a
                p.data[2 * i + 1] = a
            }
            return p
        }
        z.softmaxRows()
        return z
    }

    // MARK: - Learned state

    /// The number of outputs K of the fitted model (1 for two classes), 0 before fit.
    public var outputCount: Int { weights?.cols ?? 0 }

    /// "weights" D × K, "intercepts" K, and with `standardize` "standardizer.mean" and
    /// "standardizer.inverseStd" (D each); K = 1 for two classes, else the class count.
    public func learnedState() throws -> [String: Tensor] {
        guard let w = weights else { throw ClassifierError.notFitted(model: "LogisticRegression") }
        var state = ["weights": Tensor(w), "intercepts": Tensor(shape: [intercepts.count], data: intercepts)]
        if let s = standardizer {
            state["standardizer.mean"] = Tensor(shape: [s.mean.count], data: s.mean)
            state["standardizer.inverseStd"] = Tensor(shape: [s.inverseStd.count], data: s.inverseStd)
        }
        return state
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        let model = "LogisticRegression"
        try ClassifierError.checkRestoreClassCount(model: model, classCount)
        var reader = LearnedStateReader(model: model, state: state)
        let k = classCount == 2 ? 1 : classCount
        let w = try reader.takeMatrix("weights", cols: k)
        let d = w.rows
        let b = try reader.take("intercepts", shape: [k])
        var restored: FeatureStandardizer?
        if standardize {
            let mean = try reader.take("standardizer.mean", shape: [d])
            let inverseStd = try reader.take("standardizer.inverseStd", shape: [d])
            if let i = inverseStd.data.firstIndex(where: { $0 <= 0 }) {
                throw reader.error("standardizer.inverseStd", "holds \(inverseStd.data[i]) at element \(i); inverse standard deviations are > 0")
            }
            restored = FeatureStandardizer(mean: mean.data, inverseStd: inverseStd.data)
        }
        try reader.finish()
        weights = w
        intercepts = b.data
        standardizer = restored
        self.classCount = classCount
        lossHistory = []
        converged = false
    }

    // MARK: - Solvers

    /// Appends the loss of an iteration and reports it.
    private mutating func record(_ loss: Double) {
        lossHistory.append(loss)
        if let progress {
            progress(FitProgress(stage: "iteration", done: lossHistory.count, total: maxIterations,
                                 detail: "loss \(String(format: "%.6g", loss))", elapsedSeconds: clock.seconds))
        }
    }

    private func nanError(_ iteration: Int, _ loss: Double) -> ClassifierError {
        .numericalFailure(model: "LogisticRegression",
                          reason: "the loss became \(loss) at iteration \(iteration) of solver \(solver); lower the learning rate, set standardize: true, or check the features for huge values")
    }

    private mutating func minimizeLBFGS(_ f: LogisticObjective, start: [Float], memory: Int) throws -> [Float] {
        let p = start.count
        var x = start.map(Double.init)
        var (fx, g) = f.evaluate(x.map(Float.init))
        guard fx.isFinite else { throw nanError(0, fx) }
        var s: [[Double]] = [], yHist: [[Double]] = [], rho: [Double] = []
        for iteration in 1...maxIterations {
            if g.reduce(0, { max($0, abs($1)) }) <= tolerance { converged = true; break }
            // Two-loop recursion: d = −H·g.
            var q = g
            var alpha = [Double](repeating: 0, count: s.count)
            for j in stride(from: s.count - 1, through: 0, by: -1) {
                alpha[j] = rho[j] * dot(s[j], q)
                axpy(-alpha[j], yHist[j], &q)
            }
            var gamma = 1.0
            if let sl = s.last, let yl = yHist.last { gamma = dot(sl, yl) / dot(yl, yl) }
            for i in 0..<p { q[i] *= gamma }
            for j in 0..<s.count {
                let beta = rho[j] * dot(yHist[j], q)
                axpy(alpha[j] - beta, s[j], &q)
            }
            var d = q.map { -$0 }
            var slope = dot(g, d)
            if slope >= 0 {  // not a descent direction: restart from steepest descent
                d = g.map { -$0 }
                slope = dot(g, d)
                s.removeAll(); yHist.removeAll(); rho.removeAll()
            }
            // Backtracking line search with the Armijo condition; the first step is scaled to unit length.
            var step = s.isEmpty ? min(1, 1 / max(sqrt(dot(d, d)), 1e-12)) : 1
            var xNew = x, fNew = fx, gNew = g
            var accepted = false
            for _ in 0..<40 {
                for i in 0..<p { xNew[i] = x[i] + step * d[i] }
                (fNew, gNew) = f.evaluate(xNew.map(Float.init))
                if fNew.isFinite && fNew <= fx + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard fNew.isFinite else { throw nanError(iteration, fNew) }
            guard accepted else { converged = true; break }  // no decrease possible at float precision
            let sk = (0..<p).map { xNew[$0] - x[$0] }
            let yk = (0..<p).map { gNew[$0] - g[$0] }
            let sy = dot(sk, yk)
            if sy > 1e-10 * sqrt(dot(sk, sk) * dot(yk, yk)) {
                if s.count == memory { s.removeFirst(); yHist.removeFirst(); rho.removeFirst() }
                s.append(sk); yHist.append(yk); rho.append(1 / sy)
            }
            let relativeDecrease = (fx - fNew) / max(abs(fx), abs(fNew), 1)
            x = xNew; fx = fNew; g = gNew
            record(fx)
            if relativeDecrease <= 1e-10 { converged = true; break }
        }
        return x.map(Float.init)
    }

    private mutating func minimizeGradientDescent(_ f: LogisticObjective, start: [Float], learningRate: Double) throws -> [Float] {
        var theta = start
        let lr = Float(learningRate)
        for iteration in 1...maxIterations {
            let (loss, g) = f.evaluate(theta)
            guard loss.isFinite else { throw nanError(iteration, loss) }
            if iteration > 1 { record(loss) }
            if g.reduce(0, { max($0, abs($1)) }) <= tolerance { converged = true; return theta }
            for i in theta.indices { theta[i] -= lr * Float(g[i]) }
        }
        let (loss, _) = f.evaluate(theta)
        guard loss.isFinite else { throw nanError(maxIterations, loss) }
        record(loss)
        return theta
    }

    private mutating func minimizeSGD(_ f: LogisticObjective, start: [Float], learningRate: Double, momentum: Double,
                                      batchSize: Int) throws -> [Float] {
        var theta = start
        var velocity = [Float](repeating: 0, count: theta.count)
        var rng = Xoshiro256(seed: seed)
        let n = f.x.rows
        let (lr, mu) = (Float(learningRate), Float(momentum))
        var previous = Double.infinity
        for epoch in 1...maxIterations {
            let order = rng.permutation(n)
            var total = 0.0, batches = 0
            for start in stride(from: 0, to: n, by: batchSize) {
                let idx = Array(order[start..<min(start + batchSize, n)])
                let batch = LogisticObjective(x: f.x.rows(idx), y: idx.map { f.y[$0] }, classCount: f.classCount,
                                              c: f.c, penaltyCount: n)
                let (loss, g) = batch.evaluate(theta)
                guard loss.isFinite else { throw nanError(epoch, loss) }
                for i in theta.indices {
                    velocity[i] = mu * velocity[i] - lr * Float(g[i])
                    theta[i] += velocity[i]
                }
                total += loss
                batches += 1
            }
            let mean = total / Double(batches)
            guard mean.isFinite else { throw nanError(epoch, mean) }
            record(mean)
            if abs(previous - mean) < tolerance { converged = true; break }
            previous = mean
        }
        return theta
    }
}

@inline(__always) func sigmoid(_ z: Float) -> Float {
    z >= 0 ? 1 / (1 + expf(-z)) : { let e = expf(z); return e / (1 + e) }()
}

private func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

private func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for i in y.indices { y[i] += alpha * x[i] }
}

/// The penalized mean cross-entropy and its gradient, for a parameter vector θ = [W (D×K row-major), b (K)].
public struct LogisticObjective: Sendable {
    public let x: Matrix
    public let y: [Int]
    public let classCount: Int
    public let c: Double
    /// The N of the penalty ‖W‖²/(2·C·N): the full training set size, also for a mini-batch.
    public let penaltyCount: Int

    /// - Parameter penaltyCount: defaults to the number of rows of `x`.
    public init(x: Matrix, y: [Int], classCount: Int, c: Double, penaltyCount: Int? = nil) {
        self.x = x
        self.y = y
        self.classCount = classCount
        self.c = c
        self.penaltyCount = penaltyCount ?? x.rows
    }

    /// Output columns K: 1 for two classes (sigmoid), classCount otherwise (softmax).
    public var outputs: Int { classCount == 2 ? 1 : classCount }
    public var parameterCount: Int { (x.cols + 1) * outputs }

    public func unpack(_ theta: [Float]) -> (Matrix, [Float]) {
        let d = x.cols, k = outputs
        return (Matrix(rows: d, cols: k, data: Array(theta[0..<(d * k)])), Array(theta[(d * k)...]))
    }

    /// (J(θ), ∇J(θ)).
    public func evaluate(_ theta: [Float]) -> (loss: Double, gradient: [Double]) {
        if classCount > 2 && classCount <= 16 { return evaluateFused(theta) }
        let (w, b) = unpack(theta)
        let (n, k) = (x.rows, outputs)
        // Forward: Z = XW + b (N × K), then A − Y in place, with the loss summed per row chunk.
        var z = x.matmul(w)
        let twoClass = classCount == 2
        let partial: [Double] = z.data.withUnsafeMutableBufferPointer { zp in
            guard let base = zp.baseAddress else { return [] }   // no rows: no loss
            return Parallel.mapChunks(0..<n, grain: 2048) { rows -> Double in
                var loss = 0.0
                for i in rows {
                    let row = base + i * k
                    if twoClass {
                        let zi = row[0] + b[0], yi: Float = y[i] == 1 ? 1 : 0
                        // log(1 + e^z) − y·z, computed without overflow
                        loss += Double(max(zi, 0) + log1pf(expf(-abs(zi))) - yi * zi)
                        row[0] = sigmoid(zi) - yi
                    } else {
                        var top = -Float.infinity
                        for j in 0..<k { row[j] += b[j]; top = max(top, row[j]) }
                        let shiftedTarget = row[y[i]] - top
                        var total: Float = 0
                        for j in 0..<k { let e = expf(row[j] - top); row[j] = e; total += e }
                        loss += Double(logf(total) - shiftedTarget)  // −log softmax(z)_y
                        let inv = 1 / total
                        for j in 0..<k { row[j] *= inv }
                        row[y[i]] -= 1
                    }
                }
                return loss
            }
        }
        // Backward: ∂J/∂W = Xᵀ(A − Y)/N + W/(C·N_penalty), ∂J/∂b = colsum(A − Y)/N.
        var gw = Matrix(rows: x.cols, cols: k)
        Matrix.multiply(x, transposeA: true, z, into: &gw)
        let gb = z.columnSums()
        let invN = 1 / Double(n), lambda = 1 / (c * Double(penaltyCount))
        var gradient = [Double](repeating: 0, count: theta.count)
        var penalty = 0.0
        for i in 0..<(x.cols * k) {
            let wi = Double(theta[i])
            gradient[i] = Double(gw.data[i]) * invN + lambda * wi
            penalty += wi * wi
        }
        for j in 0..<k { gradient[x.cols * k + j] = Double(gb[j]) * invN }
        let loss = partial.reduce(0, +) * invN + 0.5 * lambda * penalty
        return (loss, gradient)
    }

    /// The multinomial objective in one pass over X per row chunk (z, softmax and the gradient
    /// together, while the rows are in cache); chunks are combined in order.
    private func evaluateFused(_ theta: [Float]) -> (loss: Double, gradient: [Double]) {
        let (n, d, k) = (x.rows, x.cols, outputs)
        var w16 = [Float](repeating: 0, count: d * 16), b16 = [Float](repeating: 0, count: 16)
        for j in 0..<d { for c in 0..<k { w16[j * 16 + c] = theta[j * k + c] } }
        for c in 0..<k { b16[c] = theta[d * k + c] }
        let labels = y.map(Int32.init)
        let partial = x.data.withUnsafeBufferPointer { xp in
            labels.withUnsafeBufferPointer { yp in
                // No rows (or no features) leave no loss to sum.
                guard let xb = xp.baseAddress, let yb = yp.baseAddress else { return [(Double, [Float], [Float])]() }
                return Parallel.mapChunks(0..<n, grain: 4096) { rows -> (Double, [Float], [Float]) in
                    var gw = [Float](repeating: 0, count: d * 16), gb = [Float](repeating: 0, count: 16)
                    let loss = ck_softmax_cross_entropy(xb + rows.lowerBound * d, Int32(rows.count), Int32(d),
                                                        yb + rows.lowerBound, w16, b16, Int32(k), &gw, &gb)
                    return (loss, gw, gb)
                }
            }
        }
        var gw = [Double](repeating: 0, count: d * 16), gb = [Double](repeating: 0, count: 16)
        var lossSum = 0.0
        for (loss, pw, pb) in partial {
            lossSum += loss
            for i in 0..<(d * 16) { gw[i] += Double(pw[i]) }
            for c in 0..<16 { gb[c] += Double(pb[c]) }
        }
        let invN = 1 / Double(n), lambda = 1 / (c * Double(penaltyCount))
        var gradient = [Double](repeating: 0, count: theta.count)
        var penalty = 0.0
        for j in 0..<d {
            for c in 0..<k {
                let wi = Double(theta[j * k + c])
                gradient[j * k + c] = gw[j * 16 + c] * invN + lambda * wi
                penalty += wi * wi
            }
        }
        for c in 0..<k { gradient[d * k + c] = gb[c] * invN }
        return (lossSum * invN + 0.5 * lambda * penalty, gradient)
    }
}
