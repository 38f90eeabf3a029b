// Kernel support vector machine with the RBF kernel, one-vs-one, solved exactly by SMO as LIBSVM
// does (scikit-learn's SVC), with the kernel computed in blocks through the matrix multiply.
//
// Legend: N = training samples, D = features, C = classes, P = C(C−1)/2 class pairs, S = support
// vectors (the union over the pairs), n = samples of one pair.
// Kernel: K(x, z) = exp(−γ‖x − z‖²), with ‖x − z‖² = ‖x‖² + ‖z‖² − 2x·z, so a block of kernel
// values is one GEMM plus an exponential (float32, the suite's precision; distances clamped at 0).
// Each pair (a, b), a < b, solves the C-SVC dual on its n samples, y = +1 for class a, −1 for b:
//   min_α ½αᵀQα − eᵀα,   0 ≤ αᵢ ≤ C,   yᵀα = 0,   Qᵢⱼ = yᵢyⱼK(xᵢ, xⱼ),
// by sequential minimal optimization with LIBSVM's second-order working-set selection (WSS2 of
// Fan, Chen, Lin, "Working set selection using second order information for training SVM", JMLR
// 2005), stopping when m(α) − M(α) < `tolerance` (LIBSVM's eps), and LIBSVM's ρ (the mean yᵢ∇ᵢ
// over free αᵢ). The decision of the pair is f(x) = Σᵢ αᵢyᵢK(xᵢ, x) − ρ, positive for class a.
// Deviations from LIBSVM: no shrinking; when every pair's n × n kernel fits in `cacheMegabytes`,
// the within-class blocks K(a, a) are computed once (one GEMM each) and shared by the pairs of a
// class, and each pair computes its cross block K(a, b) by one GEMM and holds its whole kernel;
// otherwise rows are computed one at a time into a least-recently-used cache of that size. The
// gradient and α are kept in double, the kernel in float32.
// Pairs are independent problems, solved in parallel over the cores; the result does not depend
// on the thread count.
import Foundation
import Tensors

/// An RBF-kernel SVM, one-vs-one (scikit-learn's `SVC(kernel="rbf")`, LIBSVM's C-SVC), by exact SMO.
///
/// Exact rather than approximate (no Nyström features): it finds LIBSVM's solution (the same
/// support vectors and accuracy on Fashion-MNIST and MNIST-5k), and the speed comes from computing
/// the kernel in large GEMM blocks instead of LIBSVM's one row at a time.
///
/// Probabilities: LIBSVM's method without its internal cross-validation. Every pair's decision
/// values on its own training samples are mapped to a probability by Platt scaling (a sigmoid
/// 1/(1 + exp(A·f + B)) fitted by Newton's method with Platt's smoothed targets, LIBSVM's
/// `sigmoid_train`), and the P pairwise probabilities of a sample are coupled into C class
/// probabilities by the second method of Wu, Lin and Weng (2004) (LIBSVM's `multiclass_probability`).
/// Decision values on training samples are more confident than on new ones, so the probabilities
/// lean towards 0 and 1.
///
/// `predict` is the most probable class, as for every model of the suite and as LIBSVM's
/// `svm-predict -b 1`. `voteWinners` is the vote of scikit-learn's `SVC.predict` (each pair votes by
/// the sign of its decision value); the two differ on close calls (1.3% of the Fashion-MNIST test
/// images, where the argmax was right slightly more often: 0.9013 against 0.9002).
public struct KernelSVM: PersistableClassifier {
    /// The RBF width γ of K(x, z) = exp(−γ‖x − z‖²).
    public enum Gamma: Equatable, Sendable, CustomStringConvertible {
        /// scikit-learn's gamma='scale': 1/(D·Var(X)), the variance over every value of the training
        /// matrix (1 when that variance is 0).
        case scale
        /// A fixed γ > 0.
        case value(Double)

        public var description: String {
            switch self {
            case .scale: return "scale"
            case let .value(g): return "\(g)"
            }
        }
    }

    public var name: String
    /// The bound of every αᵢ (scikit-learn's C): larger fits the training data more closely. > 0.
    public let c: Double
    public let gamma: Gamma
    /// Stop a pair's SMO when the maximal violation m(α) − M(α) is below this (LIBSVM's eps). > 0.
    public let tolerance: Double
    /// SMO iterations per pair; nil: LIBSVM's max(10⁷, 100·n). ≥ 1.
    public let maxIterations: Int?
    /// Memory for the kernel rows of one pair (every pair being solved at once has its own). ≥ 1.
    public let cacheMegabytes: Int

    /// S × D support vectors, the training rows with αᵢ > 0 in any pair, in training order.
    public private(set) var supportVectors: Matrix?
    /// P × S coefficients αᵢyᵢ of each pair's decision function (0 where a support vector is not
    /// part of that pair); pairs in LIBSVM's order (0,1), (0,2), …, (1,2), ….
    public private(set) var coefficients: Matrix?
    /// P intercepts −ρ.
    public private(set) var intercepts: [Float] = []
    /// The γ used (`gamma` resolved on the training data).
    public private(set) var gammaValue: Double = 0
    /// Platt's A and B of each pair.
    public private(set) var plattA: [Float] = []
    public private(set) var plattB: [Float] = []
    /// SMO iterations of each pair in the last fit.
    public private(set) var iterations: [Int] = []
    /// True when every pair met `tolerance` within its iteration limit.
    public private(set) var converged = false
    private var classCount = 0

    /// - Parameters:
    ///   - c: default 1 (SVC's).
    ///   - gamma: default `.scale` (SVC's).
    ///   - tolerance: default 1e-3 (SVC's tol).
    ///   - maxIterations: default nil (LIBSVM's limit).
    ///   - cacheMegabytes: default 1024 (a pair of up to 16,384 samples keeps its whole kernel).
    public init(c: Double = 1, gamma: Gamma = .scale, tolerance: Double = 1e-3, maxIterations: Int? = nil,
                cacheMegabytes: Int = 1024, name: String = "rbfsvm") throws {
        let model = "KernelSVM"
        guard c > 0, c.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "c", reason: "it is \(c); use a finite value > 0 (larger fits the training data more closely)")
        }
        if case let .value(g) = gamma, !(g > 0 && g.isFinite) {
            throw ClassifierError.invalidHyperparameter(model: model, name: "gamma", reason: "it is \(g); use a finite value > 0, or .scale for 1/(features · variance)")
        }
        guard tolerance > 0, tolerance.isFinite else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "tolerance", reason: "it is \(tolerance); use a finite value > 0 (1e-3 is SVC's)")
        }
        if let m = maxIterations, m < 1 {
            throw ClassifierError.invalidHyperparameter(model: model, name: "maxIterations", reason: "it is \(m); use at least 1, or nil for LIBSVM's limit")
        }
        guard cacheMegabytes >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: model, name: "cacheMegabytes", reason: "it is \(cacheMegabytes); use at least 1")
        }
        self.c = c
        self.gamma = gamma
        self.tolerance = tolerance
        self.maxIterations = maxIterations
        self.cacheMegabytes = cacheMegabytes
        self.name = name
    }

    /// The class pairs (a, b), a < b, in LIBSVM's order.
    static func pairs(_ classCount: Int) -> [(Int, Int)] {
        (0..<classCount).flatMap { a in ((a + 1)..<classCount).map { (a, $0) } }
    }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        let model = "KernelSVM"
        try ClassifierError.checkFitInput(model: model, x, y, classCount: classCount)
        supportVectors = nil
        var members = [[Int]](repeating: [], count: classCount)
        for (i, label) in y.enumerated() { members[label].append(i) }
        if let empty = members.firstIndex(where: { $0.isEmpty }) {
            throw ClassifierError.invalidData(model: model, reason: "class \(empty) has no training samples; a one-vs-one SVM needs at least one sample of every class (pass the classes present as 0..<k)")
        }
        let g = resolvedGamma(x)
        let pairs = Self.pairs(classCount)
        let norms = x.rowSquaredNorms()
        let classRows = members.map { x.rows($0) }
        let classNorms = members.map { $0.map { norms[$0] } }
        let cacheBytes = cacheMegabytes << 20
        let largestPair = pairs.map { members[$0.0].count + members[$0.1].count }.max() ?? 0
        // When every pair's kernel fits the cache, the within-class blocks K(a, a) are computed once
        // and shared by the C − 1 pairs of each class; a pair then computes only its cross block.
        let blocks = largestPair * largestPair * 4 <= cacheBytes
        let within: [Matrix] = blocks ? (0..<classCount).map { a in
            var k = classRows[a].matmul(classRows[a], transposeOther: true)
            rbfInPlace(&k, rowNorms: classNorms[a], columnNorms: classNorms[a], gamma: Float(g))
            for i in 0..<k.rows { k.data[i * k.cols + i] = 1 }
            return k
        } : []
        // Every slot is overwritten: the queue hands out each pair exactly once.
        var solutions = [PairSolution](repeating: PairSolution(), count: pairs.count)
        let (c, tolerance, maxIterations) = (self.c, self.tolerance, self.maxIterations)
        // One lane per thread takes the next unsolved pair; a pair's result does not depend on the
        // lane, so neither the thread count nor the order changes the model.
        let queue = WorkQueue(count: pairs.count)
        solutions.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }   // no pairs to solve
            Parallel.forEachChunk(min(Parallel.threadCount, pairs.count)) { _ in
                let buffer: UnsafeMutablePointer<Float>? = blocks ? .allocate(capacity: largestPair * largestPair) : nil
                defer { buffer?.deallocate() }
                while let p = queue.next() {
                    let (a, b) = pairs[p]
                    let (na, nb) = (members[a].count, members[b].count)
                    let kernel: KernelRows
                    if let buffer {
                        assemblePairKernel(into: buffer, within[a], within[b], classRows[a], classRows[b],
                                           classNorms[a], classNorms[b], gamma: Float(g))
                        kernel = KernelRows(precomputed: buffer, n: na + nb)
                    } else {
                        kernel = KernelRows(x: Matrix.vstack([classRows[a], classRows[b]]), squaredNorms: classNorms[a] + classNorms[b],
                                            gamma: Float(g), cacheBytes: cacheBytes)
                    }
                    var solution = solvePair(kernel: kernel, n: na + nb, positives: na, c: c, tolerance: tolerance,
                                             maxIterations: maxIterations ?? max(10_000_000, 100 * (na + nb)))
                    solution.rows = members[a] + members[b]
                    (base + p).pointee = solution
                }
            }
        }
        let solved = solutions
        // Support vectors: every training row with α > 0 in some pair, in training order.
        var isSupport = [Bool](repeating: false, count: x.rows)
        for s in solved { for (k, i) in s.rows.enumerated() where s.alpha[k] > 0 { isSupport[i] = true } }
        let supportRows = isSupport.indices.filter { isSupport[$0] }
        var column = [Int](repeating: -1, count: x.rows)
        for (k, i) in supportRows.enumerated() { column[i] = k }
        var coef = Matrix(rows: pairs.count, cols: max(1, supportRows.count))
        for (p, s) in solved.enumerated() {
            let positives = members[pairs[p].0].count
            for (k, i) in s.rows.enumerated() where s.alpha[k] > 0 {
                coef[p, column[i]] = Float(k < positives ? s.alpha[k] : -s.alpha[k])
            }
        }
        guard !supportRows.isEmpty else {
            throw ClassifierError.numericalFailure(model: model, reason: "no support vectors were found; check the labels and c")
        }
        supportVectors = x.rows(supportRows)
        coefficients = coef
        intercepts = solved.map { Float(-$0.rho) }
        gammaValue = g
        plattA = solved.map { Float($0.plattA) }
        plattB = solved.map { Float($0.plattB) }
        iterations = solved.map(\.iterations)
        converged = solved.allSatisfy(\.converged)
        self.classCount = classCount
    }

    func resolvedGamma(_ x: Matrix) -> Double {
        switch gamma {
        case let .value(g): return g
        case .scale:
            let partial = x.data.withUnsafeBufferPointer { p in
                Parallel.mapChunks(0..<x.data.count, grain: 1 << 20) { r -> (Double, Double) in
                    var s = 0.0, s2 = 0.0
                    for i in r { let v = Double(p[i]); s += v; s2 += v * v }
                    return (s, s2)
                }
            }
            let count = Double(x.data.count)
            let mean = partial.reduce(0) { $0 + $1.0 } / count
            let variance = partial.reduce(0) { $0 + $1.1 } / count - mean * mean
            return variance > 0 ? 1 / (Double(x.cols) * variance) : 1
        }
    }

    /// Decision values of every pair, N × P (LIBSVM's order; positive: the first class of the pair).
    public func decisionFunction(_ x: Matrix) throws -> Matrix {
        guard let sv = supportVectors, let coef = coefficients else { throw ClassifierError.notFitted(model: "KernelSVM") }
        try ClassifierError.checkPredictInput(model: "KernelSVM", x, featureCount: sv.cols)
        let (n, s, p) = (x.rows, sv.rows, coef.rows)
        var out = Matrix(rows: n, cols: p)
        let svNorms = sv.rowSquaredNorms()
        let g = Float(gammaValue)
        // Rows of x in chunks, so the N × S kernel is never held whole.
        let chunk = max(16, min(n, (64 << 20) / (4 * max(1, s))))
        for start in stride(from: 0, to: n, by: chunk) {
            let part = x.rows(start..<min(n, start + chunk))
            var k = part.matmul(sv, transposeOther: true)
            rbfInPlace(&k, rowNorms: part.rowSquaredNorms(), columnNorms: svNorms, gamma: g)
            var d = k.matmul(coef, transposeOther: true)
            d.addToEachRow(intercepts)
            out.data.replaceSubrange((start * p)..<((start + part.rows) * p), with: d.data)
        }
        return out
    }

    /// The one-vs-one vote of LIBSVM without probabilities (scikit-learn's `SVC.predict`): each pair
    /// votes for its first class when its decision value is > 0, else for its second; the most
    /// votes win (ties: the lower class index).
    public func voteWinners(_ x: Matrix) throws -> [Int] {
        let d = try decisionFunction(x)
        let pairs = Self.pairs(classCount)
        return (0..<d.rows).map { i in
            var votes = [Int](repeating: 0, count: classCount)
            for (p, (a, b)) in pairs.enumerated() { votes[d[i, p] > 0 ? a : b] += 1 }
            var best = 0
            for k in 1..<classCount where votes[k] > votes[best] { best = k }
            return best
        }
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        let d = try decisionFunction(x)
        let pairs = Self.pairs(classCount)
        let k = classCount
        var out = Matrix(rows: d.rows, cols: k)
        out.data.withUnsafeMutableBufferPointer { op in
            guard let base = op.baseAddress else { return }   // no rows to score
            Parallel.forRange(0..<d.rows, grain: 256) { rows in
                var r = [Double](repeating: 0, count: k * k)
                for i in rows {
                    for (p, (a, b)) in pairs.enumerated() {
                        let q = plattProbability(Double(d[i, p]), a: Double(plattA[p]), b: Double(plattB[p]))
                        r[a * k + b] = q
                        r[b * k + a] = 1 - q
                    }
                    let probs = coupledProbabilities(r, classCount: k)
                    for j in 0..<k { base[i * k + j] = Float(probs[j]) }
                }
            }
        }
        return out
    }

    // MARK: - Learned state

    /// "supportVectors" S × D, "coefficients" P × S, "intercepts" P, "gamma" [1], "plattA" and
    /// "plattB" P each, with P = C(C−1)/2.
    public func learnedState() throws -> [String: Tensor] {
        guard let sv = supportVectors, let coef = coefficients else { throw ClassifierError.notFitted(model: "KernelSVM") }
        let p = intercepts.count
        return ["supportVectors": Tensor(sv), "coefficients": Tensor(coef),
                "intercepts": Tensor(shape: [p], data: intercepts), "gamma": Tensor(shape: [1], data: [Float(gammaValue)]),
                "plattA": Tensor(shape: [p], data: plattA), "plattB": Tensor(shape: [p], data: plattB)]
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        let model = "KernelSVM"
        try ClassifierError.checkRestoreClassCount(model: model, classCount)
        var reader = LearnedStateReader(model: model, state: state)
        let p = classCount * (classCount - 1) / 2
        let sv = try reader.takeMatrix("supportVectors")
        let coef = try reader.takeMatrix("coefficients", rows: p, cols: sv.rows)
        let b = try reader.take("intercepts", shape: [p])
        let g = try reader.take("gamma", shape: [1])
        guard g.data[0] > 0 else { throw reader.error("gamma", "is \(g.data[0]); the RBF width must be > 0") }
        let a = try reader.take("plattA", shape: [p])
        let bb = try reader.take("plattB", shape: [p])
        try reader.finish()
        supportVectors = sv
        coefficients = coef
        intercepts = b.data
        gammaValue = Double(g.data[0])
        plattA = a.data
        plattB = bb.data
        self.classCount = classCount
        iterations = []
        converged = false
    }
}

// MARK: - One pair: SMO

struct PairSolution {
    var alpha: [Double] = []
    var rho = 0.0
    var iterations = 0
    var converged = false
    var plattA = 0.0
    var plattB = 0.0
    var rows: [Int] = []
}

/// SMO on one pair of n samples whose first `positives` are class a (y = +1), the rest class b.
func solvePair(kernel: KernelRows, n: Int, positives: Int, c: Double, tolerance: Double, maxIterations: Int) -> PairSolution {
    let y = (0..<n).map { $0 < positives ? 1.0 : -1.0 }
    var alpha = [Double](repeating: 0, count: n)
    var grad = [Double](repeating: -1, count: n)  // ∇ = Qα − e
    let tau = 1e-12
    var iteration = 0
    var converged = false
    // Q̄ᵢᵢ = K(xᵢ, xᵢ) = 1 for the RBF kernel.
    while iteration < maxIterations {
        // WSS2: i maximizes −yᵢ∇ᵢ over I_up; j minimizes the second-order decrease over I_low.
        var gMax = -Double.infinity, gMax2 = -Double.infinity
        var i = -1
        for t in 0..<n {
            if y[t] > 0 {
                if alpha[t] < c && -grad[t] >= gMax { gMax = -grad[t]; i = t }
            } else if alpha[t] > 0 && grad[t] >= gMax {
                gMax = grad[t]; i = t
            }
        }
        guard i >= 0 else { converged = true; break }
        let ki = kernel.row(i)
        var j = -1
        var best = Double.infinity
        let yi = y[i]
        for t in 0..<n {
            if y[t] > 0 {
                guard alpha[t] > 0 else { continue }
                let diff = gMax + grad[t]
                if grad[t] >= gMax2 { gMax2 = grad[t] }
                if diff > 0 {
                    // QD_i + QD_t − 2yᵢ·Q_it, with Q_it = yᵢ·y_t·K_it and y_t = +1.
                    let quad = 2 - 2 * yi * yi * Double(ki[t])
                    let decrease = -(diff * diff) / (quad > 0 ? quad : tau)
                    if decrease <= best { j = t; best = decrease }
                }
            } else {
                guard alpha[t] < c else { continue }
                let diff = gMax - grad[t]
                if -grad[t] >= gMax2 { gMax2 = -grad[t] }
                if diff > 0 {
                    let quad = 2 - 2 * yi * Double(ki[t])  // + 2yᵢ·Q_it with y_t = −1
                    let decrease = -(diff * diff) / (quad > 0 ? quad : tau)
                    if decrease <= best { j = t; best = decrease }
                }
            }
        }
        if gMax + gMax2 < tolerance || j < 0 { converged = true; break }
        iteration += 1
        let kj = kernel.row(j)
        // The analytic two-variable update (LIBSVM's Solver::Solve), then the clip to the box.
        let qij = y[i] * y[j] * Double(ki[j])
        let (oldI, oldJ) = (alpha[i], alpha[j])
        if y[i] != y[j] {
            let quad = max(2 + 2 * qij, tau)
            let delta = (-grad[i] - grad[j]) / quad
            let diff = alpha[i] - alpha[j]
            alpha[i] += delta
            alpha[j] += delta
            if diff > 0 {
                if alpha[j] < 0 { alpha[j] = 0; alpha[i] = diff }
            } else if alpha[i] < 0 {
                alpha[i] = 0; alpha[j] = -diff
            }
            if diff > 0 {
                if alpha[i] > c { alpha[i] = c; alpha[j] = c - diff }
            } else if alpha[j] > c {
                alpha[j] = c; alpha[i] = c + diff
            }
        } else {
            let quad = max(2 - 2 * qij, tau)
            let delta = (grad[i] - grad[j]) / quad
            let sum = alpha[i] + alpha[j]
            alpha[i] -= delta
            alpha[j] += delta
            if sum > c {
                if alpha[i] > c { alpha[i] = c; alpha[j] = sum - c }
            } else if alpha[j] < 0 {
                alpha[j] = 0; alpha[i] = sum
            }
            if sum > c {
                if alpha[j] > c { alpha[j] = c; alpha[i] = sum - c }
            } else if alpha[i] < 0 {
                alpha[i] = 0; alpha[j] = sum
            }
        }
        // ∇ₜ += Q_ti·Δαᵢ + Q_tj·Δαⱼ, with Q_ti = y_t·yᵢ·K_ti.
        let di = (alpha[i] - oldI) * y[i], dj = (alpha[j] - oldJ) * y[j]
        grad.withUnsafeMutableBufferPointer { gp in
            y.withUnsafeBufferPointer { yp in
                for t in 0..<n { gp[t] += yp[t] * (Double(ki[t]) * di + Double(kj[t]) * dj) }
            }
        }
    }
    // ρ: the mean of yᵢ∇ᵢ over the free αᵢ, else the middle of the feasible interval.
    var upper = Double.infinity, lower = -Double.infinity, freeSum = 0.0, freeCount = 0
    for t in 0..<n {
        let yg = y[t] * grad[t]
        if alpha[t] >= c {
            if y[t] < 0 { upper = min(upper, yg) } else { lower = max(lower, yg) }
        } else if alpha[t] <= 0 {
            if y[t] > 0 { upper = min(upper, yg) } else { lower = max(lower, yg) }
        } else {
            freeCount += 1; freeSum += yg
        }
    }
    let rho = freeCount > 0 ? freeSum / Double(freeCount) : (upper + lower) / 2
    // Training decision values f = ΣⱼαⱼyⱼK_tj − ρ = y_t(∇_t + 1) − ρ, for Platt scaling.
    let decisions = (0..<n).map { y[$0] * (grad[$0] + 1) - rho }
    let (a, b) = fitPlatt(decisions: decisions, positive: y.map { $0 > 0 })
    return PairSolution(alpha: alpha, rho: rho, iterations: iteration, converged: converged, plattA: a, plattB: b)
}

/// Hands out 0..<count once each to whichever thread asks first.
final class WorkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard taken < count else { return nil }
        taken += 1
        return taken - 1
    }
}

/// The kernel of pair (a, b), n × n with n = na + nb, into `k`: the within-class blocks copied from
/// `kaa` and `kbb`, the cross block K(a, b) by one GEMM and the RBF, and K(b, a) its transpose.
func assemblePairKernel(into k: UnsafeMutablePointer<Float>, _ kaa: Matrix, _ kbb: Matrix, _ xa: Matrix, _ xb: Matrix,
                        _ normsA: [Float], _ normsB: [Float], gamma: Float) {
    let (na, nb) = (xa.rows, xb.rows)
    let n = na + nb
    // An empty block (a class without rows, or rows without values) has nothing to copy or compute.
    kaa.data.withUnsafeBufferPointer { src in
        guard let s = src.baseAddress else { return }
        for i in 0..<na { (k + i * n).update(from: s + i * na, count: na) }
    }
    kbb.data.withUnsafeBufferPointer { src in
        guard let s = src.baseAddress else { return }
        for j in 0..<nb { (k + (na + j) * n + na).update(from: s + j * nb, count: nb) }
    }
    xa.data.withUnsafeBufferPointer { pa in
        xb.data.withUnsafeBufferPointer { pb in
            guard let a = pa.baseAddress, let b = pb.baseAddress else { return }
            sgemm(transA: false, transB: true, m: na, n: nb, k: xa.cols, a: a, lda: xa.cols,
                  b: b, ldb: xb.cols, c: k + na, ldc: n)
        }
    }
    normsA.withUnsafeBufferPointer { ra in
        normsB.withUnsafeBufferPointer { rb in
            guard let ra = ra.baseAddress, let rb = rb.baseAddress else { return }
            rbfBlock(k + na, rows: na, cols: nb, stride: n, rowNorms: ra, columnNorms: rb, gamma: gamma)
        }
    }
    // K(b, a) = K(a, b)ᵀ, in 64 × 64 tiles.
    let tile = 64
    for i0 in stride(from: 0, to: na, by: tile) {
        for j0 in stride(from: 0, to: nb, by: tile) {
            for i in i0..<min(i0 + tile, na) {
                for j in j0..<min(j0 + tile, nb) { k[(na + j) * n + i] = k[i * n + na + j] }
            }
        }
    }
}

/// The kernel rows of one pair: all of them computed at once by one GEMM when the n × n matrix fits
/// in the cache, else each on demand into a least-recently-used cache of whole rows. A class so that
/// the rows handed out stay at a fixed address while the solver reads them.
final class KernelRows {
    private let n: Int
    private let storage: UnsafeMutablePointer<Float>
    private let owned: Bool
    private let x: Matrix
    private let squaredNorms: [Float]
    private let gamma: Float
    private var slotOfRow: [Int] = []
    private var rowOfSlot: [Int] = []
    private var lastUse: [Int] = []
    private var clock = 0

    /// The whole n × n kernel, computed already (borrowed, not freed).
    init(precomputed k: UnsafeMutablePointer<Float>, n: Int) {
        self.n = n
        storage = k
        owned = false
        x = Matrix(rows: 0, cols: 0)
        squaredNorms = []
        gamma = 0
    }

    /// Rows of the kernel of `x` computed on demand into `cacheBytes` of least-recently-used rows.
    init(x: Matrix, squaredNorms: [Float], gamma: Float, cacheBytes: Int) {
        n = x.rows
        self.x = x
        self.squaredNorms = squaredNorms
        self.gamma = gamma
        owned = true
        let slots = max(2, cacheBytes / (4 * n))
        storage = .allocate(capacity: slots * n)
        storage.initialize(repeating: 0, count: slots * n)
        slotOfRow = [Int](repeating: -1, count: n)
        rowOfSlot = [Int](repeating: -1, count: slots)
        lastUse = [Int](repeating: 0, count: slots)
    }

    deinit { if owned { storage.deallocate() } }

    /// Row i of K; stays valid until the next call but one (the two rows of an SMO step).
    func row(_ i: Int) -> UnsafePointer<Float> {
        if !owned { return UnsafePointer(storage + i * n) }
        clock += 1
        var slot = slotOfRow[i]
        if slot < 0 {
            // Evict the least recently used slot (never the row handed out last: it has the newest use).
            slot = 0
            for s in lastUse.indices where lastUse[s] < lastUse[slot] { slot = s }
            if rowOfSlot[slot] >= 0 { slotOfRow[rowOfSlot[slot]] = -1 }
            rowOfSlot[slot] = i
            slotOfRow[i] = slot
            var k = Matrix(rows: 1, cols: n)
            let xi = Matrix(rows: 1, cols: x.cols, data: x.row(i))
            Matrix.multiply(xi, x, transposeB: true, into: &k)
            rbfInPlace(&k, rowNorms: [squaredNorms[i]], columnNorms: squaredNorms, gamma: gamma)
            k.data[i] = 1
            k.data.withUnsafeBufferPointer { row in
                if let row = row.baseAddress { (storage + slot * n).update(from: row, count: n) }   // n = 0: nothing to cache
            }
        }
        lastUse[slot] = clock
        return UnsafePointer(storage + slot * n)
    }
}

// MARK: - RBF block

/// Turns a block of dot products G (rows × cols, G_ij = xᵢ·zⱼ) into exp(−γ·max(0, ‖xᵢ‖² + ‖zⱼ‖² − 2G_ij)).
func rbfInPlace(_ g: inout Matrix, rowNorms: [Float], columnNorms: [Float], gamma: Float) {
    let (rows, cols) = (g.rows, g.cols)
    g.data.withUnsafeMutableBufferPointer { gp in
        rowNorms.withUnsafeBufferPointer { rn in
            columnNorms.withUnsafeBufferPointer { cn in
                // An empty block has nothing to transform.
                guard let g = gp.baseAddress, let r = rn.baseAddress, let c = cn.baseAddress else { return }
                rbfBlock(g, rows: rows, cols: cols, stride: cols, rowNorms: r,
                         columnNorms: c, gamma: gamma)
            }
        }
    }
}

/// The same on a block of `rows` × `cols` at `base` whose rows are `stride` floats apart.
func rbfBlock(_ base: UnsafeMutablePointer<Float>, rows: Int, cols: Int, stride: Int, rowNorms: UnsafePointer<Float>,
              columnNorms cnb: UnsafePointer<Float>, gamma: Float) {
    Parallel.forRange(0..<rows, grain: max(1, 65536 / max(1, cols))) { rowRange in
        let negGamma = SIMD16<Float>(repeating: -gamma)
        for i in rowRange {
            let p = base + i * stride
            let row = UnsafeMutableRawPointer(p)
            let ri = SIMD16<Float>(repeating: rowNorms[i])
            var j = 0
            while j + 16 <= cols {
                let dot = row.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                let norms = UnsafeRawPointer(cnb).loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
                let d2 = ri + norms - 2 * dot
                row.storeBytes(of: exp16(negGamma * d2.replacing(with: 0, where: d2 .< 0)), toByteOffset: 4 * j, as: SIMD16<Float>.self)
                j += 16
            }
            while j < cols {
                p[j] = expf(-gamma * max(0, rowNorms[i] + cnb[j] - 2 * p[j]))
                j += 1
            }
        }
    }
}

/// e^x for x ≤ 0 in 16 lanes: x·log₂e split into an integer n (by the 1.5·2²³ rounding trick) and
/// f ∈ [−½, ½], 2^f by its degree-6 Taylor polynomial (relative error about 1e-7), scaled by 2ⁿ in
/// the exponent bits. Inputs below −87 give e^−87 ≈ 1.6e-38.
@inline(__always)
func exp16(_ x: SIMD16<Float>) -> SIMD16<Float> {
    let t = x.replacing(with: -87, where: x .< -87) * 1.442695041
    let magic = SIMD16<Float>(repeating: 12582912)
    let shifted = t + magic
    let n = shifted - magic
    let f = (t - n) * 0.6931471806
    var p = SIMD16<Float>(repeating: 1.0 / 720)
    p = p * f + 1.0 / 120
    p = p * f + 1.0 / 24
    p = p * f + 1.0 / 6
    p = p * f + 0.5
    p = p * f + 1
    p = p * f + 1
    let exponent = (unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)) &<< 23
    return unsafeBitCast(unsafeBitCast(p, to: SIMD16<Int32>.self) &+ exponent, to: SIMD16<Float>.self)
}

// MARK: - Probabilities

/// LIBSVM's sigmoid_train: A, B of P(positive | f) = 1/(1 + exp(A·f + B)) by Newton's method with a
/// backtracking line search, on Platt's targets (N₊ + 1)/(N₊ + 2) and 1/(N₋ + 2).
func fitPlatt(decisions f: [Double], positive: [Bool]) -> (Double, Double) {
    let prior1 = Double(positive.filter { $0 }.count), prior0 = Double(positive.count) - prior1
    let hi = (prior1 + 1) / (prior1 + 2), lo = 1 / (prior0 + 2)
    let target = positive.map { $0 ? hi : lo }
    var a = 0.0, b = log((prior0 + 1) / (prior1 + 1))
    func objective(_ a: Double, _ b: Double) -> Double {
        var v = 0.0
        for (i, fi) in f.enumerated() {
            let z = fi * a + b
            v += z >= 0 ? target[i] * z + log1p(exp(-z)) : (target[i] - 1) * z + log1p(exp(z))
        }
        return v
    }
    var value = objective(a, b)
    for _ in 0..<100 {
        var h11 = 1e-12, h22 = 1e-12, h21 = 0.0, g1 = 0.0, g2 = 0.0
        for (i, fi) in f.enumerated() {
            let z = fi * a + b
            let (p, q) = z >= 0 ? (exp(-z) / (1 + exp(-z)), 1 / (1 + exp(-z))) : (1 / (1 + exp(z)), exp(z) / (1 + exp(z)))
            let d2 = p * q
            h11 += fi * fi * d2; h22 += d2; h21 += fi * d2
            let d1 = target[i] - p
            g1 += fi * d1; g2 += d1
        }
        if abs(g1) < 1e-5 && abs(g2) < 1e-5 { break }
        let det = h11 * h22 - h21 * h21
        let da = -(h22 * g1 - h21 * g2) / det, db = -(-h21 * g1 + h11 * g2) / det
        let gd = g1 * da + g2 * db
        var step = 1.0
        while step >= 1e-10 {
            let (na, nb) = (a + step * da, b + step * db)
            let nv = objective(na, nb)
            if nv < value + 1e-4 * step * gd { a = na; b = nb; value = nv; break }
            step /= 2
        }
        if step < 1e-10 { break }
    }
    return (a, b)
}

/// 1/(1 + exp(A·f + B)), clipped to [1e-7, 1 − 1e-7] (LIBSVM's).
func plattProbability(_ f: Double, a: Double, b: Double) -> Double {
    let z = f * a + b
    let p = z >= 0 ? exp(-z) / (1 + exp(-z)) : 1 / (1 + exp(z))
    return min(max(p, 1e-7), 1 - 1e-7)
}

/// Class probabilities from pairwise ones, r[i·k + j] = P(i | i or j): the second method of Wu, Lin
/// and Weng (2004), LIBSVM's multiclass_probability.
func coupledProbabilities(_ r: [Double], classCount k: Int) -> [Double] {
    var q = [Double](repeating: 0, count: k * k)
    for t in 0..<k {
        for j in 0..<k where j != t {
            q[t * k + t] += r[j * k + t] * r[j * k + t]
            q[t * k + j] = -r[j * k + t] * r[t * k + j]
        }
    }
    var p = [Double](repeating: 1 / Double(k), count: k)
    var qp = [Double](repeating: 0, count: k)
    let eps = 0.005 / Double(k)
    for _ in 0..<max(100, k) {
        var pqp = 0.0
        for t in 0..<k {
            qp[t] = 0
            for j in 0..<k { qp[t] += q[t * k + j] * p[j] }
            pqp += p[t] * qp[t]
        }
        var maxError = 0.0
        for t in 0..<k { maxError = max(maxError, abs(qp[t] - pqp)) }
        if maxError < eps { break }
        for t in 0..<k {
            let diff = (-qp[t] + pqp) / q[t * k + t]
            p[t] += diff
            pqp = (pqp + diff * (diff * q[t * k + t] + 2 * qp[t])) / ((1 + diff) * (1 + diff))
            for j in 0..<k {
                qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff)
                p[j] /= 1 + diff
            }
        }
    }
    return p
}
