import XCTest
import Classifiers
import Foundation
import Tensors

/// Collects progress reports from any thread.
final class ProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [FitProgress] = []
    var reports: [FitProgress] { lock.lock(); defer { lock.unlock() }; return items }
    var handler: FitProgressHandler { { p in self.lock.lock(); self.items.append(p); self.lock.unlock() } }
}

/// Asserts that `body` throws a `ClassifierError` whose sentence names `tensor` in quotes and
/// contains `words`.
func assertStateError(_ body: @autoclosure () throws -> Void, tensor: String, _ words: String,
                      file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let e = error as? ClassifierError, case .invalidData = e else {
            return XCTFail("expected ClassifierError.invalidData, got \(error)", file: file, line: line)
        }
        let text = e.description
        XCTAssertTrue(text.contains("\"\(tensor)\""), "the message should name \(tensor): \(text)", file: file, line: line)
        XCTAssertTrue(text.contains(words), "the message should say \(words): \(text)", file: file, line: line)
    }
}

func tampered(_ state: [String: Tensor], _ name: String, _ change: (inout [Float]) -> Void) -> [String: Tensor] {
    var s = state
    var data = s[name]!.data
    change(&data)
    s[name] = Tensor(shape: s[name]!.shape, data: data)
    return s
}

func reshaped(_ state: [String: Tensor], _ name: String, shape: [Int]) -> [String: Tensor] {
    var s = state
    s[name] = Tensor(shape: shape, repeating: 0.5)
    return s
}

final class PersistenceTests: XCTestCase {
    // MARK: - Logistic regression

    func testLogisticRegressionRestoresBitIdenticalProbabilities() throws {
        for (classes, standardize) in [(2, false), (2, true), (4, false), (4, true), (20, true)] {
            let (x, y) = blobs(classes: classes, perClass: 30, dims: 6, separation: 2, seed: 5)
            let (q, _) = blobs(classes: classes, perClass: 5, dims: 6, separation: 2, seed: 6)
            var fitted = try LogisticRegression(c: 0.5, standardize: standardize)
            try fitted.fit(x, y, classCount: classes)
            let state = try fitted.learnedState()
            let k = classes == 2 ? 1 : classes
            var expected: Set<String> = ["weights", "intercepts"]
            if standardize { expected.formUnion(["standardizer.mean", "standardizer.inverseStd"]) }
            XCTAssertEqual(Set(state.keys), expected)
            XCTAssertEqual(state["weights"]!.shape, [6, k])
            XCTAssertEqual(state["intercepts"]!.shape, [k])
            XCTAssertEqual(try fitted.learnedStateValueCount(), 6 * k + k + (standardize ? 12 : 0))

            var restored = try LogisticRegression(c: 0.5, standardize: standardize)
            try restored.restore(from: state, classCount: classes)
            XCTAssertEqual(try restored.probabilities(q), try fitted.probabilities(q), "\(classes) classes, standardize \(standardize)")
            XCTAssertEqual(try restored.learnedState(), state)
        }
    }

    func testLogisticRegressionRejectsTamperedState() throws {
        let (x, y) = blobs(classes: 3, perClass: 20, dims: 4, separation: 2, seed: 7)
        var fitted = try LogisticRegression(standardize: true)
        try fitted.fit(x, y, classCount: 3)
        let state = try fitted.learnedState()
        var fresh = try LogisticRegression(standardize: true)
        XCTAssertThrowsError(try fresh.learnedState()) { XCTAssertEqual($0 as? ClassifierError, .notFitted(model: "LogisticRegression")) }

        var missing = state
        missing["intercepts"] = nil
        assertStateError(try fresh.restore(from: missing, classCount: 3), tensor: "intercepts", "is missing")
        assertStateError(try fresh.restore(from: reshaped(state, "weights", shape: [4, 4]), classCount: 3), tensor: "weights", "shape [4, 4]")
        // Three classes need three output columns, so a state of four classes does not fit.
        assertStateError(try fresh.restore(from: state, classCount: 4), tensor: "weights", "shape [4, 3]")
        assertStateError(try fresh.restore(from: reshaped(state, "standardizer.mean", shape: [5]), classCount: 3),
                         tensor: "standardizer.mean", "shape [5]")
        assertStateError(try fresh.restore(from: tampered(state, "weights") { $0[5] = .nan }, classCount: 3), tensor: "weights", "nan")
        assertStateError(try fresh.restore(from: tampered(state, "intercepts") { $0[0] = .infinity }, classCount: 3),
                         tensor: "intercepts", "inf")
        assertStateError(try fresh.restore(from: tampered(state, "standardizer.inverseStd") { $0[2] = 0 }, classCount: 3),
                         tensor: "standardizer.inverseStd", "> 0")
        var extra = state
        extra["momentum"] = Tensor(shape: [3], repeating: 0)
        assertStateError(try fresh.restore(from: extra, classCount: 3), tensor: "momentum", "not part")
        // A standardized state does not fit a model without standardization, and the reverse.
        var plain = try LogisticRegression(standardize: false)
        assertStateError(try plain.restore(from: state, classCount: 3), tensor: "standardizer.inverseStd", "not part")
        var unstandardized = state
        unstandardized["standardizer.mean"] = nil
        unstandardized["standardizer.inverseStd"] = nil
        assertStateError(try fresh.restore(from: unstandardized, classCount: 3), tensor: "standardizer.mean", "is missing")
        // A failed restore leaves the model unfitted.
        XCTAssertThrowsError(try fresh.probabilities(x))
    }

    /// Progress arrives once per iteration in order, and the fit is the same with and without it.
    func testLogisticRegressionProgressInOrderAndHarmless() throws {
        let (x, y) = blobs(classes: 3, perClass: 40, dims: 5, separation: 1, seed: 8)
        for solver: LogisticRegression.Solver in [.lbfgs(), .gradientDescent(learningRate: 0.5), .sgd(learningRate: 0.05, batchSize: 16)] {
            var quiet = try LogisticRegression(solver: solver, maxIterations: 25, tolerance: 0)
            try quiet.fit(x, y, classCount: 3)
            let log = ProgressLog()
            var loud = try LogisticRegression(solver: solver, maxIterations: 25, tolerance: 0)
            loud.progress = log.handler
            try loud.fit(x, y, classCount: 3)
            XCTAssertEqual(try loud.probabilities(x), try quiet.probabilities(x), "\(solver)")
            XCTAssertEqual(loud.lossHistory, quiet.lossHistory)
            let reports = log.reports
            XCTAssertEqual(reports.map(\.done), Array(1...loud.iterations), "\(solver)")
            XCTAssertTrue(reports.allSatisfy { $0.stage == "iteration" && $0.total == 25 })
            XCTAssertEqual(reports.last?.detail, "loss \(String(format: "%.6g", loud.lossHistory.last!))")
            XCTAssertEqual(reports.map(\.elapsedSeconds), reports.map(\.elapsedSeconds).sorted())
        }
    }

    // MARK: - k-NN

    func testNearestNeighborsRestoresBitIdenticalProbabilities() throws {
        var rng = Xoshiro256(seed: 9)
        let (n, d) = (150, 12)
        // Real-valued data (float path) and 8-bit data (the integer kernel when the CPU has it).
        let real = Matrix(rows: n, cols: d, data: (0..<n * d).map { _ in rng.normal() })
        let eightBit = Matrix(rows: n, cols: d, data: (0..<n * d).map { _ in Float(rng.int(below: 256)) / 255 })
        let labels = (0..<n).map { ($0 * 7) % 3 }
        for (train, weighting) in [(real, NeighborWeighting.uniform), (eightBit, .distance), (eightBit, .uniform)] {
            let queries = Matrix(rows: 60, cols: d, data: train.rows(Array(0..<30)).data + [Float](repeating: 0.25, count: 30 * d))
            var fitted = try KNearestNeighbors(k: 4, weighting: weighting)
            try fitted.fit(train, labels, classCount: 3)
            let state = try fitted.learnedState()
            XCTAssertEqual(state["features"], Tensor(train))
            XCTAssertEqual(state["labels"]?.data, labels.map(Float.init))
            var restored = try KNearestNeighbors(k: 4, weighting: weighting)
            try restored.restore(from: state, classCount: 3)
            XCTAssertEqual(restored.usesEightBitKernel, fitted.usesEightBitKernel)
            XCTAssertEqual(restored.trainingSampleCount, n)
            XCTAssertEqual(restored.featureCount, d)
            XCTAssertEqual(try restored.probabilities(queries), try fitted.probabilities(queries))
            XCTAssertEqual(try restored.neighbors(queries), try fitted.neighbors(queries))
        }
    }

    func testNearestNeighborsRejectsTamperedState() throws {
        let (x, y) = blobs(classes: 3, perClass: 10, dims: 4, separation: 2, seed: 10)
        var fitted = try KNearestNeighbors(k: 3)
        try fitted.fit(x, y, classCount: 3)
        let state = try fitted.learnedState()
        var fresh = try KNearestNeighbors(k: 3)
        XCTAssertThrowsError(try fresh.learnedState())
        var missing = state
        missing["labels"] = nil
        assertStateError(try fresh.restore(from: missing, classCount: 3), tensor: "labels", "is missing")
        assertStateError(try fresh.restore(from: reshaped(state, "labels", shape: [29]), classCount: 3), tensor: "labels", "shape [29]")
        assertStateError(try fresh.restore(from: reshaped(state, "features", shape: [30]), classCount: 3), tensor: "features", "matrix")
        assertStateError(try fresh.restore(from: tampered(state, "features") { $0[17] = .nan }, classCount: 3), tensor: "features", "nan")
        assertStateError(try fresh.restore(from: tampered(state, "labels") { $0[4] = 3 }, classCount: 3), tensor: "labels", "0..<3")
        assertStateError(try fresh.restore(from: tampered(state, "labels") { $0[4] = -1 }, classCount: 3), tensor: "labels", "0..<3")
        assertStateError(try fresh.restore(from: tampered(state, "labels") { $0[4] = 1.5 }, classCount: 3), tensor: "labels", "integers")
        // The labels were written for three classes; two are too few for them.
        assertStateError(try fresh.restore(from: state, classCount: 2), tensor: "labels", "0..<2")
        var extra = state
        extra["norms"] = Tensor(shape: [30], repeating: 1)
        assertStateError(try fresh.restore(from: extra, classCount: 3), tensor: "norms", "not part")
        var big = try KNearestNeighbors(k: 31)
        assertStateError(try big.restore(from: state, classCount: 3), tensor: "features", "fewer than k = 31")
        XCTAssertThrowsError(try fresh.probabilities(x))
    }
}
