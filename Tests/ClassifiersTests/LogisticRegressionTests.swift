import XCTest
import Classifiers
import Tensors

/// Small labelled problems whose classes are shifted Gaussian blobs.
func blobs(classes: Int, perClass: Int, dims: Int, separation: Float, seed: UInt64) -> (Matrix, [Int]) {
    var rng = Xoshiro256(seed: seed)
    let centers = (0..<classes).map { _ in (0..<dims).map { _ in rng.normal() * separation } }
    var data: [Float] = [], labels: [Int] = []
    for i in 0..<(classes * perClass) {
        let c = i % classes
        data += centers[c].map { $0 + rng.normal() }
        labels.append(c)
    }
    return (Matrix(rows: classes * perClass, cols: dims, data: data), labels)
}

final class LogisticRegressionTests: XCTestCase {
    /// Central differences of the objective against its analytic gradient, for the sigmoid form, the
    /// fused softmax kernel (≤ 16 classes) and the general softmax (17), with a penalty large enough
    /// that forgetting it would fail.
    func testGradientMatchesFiniteDifferences() {
        for classes in [2, 3, 17] {
            let (x, y) = blobs(classes: classes, perClass: 8, dims: 5, separation: 1, seed: 3)
            let objective = LogisticObjective(x: x, y: y, classCount: classes, c: 0.5)
            var rng = Xoshiro256(seed: 4)
            let theta = (0..<objective.parameterCount).map { _ in rng.normal(std: 0.5) }
            let analytic = objective.evaluate(theta).gradient
            var worst = 0.0
            for i in theta.indices {
                let h: Float = 1e-2
                var plus = theta, minus = theta
                plus[i] += h
                minus[i] -= h
                let numeric = (objective.evaluate(plus).loss - objective.evaluate(minus).loss) / Double(2 * h)
                let difference = abs(numeric - analytic[i])
                worst = max(worst, difference)
                XCTAssertLessThanOrEqual(difference, 2e-3 + 1e-2 * abs(numeric),
                                         "classes \(classes), parameter \(i): numeric \(numeric), analytic \(analytic[i])")
            }
            XCTAssertLessThan(worst, 2e-3, "largest gradient difference \(worst) with \(classes) classes")
        }
    }

    func testEverySolverLearnsSeparableBlobs() throws {
        let (x, y) = blobs(classes: 3, perClass: 60, dims: 4, separation: 4, seed: 1)
        let solvers: [LogisticRegression.Solver] = [.lbfgs(), .gradientDescent(learningRate: 0.5),
                                                    .sgd(learningRate: 0.05, momentum: 0.9, batchSize: 16)]
        for solver in solvers {
            var model = try LogisticRegression(solver: solver, maxIterations: 200, standardize: true)
            try model.fit(x, y, classCount: 3)
            XCTAssertGreaterThanOrEqual(try model.score(x, y), 0.95, "\(solver)")
            let p = try model.probabilities(x)
            for i in 0..<p.rows {
                let total = (0..<3).reduce(Float(0)) { $0 + p[i, $1] }
                XCTAssertEqual(total, 1, accuracy: 1e-5)
            }
            // The loss of the deterministic solvers never goes up.
            if case .sgd = solver { continue }
            for (a, b) in zip(model.lossHistory, model.lossHistory.dropFirst()) {
                XCTAssertLessThanOrEqual(b, a + 1e-9, "\(solver): loss rose from \(a) to \(b)")
            }
        }
    }

    func testBinaryUsesOneWeightColumn() throws {
        let (x, y) = blobs(classes: 2, perClass: 50, dims: 3, separation: 4, seed: 2)
        var model = try LogisticRegression()
        try model.fit(x, y, classCount: 2)
        XCTAssertEqual(model.weights?.cols, 1)
        XCTAssertGreaterThanOrEqual(try model.score(x, y), 0.95)
        XCTAssertEqual(try model.probabilities(x).cols, 2)
    }

    func testDivergenceIsAClearError() throws {
        let (x, y) = blobs(classes: 3, perClass: 20, dims: 4, separation: 1e6, seed: 5)
        var model = try LogisticRegression(solver: .gradientDescent(learningRate: 1e30), maxIterations: 50)
        XCTAssertThrowsError(try model.fit(x, y, classCount: 3)) { error in
            guard case ClassifierError.numericalFailure(_, let reason) = error else {
                return XCTFail("expected a numerical failure, got \(error)")
            }
            XCTAssertTrue(reason.contains("learning rate"), reason)
        }
    }

    func testBadHyperparametersAndDataThrow() throws {
        for solver: LogisticRegression.Solver in [.gradientDescent(learningRate: -0.1), .sgd(learningRate: -0.1)] {
            XCTAssertThrowsError(try LogisticRegression(solver: solver)) { error in
                XCTAssertEqual(error as? ClassifierError, .invalidHyperparameter(model: "LogisticRegression", name: "learningRate",
                                                                                 reason: "it is -0.1; use a finite value > 0"))
                XCTAssertEqual("\(error)", "LogisticRegression: invalid learningRate: it is -0.1; use a finite value > 0.")
            }
        }
        XCTAssertThrowsError(try LogisticRegression(solver: .sgd(learningRate: 0.1, momentum: 1, batchSize: 8)))
        XCTAssertThrowsError(try LogisticRegression(solver: .sgd(learningRate: 0.1, momentum: 0.9, batchSize: 0)))
        XCTAssertThrowsError(try LogisticRegression(c: 0))
        XCTAssertThrowsError(try LogisticRegression(maxIterations: 0))
        var model = try LogisticRegression()
        XCTAssertThrowsError(try model.fit(Matrix(rows: 2, cols: 2), [0, 3], classCount: 2))
        XCTAssertThrowsError(try model.fit(Matrix(rows: 2, cols: 2, data: [0, .nan, 1, 1]), [0, 1], classCount: 2))
        XCTAssertThrowsError(try model.predict(Matrix(rows: 1, cols: 2))) { error in
            XCTAssertEqual(error as? ClassifierError, .notFitted(model: "LogisticRegression"))
        }
    }

    /// The narrow products in AVX2 and in plain C reach the same fit as the widest kernels, up to rounding.
    func testPortableKernelsGiveTheSameFit() throws {
        let (x, y) = blobs(classes: 3, perClass: 400, dims: 6, separation: 2, seed: 10)
        var vector = try LogisticRegression(maxIterations: 30)
        try vector.fit(x, y, classCount: 3)
        for features: CPUFeatures.Set in [.avx2, .portable] {
            var other = try LogisticRegression(maxIterations: 30)
            try CPUFeatures.withLimit(features) { try other.fit(x, y, classCount: 3) }
            let worst = zip(vector.weights!.data, other.weights!.data).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-3, "\(features): largest weight difference \(worst)")
            let agree = zip(try vector.predict(x), try other.predict(x)).filter { $0 == $1 }.count
            XCTAssertGreaterThanOrEqual(agree, x.rows - 2, "\(features): predictions that differ: \(x.rows - agree)")
        }
    }

    /// Same data ⇒ the same weights on one thread and on two.
    func testThreadCountDoesNotChangeTheFit() throws {
        let (x, y) = blobs(classes: 4, perClass: 3000, dims: 6, separation: 2, seed: 9)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var weights: [Matrix] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            var model = try LogisticRegression(maxIterations: 20)
            try model.fit(x, y, classCount: 4)
            weights.append(model.weights!)
        }
        XCTAssertEqual(weights[0], weights[1])
    }
}
