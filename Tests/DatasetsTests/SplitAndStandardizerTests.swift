// Stratified splits keep every class's share; the standardizer centres and scales with training
// statistics only.
import Datasets
import Tensors
import XCTest

final class SplitAndStandardizerTests: XCTestCase {
    /// n samples of `classes` balanced classes; feature 0 is the sample's index.
    private func indexed(_ n: Int, classes: Int, counts: [Int]? = nil) throws -> Dataset {
        let labels = counts.map { c in c.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) } }
            ?? (0..<n).map { $0 % classes }
        return try Dataset(name: "s", features: Matrix(rows: labels.count, cols: 1, data: (0..<labels.count).map(Float.init)),
                           labels: labels, classNames: (0..<classes).map(String.init))
    }

    func testTenBalancedClassesGiveExactlyOneHundredEach() throws {
        let d = try indexed(5000, classes: 10)
        let (train, test) = try stratifiedSplit(d, testCount: 1000, seed: 3)
        XCTAssertEqual(train.count, 4000)
        XCTAssertEqual(test.count, 1000)
        XCTAssertEqual(test.classCounts, [Int](repeating: 100, count: 10))
        XCTAssertEqual(train.classCounts, [Int](repeating: 400, count: 10))
        // A partition: every sample once, with its own label.
        let ids = (train.features.data + test.features.data).map { Int($0) }
        XCTAssertEqual(ids.sorted(), Array(0..<5000))
        for (k, id) in test.features.data.enumerated() { XCTAssertEqual(test.labels[k], Int(id) % 10) }
        // Deterministic by seed, different with another seed.
        let again = try stratifiedSplit(d, testCount: 1000, seed: 3)
        XCTAssertEqual(again.test.features, test.features)
        XCTAssertNotEqual(try stratifiedSplit(d, testCount: 1000, seed: 4).test.features, test.features)
    }

    func testUnbalancedClassesKeepTheirProportions() throws {
        let d = try indexed(0, classes: 3, counts: [70, 20, 10])
        let (train, test) = try stratifiedSplit(d, testFraction: 0.25, seed: 1)
        // 25 test samples: quotas 17.5, 5, 2.5 → largest remainders (ties to the lower class) 18, 5, 2.
        XCTAssertEqual(test.classCounts, [18, 5, 2])
        XCTAssertEqual(train.classCounts, [52, 15, 8])
        XCTAssertThrowsError(try stratifiedSplit(d, testCount: 100, seed: 1))
        XCTAssertThrowsError(try stratifiedSplit(d, testFraction: 0, seed: 1))
    }

    func testStandardizerZeroMeanUnitVarianceAndConstantColumns() throws {
        var rng = Xoshiro256(seed: 5)
        let n = 200
        var data: [Float] = []
        for _ in 0..<n { data += [rng.normal(mean: 100, std: 3), rng.uniform(-1, 1), 7] }
        let train = Matrix(rows: n, cols: 3, data: data)
        let s = Standardizer(fitting: train)
        XCTAssertEqual(s.means[2], 7)
        XCTAssertEqual(s.stds[2], 0)
        let z = s.transform(train)
        for j in 0..<3 {
            let column = (0..<n).map { Double(z[$0, j]) }
            let mean = column.reduce(0, +) / Double(n)
            let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
            XCTAssertEqual(mean, 0, accuracy: 1e-5, "column \(j)")
            XCTAssertEqual(variance, j == 2 ? 0 : 1, accuracy: 1e-4, "column \(j)")
        }
        XCTAssertTrue(z.isFinite)
        // Test data use the training statistics.
        let test = Matrix([[100 + 3, 0, 9]])
        let t = s.transform(test)
        XCTAssertEqual(t[0, 0], (103 - s.means[0]) / s.stds[0], accuracy: 1e-5)
        XCTAssertEqual(t[0, 2], 2)
    }
}
