import XCTest
import BagOfWords
import Classifiers
import Tensors

/// 12×12 images of one horizontal (class 0) or vertical (class 1) bar at a random place, on noise.
func barImages(count: Int, seed: UInt64) -> (Matrix, [Int]) {
    var rng = Xoshiro256(seed: seed)
    var data: [Float] = [], labels: [Int] = []
    for i in 0..<count {
        var image = (0..<144).map { _ in rng.uniform(0, 0.2) }
        let at = 2 + rng.int(below: 8), label = i % 2
        for t in 0..<12 { image[label == 0 ? at * 12 + t : t * 12 + at] = 1 }
        data += image
        labels.append(label)
    }
    return (Matrix(rows: count, cols: 144, data: data), labels)
}

final class BagOfVisualWordsTests: XCTestCase {
    func testSameSeedSameCodebook() throws {
        let (x, _) = barImages(count: 60, seed: 1)
        func codebook(_ seed: UInt64, threads: Int) throws -> Matrix {
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            var model = try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, patchCount: 3000,
                                             codebookSize: 16, codebookIterations: 20, seed: seed)
            try model.fitCodebook(x)
            return model.codebook!
        }
        let first = try codebook(5, threads: 2)
        XCTAssertEqual(first, try codebook(5, threads: 2))
        XCTAssertEqual(first, try codebook(5, threads: 1))
        XCTAssertNotEqual(first, try codebook(6, threads: 2))
    }

    /// The whole pipeline (codebook, encoding, pooling, classifier) gives the same features and
    /// probabilities on one thread and on two.
    func testSameFitOnOneOrTwoThreads() throws {
        let (x, y) = barImages(count: 80, seed: 6)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [(Matrix, Matrix)] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            var model = try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, patchCount: 3000,
                                             codebookSize: 16, codebookIterations: 10, seed: 3)
            try model.fit(x, y, classCount: 2)
            results.append((try model.transform(x), try model.probabilities(x)))
        }
        XCTAssertEqual(results[0].0, results[1].0)
        XCTAssertEqual(results[0].1, results[1].1)
    }

    func testHardHistogramCountsEveryPatchOncePerGrid() throws {
        let (x, y) = barImages(count: 40, seed: 2)
        var model = try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, stride: 2, patchCount: 2000,
                                         whiteningEpsilon: nil, codebookSize: 8, encoding: .hard, poolingGrids: [1, 2],
                                         normalization: .none)
        try model.fit(x, y, classCount: 2)
        let features = try model.transform(x)
        XCTAssertEqual(features.cols, 8 * 5)
        // 5×5 positions: the 1×1 grid holds all 25 patches, the four quadrant cells 9 + 6 + 6 + 4.
        for i in 0..<features.rows {
            let row = features.row(i)
            XCTAssertEqual(row[0..<8].reduce(0, +), 25)
            XCTAssertEqual((0..<4).map { c in row[(8 + 8 * c)..<(16 + 8 * c)].reduce(0, +) }, [9, 6, 6, 4])
        }
        // Square-root normalization: the same codebook gives the square roots of those counts.
        var rooted = try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, stride: 2, patchCount: 2000,
                                          whiteningEpsilon: nil, codebookSize: 8, encoding: .hard, poolingGrids: [1, 2],
                                          normalization: .squareRoot)
        try rooted.fit(x, y, classCount: 2)
        XCTAssertEqual(rooted.codebook, model.codebook)
        XCTAssertEqual(try rooted.transform(x), features.map { $0.squareRoot() })
    }

    func testTrianglePipelineSeparatesBars() throws {
        let (x, y) = barImages(count: 200, seed: 3)
        let (xt, yt) = barImages(count: 100, seed: 4)
        var model = try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, patchCount: 5000,
                                         codebookSize: 16, codebookIterations: 20)
        try model.fit(x, y, classCount: 2)
        XCTAssertGreaterThanOrEqual(try model.score(xt, yt), 0.95)
        let features = try model.transform(xt)
        XCTAssertTrue(features.data.allSatisfy { $0 >= 0 }, "triangle codes are never negative")
    }

    /// The triangle encoding and its nearest-word search without AVX-512 give the same features, up
    /// to the rounding of a different summation order.
    func testPortableEncodingMatchesTheVectorOne() throws {
        let (x, y) = barImages(count: 60, seed: 5)
        var model = try BagOfVisualWords(imageHeight: 12, imageWidth: 12, patchSize: 4, patchCount: 2000,
                                         codebookSize: 24, codebookIterations: 10)
        try model.fit(x, y, classCount: 2)
        let vector = try model.transform(x)
        let portable = try CPUFeatures.withLimit(.portable) { try model.transform(x) }
        XCTAssertEqual(vector.rows, portable.rows)
        let worst = zip(vector.data, portable.data).map { abs($0 - $1) / max(1, abs($0)) }.max() ?? 0
        XCTAssertLessThan(worst, 1e-4, "largest relative difference \(worst)")
        XCTAssertTrue(portable.data.contains { $0 > 0 })
    }

    func testWhiteningDecorrelates() throws {
        var rng = Xoshiro256(seed: 8)
        // Correlated 3-D data: x, x + small noise, and an independent coordinate.
        let rows: [[Float]] = (0..<4000).map { _ in let a = rng.normal(); return [a, a + 0.3 * rng.normal(), 2 * rng.normal()] }
        let zca = try ZCAWhitening(fitting: Matrix(rows), epsilon: 1e-6)
        let white = zca.apply(Matrix(rows))
        let covariance = white.matmul(white, transposeSelf: true) * (1 / Float(white.rows - 1))
        for i in 0..<3 {
            for j in 0..<3 {
                XCTAssertEqual(covariance[i, j], i == j ? 1 : 0, accuracy: 1e-3, "covariance (\(i), \(j))")
            }
        }
    }

    func testBadHyperparametersThrow() throws {
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 5, imageWidth: 5, patchSize: 6)) { error in
            XCTAssertEqual("\(error)", "BagOfVisualWords: invalid patchSize: it is 6 but the images are 5×5; use a patch no larger than the image.")
        }
        XCTAssertThrowsError(try BagOfVisualWords.triangle(imageHeight: 5, imageWidth: 28))
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 0))
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 3, stride: 0))
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 3, codebookSize: 0))
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 3, patchCount: 10, codebookSize: 11))
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 3, whiteningEpsilon: -1))
        XCTAssertThrowsError(try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 3, poolingGrids: [7]))
        XCTAssertThrowsError(try ZCAWhitening(fitting: Matrix(rows: 10, cols: 2), epsilon: 0))
        var model = try BagOfVisualWords(imageHeight: 8, imageWidth: 8, patchSize: 3)
        XCTAssertThrowsError(try model.fit(Matrix(rows: 4, cols: 50), [0, 1, 0, 1], classCount: 2))
        XCTAssertThrowsError(try model.predict(Matrix(rows: 1, cols: 64)))
    }
}
