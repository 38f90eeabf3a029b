import XCTest
import Classifiers
import Tensors

/// The neighbours by a plain double loop: every distance, then sort by (distance, index).
func naiveNeighbors(train: Matrix, query: [Float], k: Int, metric: DistanceMetric) -> [Int] {
    let distances: [(Double, Int)] = (0..<train.rows).map { t in
        let row = train.row(t)
        switch metric {
        case .euclidean:
            return (zip(row, query).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }, t)
        case .manhattan:
            return (zip(row, query).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) }, t)
        case .cosine:
            let ab = zip(row, query).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let aa = row.reduce(0.0) { $0 + Double($1) * Double($1) }, bb = query.reduce(0.0) { $0 + Double($1) * Double($1) }
            return (aa > 0 && bb > 0 ? 1 - ab / (aa * bb).squareRoot() : 1, t)
        }
    }
    return distances.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }.prefix(k).map { $0.1 }
}

final class KNearestNeighborsTests: XCTestCase {
    /// 8-bit pixels with only four levels, as k/255 floats and as integers, with every third training
    /// row a copy of an earlier one: many exact ties, which must go to the smaller index. (The floats
    /// Float(k)/255 are not exact multiples of 1/255, so two different code distances can tie or
    /// not in float; the neighbours must be those of the float values, as the plain loop finds.)
    /// With all 256 levels (few ties) most queries take the path that proves the order from the
    /// integer distances alone; it must agree too.
    func testEightBitDataMatchesNaiveLoopIncludingTies() throws {
        try checkEightBitTies()
    }

    /// The same data on a CPU without VNNI (AVX-512 floats) and without AVX-512 (portable loops):
    /// the float path must find the same neighbours, ties included, whatever its rounding.
    func testEightBitDataWithoutVNNIOrAVX512MatchesNaiveLoop() throws {
        for features: CPUFeatures.Set in [[.avx2, .avx512], .avx2, .portable] {
            try CPUFeatures.withLimit(features) {
                var model = try KNearestNeighbors(k: 1)
                try model.fit(Matrix(rows: 2, cols: 1, data: [0, 1]), [0, 1], classCount: 2)
                XCTAssertFalse(model.usesEightBitKernel, "\(features): the 8-bit kernel needs VNNI")
                try checkEightBitTies()
            }
        }
    }

    private func checkEightBitTies() throws {
        for (levels, scale): (Int, Float) in [(4, 1 / 255), (4, 1), (256, 1 / 255)] {
            var rng = Xoshiro256(seed: 11)
            let (n, q, d, k) = (301, 75, 13, 7)
            var rows: [[Float]] = []
            for i in 0..<n {
                rows.append(i % 3 == 2 ? rows[rng.int(below: i)] : (0..<d).map { _ in Float(rng.int(below: levels)) * scale })
            }
            let train = Matrix(rows)
            let queries = Matrix(rows: q, cols: d, data: (0..<q * d).map { _ in Float(rng.int(below: levels)) * scale })
            var model = try KNearestNeighbors(k: k)
            try model.fit(train, (0..<n).map { $0 % 3 }, classCount: 3)
            let found = try model.neighbors(queries)
            var tiesSeen = 0, worst = 0.0
            for i in 0..<q {
                let expected = naiveNeighbors(train: train, query: queries.row(i), k: k, metric: .euclidean)
                XCTAssertEqual(Array(found.indices[(i * k)..<((i + 1) * k)]), expected, "scale \(scale), query \(i) (\(CPUFeatures.active))")
                let dist = Array(found.distances[(i * k)..<((i + 1) * k)])
                tiesSeen += zip(dist, dist.dropFirst()).filter { $0 == $1 }.count
                for (t, distance) in zip(expected, dist) {
                    let exact = zip(train.row(t), queries.row(i)).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) }.squareRoot()
                    worst = max(worst, abs(distance - exact))
                }
            }
            XCTAssertGreaterThan(tiesSeen, levels == 4 ? 50 : 0, "the data should produce ties (scale \(scale))")
            XCTAssertLessThanOrEqual(worst, 1e-12 * Double(scale), "largest distance difference \(worst), scale \(scale) (\(CPUFeatures.active))")
        }
    }

    /// Real-valued data with duplicated training rows (exact ties), for every metric.
    func testFloatDataMatchesNaiveLoopForEveryMetric() throws {
        try checkFloatMetrics()
        try CPUFeatures.withLimit(.portable) { try checkFloatMetrics() }
    }

    private func checkFloatMetrics() throws {
        var rng = Xoshiro256(seed: 12)
        let (n, q, d, k) = (200, 40, 9, 5)
        var rows = (0..<(n / 2)).map { _ in (0..<d).map { _ in rng.normal() } }
        rows += rows  // every row twice: ties at every distance
        let train = Matrix(rows)
        let queries = Matrix(rows: q, cols: d, data: (0..<q * d).map { _ in rng.normal() })
        for metric in DistanceMetric.allCases {
            var model = try KNearestNeighbors(k: k, metric: metric)
            try model.fit(train, (0..<n).map { $0 % 4 }, classCount: 4)
            XCTAssertFalse(model.usesEightBitKernel)
            let found = try model.neighbors(queries)
            for i in 0..<q {
                let expected = naiveNeighbors(train: train, query: queries.row(i), k: k, metric: metric)
                XCTAssertEqual(Array(found.indices[(i * k)..<((i + 1) * k)]), expected, "\(metric), query \(i)")
            }
        }
    }

    /// 8-bit training images queried with real-valued rows take the float path.
    func testEightBitTrainingSetWithFloatQueries() throws {
        var rng = Xoshiro256(seed: 14)
        let (n, q, d, k) = (120, 20, 10, 4)
        let train = Matrix(rows: n, cols: d, data: (0..<n * d).map { _ in Float(rng.int(below: 256)) / 255 })
        let queries = Matrix(rows: q, cols: d, data: (0..<q * d).map { _ in rng.uniform() })
        var model = try KNearestNeighbors(k: k)
        try model.fit(train, (0..<n).map { $0 % 2 }, classCount: 2)
        let found = try model.neighbors(queries)
        for i in 0..<q {
            let expected = naiveNeighbors(train: train, query: queries.row(i), k: k, metric: .euclidean)
            XCTAssertEqual(Array(found.indices[(i * k)..<((i + 1) * k)]), expected, "query \(i)")
        }
    }

    func testVotesAndTieRule() throws {
        // Two neighbours of class 1 at distance 1 and 2, two of class 0 at distance 3 and 4.
        let train = Matrix([[1], [2], [3], [4]])
        var uniform = try KNearestNeighbors(k: 4)
        try uniform.fit(train, [1, 1, 0, 0], classCount: 2)
        XCTAssertEqual(try uniform.predict(Matrix([[0]])), [0], "equal votes go to the smaller label")
        var weighted = try KNearestNeighbors(k: 4, weighting: .distance)
        try weighted.fit(train, [1, 1, 0, 0], classCount: 2)
        XCTAssertEqual(try weighted.predict(Matrix([[0]])), [1])
        let p = try weighted.probabilities(Matrix([[0]]))
        XCTAssertEqual(Double(p[0, 1]), 1.5 / (1.5 + 1.0 / 3 + 0.25), accuracy: 1e-6)
        // An exact match outvotes everything.
        XCTAssertEqual(try weighted.predict(Matrix([[3]])), [0])
    }

    func testSameNeighborsOnOneOrTwoThreads() throws {
        var rng = Xoshiro256(seed: 13)
        let train = Matrix(rows: 3000, cols: 20, data: (0..<60000).map { _ in Float(rng.int(below: 256)) / 255 })
        let queries = Matrix(rows: 500, cols: 20, data: (0..<10000).map { _ in Float(rng.int(below: 256)) / 255 })
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        var results: [Neighbors] = []
        for threads in [1, 2] {
            Parallel.threadCount = threads
            var model = try KNearestNeighbors(k: 3)
            try model.fit(train, (0..<3000).map { $0 % 10 }, classCount: 10)
            results.append(try model.neighbors(queries))
        }
        XCTAssertEqual(results[0], results[1])
    }

    func testBadHyperparametersThrow() throws {
        XCTAssertThrowsError(try KNearestNeighbors(k: 0)) { error in
            XCTAssertEqual("\(error)", "KNearestNeighbors: invalid k: it is 0; use at least 1.")
        }
        var model = try KNearestNeighbors(k: 5)
        XCTAssertThrowsError(try model.fit(Matrix(rows: 3, cols: 2), [0, 1, 0], classCount: 2)) { error in
            XCTAssertTrue("\(error)".contains("only 3 training samples"), "\(error)")
        }
        XCTAssertThrowsError(try model.predict(Matrix(rows: 1, cols: 2)))
        try model.fit(Matrix(rows: 6, cols: 2), [0, 1, 0, 1, 0, 1], classCount: 2)
        XCTAssertThrowsError(try model.predict(Matrix(rows: 1, cols: 3)))
    }
}
