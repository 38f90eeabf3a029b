import Classifiers
import Foundation
import Tensors
import XCTest

final class KernelSVMTests: XCTestCase {
    func testMatchesLIBSVMFixtures() throws {
        let fixture = try loadSVMFixture("rbf_svc.json")
        let train = fixture["train"] as! [String: Any], test = fixture["test"] as! [String: Any]
        let (x, y) = (fixtureMatrix(train["x"]), fixtureInts(train["y"]))
        let (xt, yt) = (fixtureMatrix(test["x"]), fixtureInts(test["y"]))
        for case_ in fixture["cases"] as! [[String: Any]] {
            let c = (case_["c"] as! NSNumber).doubleValue
            let gammaValue = (case_["gamma_value"] as! NSNumber).doubleValue
            let gamma: KernelSVM.Gamma = case_["gamma"] as? String == "scale" ? .scale : .value(gammaValue)
            let label = "C=\(c) gamma=\(gamma)"
            var model = try KernelSVM(c: c, gamma: gamma, tolerance: 1e-6)
            try model.fit(x, y, classCount: 3)
            XCTAssertTrue(model.converged, label)
            XCTAssertEqual(model.gammaValue, gammaValue, accuracy: 1e-6 * gammaValue, label)
            let expected = fixtureMatrix(case_["decision_test"])
            // Measured: at most 2.4e-5 apart (the kernel is float32, LIBSVM's double).
            let (worst, within) = compare(try model.decisionFunction(xt), expected, absolute: 2e-4, relative: 1e-4)
            print("\(label): largest decision difference \(worst), support vectors \(model.supportVectors!.rows) vs \(case_["support_count"]!)")
            XCTAssertTrue(within, "\(label): decision values differ by up to \(worst)")
            // SVC.predict is the vote; predict (the most probable class) may differ on close calls.
            let votes = try model.voteWinners(xt)
            XCTAssertGreaterThanOrEqual(agreement(votes, fixtureInts(case_["predictions_test"])), 0.99, label)
            XCTAssertEqual(accuracy(predicted: votes, actual: yt), (case_["accuracy_test"] as! NSNumber).doubleValue, accuracy: 0.017, label)
            XCTAssertGreaterThanOrEqual(agreement(try model.predict(xt), votes), 0.9, label)
            XCTAssertEqual(try model.predict(xt), try model.probabilities(xt).rowArgmax(), label)
            XCTAssertEqual(Double(model.supportVectors!.rows), (case_["support_count"] as! NSNumber).doubleValue, accuracy: 1, label)
            let intercepts = fixtureDoubles(case_["intercept"])
            XCTAssertEqual(intercepts.count, model.intercepts.count, label)
            for (u, v) in zip(model.intercepts, intercepts) { XCTAssertEqual(Double(u), v, accuracy: 2e-4 + 1e-4 * abs(v), label) }
        }
    }

    func testKernelCacheGivesTheSameSolutionAsTheFullKernel() throws {
        // One pair of 600 samples: 600² floats = 1.4 MB, more than a 1 MB cache, so the second
        // model computes its kernel rows on demand into the least-recently-used cache.
        let (x, y) = blobs(classes: 2, perClass: 300, dims: 4, separation: 1, seed: 4)
        var full = try KernelSVM(c: 2, gamma: .value(0.3), tolerance: 1e-5)
        var cached = try KernelSVM(c: 2, gamma: .value(0.3), tolerance: 1e-5, cacheMegabytes: 1)
        try full.fit(x, y, classCount: 2)
        try cached.fit(x, y, classCount: 2)
        // A one-row product may sum in another order than the full one: equal to rounding.
        let (worst, within) = compare(try cached.decisionFunction(x), try full.decisionFunction(x), absolute: 1e-3, relative: 1e-3)
        XCTAssertTrue(within, "decision values differ by up to \(worst)")
        XCTAssertEqual(try cached.voteWinners(x), try full.voteWinners(x))
    }

    func testSeparableDataIsClassifiedPerfectly() throws {
        // Rings: not linearly separable, but separable by the RBF kernel.
        var rng = Xoshiro256(seed: 8)
        var rows: [[Float]] = [], labels: [Int] = []
        for i in 0..<240 {
            let k = i % 3
            let angle = rng.uniform(0, 2 * .pi), radius = Float(k) + 0.5 + rng.uniform(-0.2, 0.2)
            rows.append([radius * cos(angle), radius * sin(angle)])
            labels.append(k)
        }
        let x = Matrix(rows)
        var model = try KernelSVM(c: 100, gamma: .value(1))
        try model.fit(x, labels, classCount: 3)
        XCTAssertEqual(try model.score(x, labels), 1)
        XCTAssertEqual(try model.voteWinners(x), labels)
        var linear = try LinearSVM(c: 1)
        try linear.fit(x, labels, classCount: 3)
        XCTAssertLessThan(try linear.score(x, labels), 0.8, "rings should defeat a linear model")
        let p = try model.probabilities(x)
        for i in 0..<p.rows { XCTAssertEqual(p.row(i).reduce(0, +), 1, accuracy: 1e-4) }
        XCTAssertGreaterThan(agreement(p.rowArgmax(), labels), 0.98)
    }

    func testPairwiseCouplingOfKnownProbabilities() throws {
        // Consistent pairwise probabilities r_ij = p_i / (p_i + p_j) give back p.
        let p = [0.5, 0.3, 0.2]
        var r = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 where i != j { r[i * 3 + j] = p[i] / (p[i] + p[j]) } }
        let state: [String: Tensor] = [
            "supportVectors": Tensor(shape: [1, 1], data: [0]),
            "coefficients": Tensor(shape: [3, 1], data: [0, 0, 0]),
            // Decision values equal to the intercepts; Platt A = −1, B = 0 maps f to σ(f).
            "intercepts": Tensor(shape: [3], data: [(0, 1), (0, 2), (1, 2)].map { Float(log(r[$0.0 * 3 + $0.1] / (1 - r[$0.0 * 3 + $0.1]))) }),
            "gamma": Tensor(shape: [1], data: [1]),
            "plattA": Tensor(shape: [3], data: [-1, -1, -1]),
            "plattB": Tensor(shape: [3], data: [0, 0, 0]),
        ]
        var model = try KernelSVM()
        try model.restore(from: state, classCount: 3)
        let q = try model.probabilities(Matrix(rows: 1, cols: 1, data: [5]))
        for k in 0..<3 { XCTAssertEqual(Double(q[0, k]), p[k], accuracy: 0.01, "class \(k)") }
        XCTAssertEqual(try model.predict(Matrix(rows: 1, cols: 1, data: [5])), [0])
        // Votes: (0,1) → 0, (0,2) → 0, (1,2) → 1.
        XCTAssertEqual(try model.voteWinners(Matrix(rows: 1, cols: 1, data: [5])), [0])
    }

    func testPersistenceRoundTripGivesIdenticalPredictions() throws {
        for classes in [2, 4] {
            let (x, y) = blobs(classes: classes, perClass: 30, dims: 5, separation: 1, seed: 17)
            var model = try KernelSVM(c: 3)
            try model.fit(x, y, classCount: classes)
            let state = try model.learnedState()
            let pairs = classes * (classes - 1) / 2
            let s = model.supportVectors!.rows
            XCTAssertEqual(state["coefficients"]!.shape, [pairs, s])
            XCTAssertEqual(state["supportVectors"]!.shape, [s, 5])
            var restored = try KernelSVM(c: 3)
            try restored.restore(from: state, classCount: classes)
            XCTAssertEqual(try restored.predict(x), try model.predict(x))
            XCTAssertEqual(try restored.voteWinners(x), try model.voteWinners(x))
            XCTAssertEqual(try restored.probabilities(x), try model.probabilities(x))
            assertStateError(try restored.restore(from: reshaped(state, "coefficients", shape: [pairs, s + 1]), classCount: classes),
                             tensor: "coefficients", "shape")
            assertStateError(try restored.restore(from: tampered(state, "gamma") { $0[0] = 0 }, classCount: classes),
                             tensor: "gamma", "> 0")
            var missing = state
            missing["plattA"] = nil
            assertStateError(try restored.restore(from: missing, classCount: classes), tensor: "plattA", "missing")
        }
    }

    func testBadHyperparametersThrowNamingTheSetting() {
        assertNames("c", try KernelSVM(c: 0))
        assertNames("c", try KernelSVM(c: .nan))
        assertNames("gamma", try KernelSVM(gamma: .value(0)))
        assertNames("gamma", try KernelSVM(gamma: .value(-2)))
        assertNames("tolerance", try KernelSVM(tolerance: 0))
        assertNames("maxIterations", try KernelSVM(maxIterations: 0))
        assertNames("cacheMegabytes", try KernelSVM(cacheMegabytes: 0))
        var model = try! KernelSVM()
        XCTAssertThrowsError(try model.fit(Matrix(rows: 2, cols: 1, data: [0, 1]), [0, 2], classCount: 3)) { error in
            XCTAssertTrue("\(error)".contains("class 1 has no training samples"), "\(error)")
        }
    }

    func testOneAndTwoThreadsGiveTheSameModel() throws {
        let (x, y) = blobs(classes: 4, perClass: 50, dims: 6, separation: 1, seed: 23)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [Matrix] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            var model = try KernelSVM(c: 5)
            try model.fit(x, y, classCount: 4)
            results.append(try model.decisionFunction(x))
            results.append(try model.probabilities(x))
        }
        XCTAssertEqual(results[0], results[2])
        XCTAssertEqual(results[1], results[3])
    }
}
