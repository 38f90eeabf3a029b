import XCTest
import BagOfWords
import Classifiers
import Datasets
import Foundation
import Tensors

/// Collects progress reports from any thread.
final class ProgressRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [FitProgress] = []
    var reports: [FitProgress] { lock.lock(); defer { lock.unlock() }; return items }
    var handler: FitProgressHandler { { p in self.lock.lock(); self.items.append(p); self.lock.unlock() } }
}

/// A classifier of the contract that keeps no state it could write out (a logistic regression
/// behind a wrapper that only exposes fit and probabilities).
struct OpaqueClassifier: Classifier {
    var inner: LogisticRegression
    var name: String { "opaque" }
    mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws { try inner.fit(x, y, classCount: classCount) }
    func probabilities(_ x: Matrix) throws -> Matrix { try inner.probabilities(x) }
}

/// Asserts that `body` throws `ClassifierError.invalidData` whose sentence names `tensor` in
/// quotes and contains `words`.
func assertStateError(_ body: @autoclosure () throws -> Void, tensor: String, _ words: String,
                      file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard let e = error as? ClassifierError, case .invalidData = e else {
            return XCTFail("expected ClassifierError.invalidData, got \(error)", file: file, line: line)
        }
        XCTAssertTrue(e.description.contains("\"\(tensor)\""), "the message should name \(tensor): \(e)", file: file, line: line)
        XCTAssertTrue(e.description.contains(words), "the message should say \(words): \(e)", file: file, line: line)
    }
}

/// Distinct consecutive stages of `reports`.
func stageSequence(_ reports: [FitProgress]) -> [String] {
    reports.map(\.stage).reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
}

/// Writes `state` as one file: a JSON header (name → shape and offset) and the float32 values
/// little-endian, in sorted name order. Returns the file's size in bytes.
func writeState(_ state: [String: Tensor], to path: String) throws -> Int {
    var header: [String: [String: [Int]]] = [:]
    var body = [UInt8]()
    for name in state.keys.sorted() {
        let t = state[name]!
        header[name] = ["shape": t.shape, "offset": [body.count]]
        for v in t.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { body.append(contentsOf: $0) } }
    }
    let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    var bytes = withUnsafeBytes(of: UInt64(json.count).littleEndian) { Array($0) }
    bytes += json
    bytes += body
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return bytes.count
}

func readState(from path: String) throws -> [String: Tensor] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try data.withUnsafeBytes { raw -> [String: Tensor] in
        let headerLength = Int(UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self)))
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength))) as! [String: [String: [Int]]]
        let base = 8 + headerLength
        var state: [String: Tensor] = [:]
        for (name, entry) in header {
            let shape = entry["shape"]!, offset = base + entry["offset"]![0]
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 * count)]))
            }
            state[name] = Tensor(shape: shape, data: values)
        }
        return state
    }
}

final class PersistenceAndProgressTests: XCTestCase {
    func smallTriangle(classifier: (any Classifier)? = nil, whitening: Float? = 0.1) throws -> BagOfVisualWords {
        try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, patchCount: 3000, whiteningEpsilon: whitening,
                             codebookSize: 16, codebookIterations: 10, classifier: classifier, seed: 3)
    }

    func testRestoredPipelineGivesBitIdenticalProbabilities() throws {
        let (x, y) = barImages(count: 80, seed: 6)
        let (xt, _) = barImages(count: 40, seed: 7)
        let variants: [() throws -> BagOfVisualWords] = [
            { try self.smallTriangle() },
            { try self.smallTriangle(classifier: try KNearestNeighbors(k: 3), whitening: nil) },
            { try BagOfVisualWords.histogram(imageHeight: 12, imageWidth: 12).withSmallSample() },
        ]
        for make in variants {
            var fitted = try make()
            try fitted.fit(x, y, classCount: 2)
            let state = try fitted.learnedState()
            XCTAssertEqual(state["codebook"]?.shape, [16, 16])
            XCTAssertEqual(state["whitening.matrix"] != nil, fitted.whiteningEpsilon != nil)
            XCTAssertTrue(state.keys.contains { $0.hasPrefix("classifier.") })
            var restored = try make()
            try restored.restore(from: state, classCount: 2)
            XCTAssertEqual(try restored.transform(xt), try fitted.transform(xt), fitted.name)
            XCTAssertEqual(try restored.probabilities(xt), try fitted.probabilities(xt), fitted.name)
            XCTAssertEqual(try restored.learnedState(), state)
        }
    }

    func testTamperedPipelineStateThrowsNamingTheTensor() throws {
        let (x, y) = barImages(count: 60, seed: 8)
        var fitted = try smallTriangle()
        try fitted.fit(x, y, classCount: 2)
        let state = try fitted.learnedState()
        var fresh = try smallTriangle()
        XCTAssertThrowsError(try fresh.learnedState())

        func without(_ name: String) -> [String: Tensor] { var s = state; s[name] = nil; return s }
        func with(_ name: String, _ t: Tensor) -> [String: Tensor] { var s = state; s[name] = t; return s }
        func poisoned(_ name: String) -> [String: Tensor] {
            var data = state[name]!.data
            data[data.count / 2] = .nan
            return with(name, Tensor(shape: state[name]!.shape, data: data))
        }
        assertStateError(try fresh.restore(from: without("codebook"), classCount: 2), tensor: "codebook", "is missing")
        assertStateError(try fresh.restore(from: with("codebook", Tensor(shape: [16, 15])), classCount: 2), tensor: "codebook", "[16, 16]")
        assertStateError(try fresh.restore(from: with("whitening.mean", Tensor(shape: [17])), classCount: 2), tensor: "whitening.mean", "[16]")
        assertStateError(try fresh.restore(from: poisoned("whitening.matrix"), classCount: 2), tensor: "whitening.matrix", "nan")
        assertStateError(try fresh.restore(from: poisoned("codebook"), classCount: 2), tensor: "codebook", "nan")
        assertStateError(try fresh.restore(from: without("classifier.weights"), classCount: 2), tensor: "classifier.weights", "is missing")
        assertStateError(try fresh.restore(from: poisoned("classifier.weights"), classCount: 2), tensor: "classifier.weights", "nan")
        assertStateError(try fresh.restore(from: with("classifier.intercepts", Tensor(shape: [2])), classCount: 2),
                         tensor: "classifier.intercepts", "[1]")
        assertStateError(try fresh.restore(from: with("classifier.momentum", Tensor(shape: [1])), classCount: 2),
                         tensor: "classifier.momentum", "not part")
        assertStateError(try fresh.restore(from: with("patches", Tensor(shape: [1])), classCount: 2), tensor: "patches", "not part")
        // A consistent classifier state for 79 features does not fit the 80 pooled features.
        var narrow = state
        narrow["classifier.weights"] = Tensor(shape: [79, 1], repeating: 0.1)
        narrow["classifier.standardizer.mean"] = Tensor(shape: [79], repeating: 0)
        narrow["classifier.standardizer.inverseStd"] = Tensor(shape: [79], repeating: 1)
        assertStateError(try fresh.restore(from: narrow, classCount: 2), tensor: "classifier.*", "80 pooled features")
        // Whitening tensors do not belong to a pipeline without whitening.
        var plain = try smallTriangle(whitening: nil)
        assertStateError(try plain.restore(from: state, classCount: 2), tensor: "whitening.matrix", "not part")
        // Nothing half-restored: the failed model is still unfitted.
        XCTAssertThrowsError(try fresh.probabilities(x))

        // A classifier without a learned state can neither write nor read one.
        var opaque = try smallTriangle(classifier: OpaqueClassifier(inner: try LogisticRegression()))
        try opaque.fit(x, y, classCount: 2)
        XCTAssertThrowsError(try opaque.learnedState()) { XCTAssertTrue("\($0)".contains("cannot write or read a learned state"), "\($0)") }
        XCTAssertThrowsError(try opaque.restore(from: state, classCount: 2)) { XCTAssertTrue("\($0)".contains("PersistableClassifier"), "\($0)") }
    }

    func testZCAFromStoredValuesChecksSizes() throws {
        let patches = Matrix(rows: 50, cols: 3, data: (0..<150).map { Float(($0 * 37) % 11) })
        let fitted = try ZCAWhitening(fitting: patches, epsilon: 0.1)
        let stored = try ZCAWhitening(mean: fitted.mean, matrix: fitted.matrix, epsilon: 0.1)
        XCTAssertEqual(stored.apply(patches), fitted.apply(patches))
        XCTAssertThrowsError(try ZCAWhitening(mean: [0, 0], matrix: fitted.matrix, epsilon: 0.1)) { XCTAssertTrue("\($0)".contains("3×3")) }
        XCTAssertThrowsError(try ZCAWhitening(mean: fitted.mean, matrix: Matrix(rows: 3, cols: 2), epsilon: 0.1))
        XCTAssertThrowsError(try ZCAWhitening(mean: fitted.mean, matrix: fitted.matrix, epsilon: 0))
        XCTAssertThrowsError(try ZCAWhitening(mean: [0, .nan, 0], matrix: fitted.matrix, epsilon: 0.1))
    }

    // MARK: - Progress

    /// Every stage reports, in pipeline order, and the fit is bit-identical with or without reports,
    /// on one thread and on two.
    func testPipelineProgressInOrderAndHarmless() throws {
        let (x, y) = barImages(count: 80, seed: 6)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var quiet = try smallTriangle()
        try quiet.fit(x, y, classCount: 2)
        for threads in [1, 2] {
            Parallel.threadCount = threads
            let recorder = ProgressRecorder()
            var loud = try smallTriangle()
            loud.progress = recorder.handler
            try loud.fit(x, y, classCount: 2)
            let reports = recorder.reports
            XCTAssertEqual(stageSequence(reports), ["sampling patches", "whitening", "k-means++ seeding", "k-means",
                                                    "encoding images", "classifier iteration"])
            for stage in Set(reports.map(\.stage)) {
                let done = reports.filter { $0.stage == stage }.map(\.done)
                XCTAssertEqual(done, done.sorted(), stage)
            }
            XCTAssertEqual(reports.filter { $0.stage == "k-means++ seeding" }.map(\.done), Array(1...16))
            XCTAssertEqual(reports.last { $0.stage == "encoding images" }?.done, 80)
            XCTAssertEqual(reports.filter { $0.stage == "classifier iteration" }.count, (loud.classifier as! LogisticRegression).iterations)
            XCTAssertEqual(reports.map(\.elapsedSeconds), reports.map(\.elapsedSeconds).sorted())
            XCTAssertEqual(loud.codebook, quiet.codebook)
            XCTAssertEqual(try loud.probabilities(x), try quiet.probabilities(x))
            // The inner classifier does not keep the pipeline's callback after the fit.
            XCTAssertNil((loud.classifier as! LogisticRegression).progress)
        }
    }

    /// Encoding reports after every chunk of images (123 images of 28×28 with K = 256), for a
    /// transform on its own too, without changing the features.
    func testEncodingReportsEveryChunk() throws {
        var rng = Xoshiro256(seed: 11)
        let x = Matrix(rows: 300, cols: 784, data: (0..<(300 * 784)).map { _ in rng.uniform() })
        var model = try BagOfVisualWords(imageHeight: 28, imageWidth: 28, patchCount: 2000, codebookSize: 256, codebookIterations: 2)
        try model.fitCodebook(x)
        let quiet = try model.transform(x)
        let recorder = ProgressRecorder()
        model.progress = recorder.handler
        XCTAssertEqual(try model.transform(x), quiet)
        XCTAssertEqual(recorder.reports.map(\.done), [123, 246, 300])
        XCTAssertTrue(recorder.reports.allSatisfy { $0.stage == "encoding images" && $0.total == 300 })
    }

    func testKMeansProgressPerIterationAndHarmless() throws {
        let x = blobPoints([[0, 0], [5, 5], [0, 5], [5, 0]], perCluster: 50, spread: 1, seed: 2)
        for algorithm: KMeans.Algorithm in [.lloyd, .miniBatch(batchSize: 32)] {
            let quiet = try KMeans(clusterCount: 4, maxIterations: 30, tolerance: 0, restarts: 2, algorithm: algorithm, seed: 1).fit(x)
            let recorder = ProgressRecorder()
            var loudKMeans = try KMeans(clusterCount: 4, maxIterations: 30, tolerance: 0, restarts: 2, algorithm: algorithm, seed: 1)
            loudKMeans.progress = recorder.handler
            let loud = try loudKMeans.fit(x)
            XCTAssertEqual(loud.centers, quiet.centers)
            XCTAssertEqual(loud.inertiaHistory, quiet.inertiaHistory)
            let stage = algorithm == .lloyd ? "k-means" : "mini-batch k-means"
            let second = recorder.reports.filter { $0.detail?.hasPrefix("run 2 of 2") ?? false }
            XCTAssertEqual(second.filter { $0.stage == "k-means++ seeding" }.map(\.done), [1, 2, 3, 4])
            let iterations = second.filter { $0.stage == stage }
            XCTAssertEqual(iterations.map(\.done), Array(1...iterations.count))
            XCTAssertTrue(iterations.allSatisfy { $0.total == 30 && ($0.detail?.contains("inertia") ?? false) })
            XCTAssertEqual(stageSequence(recorder.reports), ["k-means++ seeding", stage, "k-means++ seeding", stage])
        }
    }

    // MARK: - Measurement on MNIST

    /// The triangle pipeline (BagOfWordsSettings.triangle) fitted on 2,000 MNIST-5k digits: its
    /// state written to a file and read back into a fresh model gives the same probabilities, and
    /// reading the file, restoring and classifying one image takes well under half a second.
    func testTriangleStateRestoresQuicklyOnMNIST() throws {
        let data = try loadMNIST5k()
        let trainIndices = (0..<2000).map { $0 * 5 / 2 }
        let testIndices = (0..<200).map { $0 * 25 + 1 }
        let train = data.subset(trainIndices), test = data.subset(testIndices)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bovw-state-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let fitClock = Stopwatch()
        var model = try BagOfVisualWords.triangle()
        let recorder = ProgressRecorder()
        model.progress = recorder.handler
        try model.fit(train.features, train.labels, classCount: 10)
        model.progress = nil
        let fitSeconds = fitClock.seconds
        // The longest silence of the fit: between its start, consecutive reports, and its end.
        let times = [0] + recorder.reports.map(\.elapsedSeconds) + [fitSeconds]
        let gaps = zip(times, times.dropFirst()).map { $1 - $0 }
        let longest = gaps.indices.max { gaps[$0] < gaps[$1] }!
        let after = longest == 0 ? "the start" : recorder.reports[longest - 1].description
        XCTAssertLessThan(gaps[longest], 5, "silent after \(after)")
        print("MEASURE bovw-triangle fit: \(recorder.reports.count) progress reports, longest silence \(String(format: "%.3f", gaps[longest])) s after \(after)")
        let state = try model.learnedState()
        let path = folder + "/triangle.state"
        let bytes = try writeState(state, to: path)

        let one = test.features.rows([0])
        let clock = Stopwatch()
        var restored = try BagOfVisualWords.triangle()
        try restored.restore(from: try readState(from: path), classCount: 10)
        let p = try restored.probabilities(one)
        let seconds = clock.seconds
        XCTAssertEqual(p, try model.probabilities(one))
        XCTAssertEqual(try restored.probabilities(test.features), try model.probabilities(test.features))
        XCTAssertLessThan(seconds, 0.5)
        XCTAssertEqual(try model.learnedStateValueCount(), 256 * 36 + 36 + 36 * 36 + 1280 * 10 + 10 + 2 * 1280)
        print("MEASURE bovw-triangle fit on 2000 MNIST-5k: \(String(format: "%.1f", fitSeconds)) s; state \(try model.learnedStateValueCount()) floats, file \(bytes) bytes; read + restore + probabilities(1 image): \(String(format: "%.4f", seconds)) s; accuracy on 200 other digits \(try restored.score(test.features, test.labels))")

        var logreg = try LogisticRegression(c: 1)
        try logreg.fit(train.features, train.labels, classCount: 10)
        let logregBytes = try writeState(try logreg.learnedState(), to: folder + "/logreg.state")
        let logregClock = Stopwatch()
        var logregBack = try LogisticRegression(c: 1)
        try logregBack.restore(from: try readState(from: folder + "/logreg.state"), classCount: 10)
        let logregP = try logregBack.probabilities(one)
        let logregSeconds = logregClock.seconds
        XCTAssertEqual(logregP, try logreg.probabilities(one))
        XCTAssertEqual(try logreg.learnedStateValueCount(), 784 * 10 + 10)
        print("MEASURE logreg on 784 pixels × 10 classes: state \(try logreg.learnedStateValueCount()) floats, file \(logregBytes) bytes; read + restore + probabilities(1 image): \(String(format: "%.4f", logregSeconds)) s")

        var knn = try KNearestNeighbors(k: 5)
        try knn.fit(train.features, train.labels, classCount: 10)
        let knnBytes = try writeState(try knn.learnedState(), to: folder + "/knn.state")
        let knnClock = Stopwatch()
        var knnBack = try KNearestNeighbors(k: 5)
        try knnBack.restore(from: try readState(from: folder + "/knn.state"), classCount: 10)
        let knnP = try knnBack.probabilities(one)
        let knnSeconds = knnClock.seconds
        XCTAssertEqual(knnP, try knn.probabilities(one))
        XCTAssertEqual(knnBack.usesEightBitKernel, knn.usesEightBitKernel)
        print("MEASURE knn5 on 2000 MNIST-5k digits: state \(try knn.learnedStateValueCount()) floats, file \(knnBytes) bytes; read + restore + probabilities(1 image): \(String(format: "%.4f", knnSeconds)) s (8-bit kernel: \(knnBack.usesEightBitKernel))")
    }
}

extension BagOfVisualWords {
    /// The same pipeline with a smaller codebook sample (for quick tests on 12×12 images).
    func withSmallSample() throws -> BagOfVisualWords {
        try BagOfVisualWords(imageHeight: grid.height, imageWidth: grid.width, channels: grid.channels, patchSize: 4,
                             stride: grid.stride, patchCount: 3000, contrastEpsilon: contrastEpsilon,
                             whiteningEpsilon: whiteningEpsilon, codebookSize: 16, codebookIterations: 10, encoding: encoding,
                             poolingGrids: poolingGrids, normalization: normalization, classifier: classifier, seed: seed, name: name)
    }
}
