import XCTest
import BagOfWords
import Classifiers
import Tensors

/// `perCluster` points around each of `centers`, with Gaussian noise of deviation `spread`.
func blobPoints(_ centers: [[Float]], perCluster: Int, spread: Float, seed: UInt64) -> Matrix {
    var rng = Xoshiro256(seed: seed)
    var rows: [[Float]] = []
    for i in 0..<(centers.count * perCluster) {
        rows.append(centers[i % centers.count].map { $0 + rng.normal(std: spread) })
    }
    return Matrix(rows)
}

final class KMeansTests: XCTestCase {
    let centers: [[Float]] = [[0, 0, 0], [10, 0, 0], [0, 10, 0], [0, 0, 10], [10, 10, 10]]

    /// Each true center has a fitted center within `tolerance`.
    func assertRecovers(_ fitted: Matrix, tolerance: Float, _ message: String) {
        for c in centers {
            let nearest = (0..<fitted.rows).map { r in
                zip(fitted.row(r), c).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }.min()!
            XCTAssertLessThan(nearest, tolerance, "\(message): no center near \(c) (nearest at \(nearest))")
        }
    }

    /// k-means++ needs one run; uniform random seeding lands in a local minimum (two centers in one
    /// blob, one between two blobs) in about half the runs, a fixed point Lloyd cannot leave, so it
    /// gets ten restarts (seed 7's first three all land there, which the restart test below uses).
    func testLloydRecoversSeparatedBlobsAndNeverIncreasesInertia() throws {
        let x = blobPoints(centers, perCluster: 80, spread: 0.5, seed: 1)
        for (initialization, restarts) in [(KMeans.Initialization.kMeansPlusPlus, 1), (.random, 10)] {
            let result = try KMeans(clusterCount: 5, restarts: restarts, initialization: initialization, seed: 7).fit(x)
            assertRecovers(result.centers, tolerance: 0.2, "\(initialization)")
            XCTAssertTrue(result.converged)
            for (a, b) in zip(result.inertiaHistory, result.inertiaHistory.dropFirst()) {
                XCTAssertLessThanOrEqual(b, a * (1 + 1e-6), "inertia rose from \(a) to \(b)")
            }
            // 400 points of variance 3·0.25 around their centers.
            XCTAssertEqual(result.inertia / 400, 0.75, accuracy: 0.15)
            XCTAssertEqual(Set(result.labels).count, 5)
            // The inertia is that of the returned centers and labels.
            var total = 0.0
            for i in 0..<x.rows {
                total += zip(x.row(i), result.centers.row(result.labels[i])).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
            }
            XCTAssertEqual(total, result.inertia, accuracy: 1e-4 * total)
        }
    }

    /// Restart r runs from the same stream whatever the number of restarts, so more restarts never
    /// give a higher inertia; and a local minimum is a fixed point (converged, inertia stuck).
    func testRestartsKeepTheLowestInertia() throws {
        let x = blobPoints(centers, perCluster: 80, spread: 0.5, seed: 1)
        let inertias = try (1...5).map { try KMeans(clusterCount: 5, restarts: $0, initialization: .random, seed: 7).fit(x).inertia }
        for (a, b) in zip(inertias, inertias.dropFirst()) { XCTAssertLessThanOrEqual(b, a) }
        XCTAssertGreaterThan(inertias[0] / 400, 5, "seed 7's first random start is a local minimum")
        XCTAssertLessThan(inertias[4] / 400, 0.9, "one of five random starts finds the blobs")
    }

    func testMiniBatchRecoversSeparatedBlobs() throws {
        let x = blobPoints(centers, perCluster: 200, spread: 0.5, seed: 2)
        let result = try KMeans(clusterCount: 5, maxIterations: 100, tolerance: 0, algorithm: .miniBatch(batchSize: 100), seed: 3).fit(x)
        assertRecovers(result.centers, tolerance: 0.3, "mini-batch")
    }

    func testEmptyClustersAreReseeded() throws {
        // Three distinct points, many copies each, and random seeding that must pick duplicates
        // for some of the five clusters: the empty ones are re-seeded, and five clusters remain distinct.
        var rows: [[Float]] = []
        for i in 0..<60 { rows.append([[0, 0], [5, 5], [9, 0]][i % 3]) }
        rows.append([20, 20]); rows.append([-20, 20])
        let result = try KMeans(clusterCount: 5, initialization: .random, seed: 4).fit(Matrix(rows))
        XCTAssertEqual(Set(result.labels).count, 5)
        XCTAssertEqual(result.inertia, 0, accuracy: 1e-3)
    }

    func testSameSeedSameCentersOnOneOrTwoThreads() throws {
        let x = blobPoints(centers, perCluster: 2000, spread: 3, seed: 5)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [Matrix] = []
        for threads in [1, 2, 2] {
            Parallel.threadCount = threads
            results.append(try KMeans(clusterCount: 8, maxIterations: 20, seed: 9).fit(x).centers)
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[1], results[2])
        Parallel.threadCount = saved
        XCTAssertNotEqual(try KMeans(clusterCount: 8, maxIterations: 20, seed: 10).fit(x).centers, results[0])
    }

    func testBadHyperparametersThrow() throws {
        XCTAssertThrowsError(try KMeans(clusterCount: 0)) { error in
            XCTAssertEqual("\(error)", "KMeans: invalid clusterCount: it is 0; use at least 1.")
        }
        XCTAssertThrowsError(try KMeans(clusterCount: 2, maxIterations: 0))
        XCTAssertThrowsError(try KMeans(clusterCount: 2, tolerance: -1))
        XCTAssertThrowsError(try KMeans(clusterCount: 2, algorithm: .miniBatch(batchSize: 0)))
        XCTAssertThrowsError(try KMeans(clusterCount: 4).fit(Matrix(rows: 3, cols: 2))) { error in
            XCTAssertTrue("\(error)".contains("only 3 points"), "\(error)")
        }
    }
}
