import Classifiers
import Foundation
import Tensors
import XCTest

final class LinearSVMTests: XCTestCase {
    /// The primal objective ½‖w‖² + ½b² + C Σ loss summed over the one-vs-rest problems (the bias
    /// penalized, as LIBLINEAR's -B 1).
    func primalObjective(_ model: LinearSVM, _ x: Matrix, _ y: [Int], c: Double) throws -> Double {
        let z = try model.decisionFunction(x)
        let w = model.weights!
        var total = 0.0
        for k in 0..<w.rows {
            let positive = w.rows == 1 ? 1 : k
            var penalty = Double(model.intercepts[k]) * Double(model.intercepts[k])
            for j in 0..<w.cols { penalty += Double(w[k, j]) * Double(w[k, j]) }
            var loss = 0.0
            for i in 0..<x.rows {
                let xi = max(0, 1 - (y[i] == positive ? 1 : -1) * Double(z[i, k]))
                loss += model.loss == .hinge ? xi : xi * xi
            }
            total += 0.5 * penalty + c * loss
        }
        return total
    }

    func testMatchesLIBLINEARFixtures() throws {
        let fixture = try loadSVMFixture("linear_svc.json")
        let datasets = fixture["datasets"] as! [String: [String: Any]]
        for case_ in fixture["cases"] as! [[String: Any]] {
            let data = datasets[case_["data"] as! String]!
            let (x, y) = (fixtureMatrix(data["x"]), fixtureInts(data["y"]))
            let classes = Set(y).count
            let c = (case_["c"] as! NSNumber).doubleValue
            let loss: LinearSVM.Loss = case_["loss"] as! String == "hinge" ? .hinge : .squaredHinge
            let label = "\(case_["data"]!) \(loss) C=\(c)"
            var model = try LinearSVM(c: c, loss: loss, tolerance: 1e-6, maxIterations: 100_000, seed: 3)
            try model.fit(x, y, classCount: classes)
            XCTAssertTrue(model.converged, label)
            // Objectives: ours (primal and minus dual) against LIBLINEAR's primal optimum.
            let reference = (case_["primal_objective"] as! NSNumber).doubleValue
            let primal = try primalObjective(model, x, y, c: c)
            let dual = -model.dualObjectives.reduce(0, +)
            print("\(label): primal \(primal), −dual \(dual), LIBLINEAR \(reference), rel diff \(abs(primal - reference) / reference)")
            // Measured: both within 2e-8 of LIBLINEAR's, relative.
            XCTAssertEqual(primal, reference, accuracy: 1e-6 * reference, "\(label): primal objective")
            XCTAssertEqual(dual, reference, accuracy: 1e-6 * reference, "\(label): dual objective")
            XCTAssertLessThanOrEqual(dual, primal + 1e-6 * reference, "\(label): weak duality")
            // Weights and biases (LIBLINEAR's coef_ and intercept_).
            let (worstWeight, weightsWithin) = compare(model.weights!, fixtureMatrix(case_["coef"]), absolute: 1e-4, relative: 1e-4)
            XCTAssertTrue(weightsWithin, "\(label): weights differ by up to \(worstWeight)")
            for (u, v) in zip(model.intercepts, fixtureDoubles(case_["intercept"])) {
                XCTAssertEqual(Double(u), v, accuracy: 1e-4 + 1e-4 * abs(v), "\(label): bias")
            }
            // Decision values and predictions.
            let expected = fixtureMatrix(case_["decision"])
            // Measured: at most 4.1e-6 apart.
            let (worst, within) = compare(try model.decisionFunction(x), expected, absolute: 1e-4, relative: 1e-4)
            print("\(label): largest decision difference \(worst)")
            XCTAssertTrue(within, "\(label): decision values differ by up to \(worst)")
            let same = agreement(try model.predict(x), fixtureInts(case_["predictions"]))
            XCTAssertGreaterThanOrEqual(same, 0.99, label)
            XCTAssertEqual(try model.score(x, y), (case_["accuracy"] as! NSNumber).doubleValue, accuracy: 0.011, label)
        }
    }

    func testSeparableDataIsClassifiedPerfectly() throws {
        let (x, y) = blobs(classes: 4, perClass: 40, dims: 5, separation: 8, seed: 11)
        for solver in [LinearSVM.Solver.dualCoordinateDescent(shrinking: true), .dualCoordinateDescent(shrinking: false), .sgd] {
            for loss in LinearSVM.Loss.allCases where !(solver == .sgd && loss == .squaredHinge) {
                var model = try LinearSVM(c: 1, loss: loss, solver: solver, seed: 1)
                try model.fit(x, y, classCount: 4)
                XCTAssertEqual(try model.score(x, y), 1, "\(solver) \(loss)")
                let p = try model.probabilities(x)
                for i in 0..<p.rows {
                    XCTAssertEqual(p.row(i).reduce(0, +), 1, accuracy: 1e-5)
                    XCTAssertEqual(p.row(i).indices.max { p[i, $0] < p[i, $1] }, y[i], "\(solver) \(loss) sample \(i)")
                }
            }
        }
    }

    func testShrinkingReachesTheSameOptimum() throws {
        let (x, y) = blobs(classes: 3, perClass: 50, dims: 6, separation: 1.2, seed: 4)
        var a = try LinearSVM(c: 0.5, solver: .dualCoordinateDescent(shrinking: true), tolerance: 1e-6, maxIterations: 50_000)
        var b = try LinearSVM(c: 0.5, solver: .dualCoordinateDescent(shrinking: false), tolerance: 1e-6, maxIterations: 50_000)
        try a.fit(x, y, classCount: 3)
        try b.fit(x, y, classCount: 3)
        for (u, v) in zip(a.dualObjectives, b.dualObjectives) { XCTAssertEqual(u, v, accuracy: 1e-5 * abs(v)) }
    }

    func testSGDComesCloseToTheDualSolution() throws {
        let (x, y) = blobs(classes: 3, perClass: 100, dims: 6, separation: 1.5, seed: 9)
        var exact = try LinearSVM(c: 0.1, loss: .hinge)
        var sgd = try LinearSVM(c: 0.1, loss: .hinge, solver: .sgd, tolerance: 1e-5, maxIterations: 200, seed: 2)
        try exact.fit(x, y, classCount: 3)
        try sgd.fit(x, y, classCount: 3)
        let (pe, ps) = (try primalObjective(exact, x, y, c: 0.1), try primalObjective(sgd, x, y, c: 0.1))
        print("SGD primal \(ps) vs dual coordinate descent \(pe)")
        XCTAssertLessThan(ps, pe * 1.05)
        XCTAssertGreaterThan(agreement(try exact.predict(x), try sgd.predict(x)), 0.95)
    }

    func testTemperatureIsFittedOnTheTrainingMargins() throws {
        let (x, y) = blobs(classes: 3, perClass: 60, dims: 4, separation: 1.5, seed: 21)
        var model = try LinearSVM(c: 1)
        try model.fit(x, y, classCount: 3)
        let logLoss = { (a: Float) -> Double in
            var z = try! model.decisionFunction(x) * a
            z.softmaxRows()
            return (0..<x.rows).map { -log(Double(z[$0, y[$0]])) }.reduce(0, +) / Double(x.rows)
        }
        let fitted = model.inverseTemperature
        XCTAssertNotEqual(fitted, 1)
        XCTAssertLessThan(logLoss(fitted), logLoss(fitted * 1.1))
        XCTAssertLessThan(logLoss(fitted), logLoss(fitted / 1.1))
        let p = try model.probabilities(x)
        XCTAssertEqual(p.rowArgmax(), try model.predict(x))
    }

    func testPersistenceRoundTripGivesIdenticalPredictions() throws {
        for classes in [2, 4] {
            let (x, y) = blobs(classes: classes, perClass: 30, dims: 5, separation: 1.5, seed: 7)
            var model = try LinearSVM(c: 0.3)
            try model.fit(x, y, classCount: classes)
            let state = try model.learnedState()
            XCTAssertEqual(state["weights"]!.shape, [classes == 2 ? 1 : classes, 5])
            var restored = try LinearSVM(c: 0.3)
            try restored.restore(from: state, classCount: classes)
            XCTAssertEqual(try restored.predict(x), try model.predict(x))
            XCTAssertEqual(try restored.probabilities(x), try model.probabilities(x))
            XCTAssertEqual(try restored.decisionFunction(x), try model.decisionFunction(x))
            assertStateError(try restored.restore(from: reshaped(state, "intercepts", shape: [7]), classCount: classes),
                             tensor: "intercepts", "shape")
            assertStateError(try restored.restore(from: tampered(state, "inverseTemperature") { $0[0] = -1 }, classCount: classes),
                             tensor: "inverseTemperature", "> 0")
        }
    }

    func testBadHyperparametersThrowNamingTheSetting() {
        assertNames("c", try LinearSVM(c: 0))
        assertNames("c", try LinearSVM(c: -1))
        assertNames("c", try LinearSVM(c: .infinity))
        assertNames("tolerance", try LinearSVM(tolerance: 0))
        assertNames("tolerance", try LinearSVM(tolerance: .nan))
        assertNames("maxIterations", try LinearSVM(maxIterations: 0))
        assertNames("loss", try LinearSVM(loss: .squaredHinge, solver: .sgd))
        XCTAssertThrowsError(try LinearSVM().predict(Matrix(rows: 1, cols: 2)))
    }

    func testOneAndTwoThreadsGiveTheSameModel() throws {
        let (x, y) = blobs(classes: 5, perClass: 40, dims: 7, separation: 1, seed: 13)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        for solver in [LinearSVM.Solver.dualCoordinateDescent(), .sgd] {
            var results: [Matrix] = []
            for threads in [1, 2] {
                Parallel.threadCount = threads
                var model = try LinearSVM(c: 0.5, loss: .hinge, solver: solver, maxIterations: 50, seed: 42)
                try model.fit(x, y, classCount: 5)
                results.append(try model.probabilities(x))
            }
            XCTAssertEqual(results[0], results[1], "\(solver)")
        }
    }
}
