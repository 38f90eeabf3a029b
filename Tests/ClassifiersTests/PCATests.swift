// PCA against scikit-learn's (exact solver) on fixed data: the same variances, the same components
// (scikit-learn's sign convention), the same projections, whitened or not; and its contract.
import Foundation
import XCTest
import Classifiers
import Tensors

final class PCATests: XCTestCase {
    struct Fit: Decodable {
        var whiten: Bool
        var mean: [Double]
        var explained_variance: [Double]
        var explained_variance_ratio: [Double]
        var component_rows: [[Double]]
        var transform_first_rows: [[Double]]
    }
    struct Case: Decodable { var rows: Int; var cols: Int; var components: Int; var x: [String]; var fits: [Fit] }
    struct Fixture: Decodable { var cases: [Case] }

    static let fixture: Fixture? = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/pca.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Fixture.self, from: data)
    }()

    func testMatchesScikitLearn() throws {
        let fixture = try XCTUnwrap(Self.fixture, "Fixtures/pca.json is missing or unreadable")
        XCTAssertEqual(fixture.cases.count, 3)
        for c in fixture.cases {
            let x = Matrix(rows: c.rows, cols: c.cols, data: c.x.compactMap { Float($0) })
            XCTAssertEqual(x.data.count, c.rows * c.cols)
            for f in c.fits {
                var pca = try PCA(components: c.components, whiten: f.whiten, seed: 3)
                try pca.fit(x)
                let label = "\(c.rows)×\(c.cols), k \(c.components), whiten \(f.whiten)"
                let top = f.explained_variance[0]
                for j in 0..<c.components {
                    // Variances within 1e-4 of the largest; ratios within 1e-5.
                    XCTAssertEqual(Double(pca.explainedVariance[j]), f.explained_variance[j], accuracy: 1e-4 * top, "\(label): variance \(j)")
                    XCTAssertEqual(Double(pca.explainedVarianceRatio[j]), f.explained_variance_ratio[j], accuracy: 1e-5, "\(label): ratio \(j)")
                    // Components: entries within 2e-3 (the smaller components of a nearly flat
                    // spectrum are the least determined; the fixture's spectrum has clear gaps).
                    for r in 0..<c.cols {
                        XCTAssertEqual(Double(pca.components[j, r]), f.component_rows[j][r], accuracy: 2e-3, "\(label): component \(j)[\(r)]")
                    }
                }
                for r in 0..<c.cols { XCTAssertEqual(Double(pca.mean[r]), f.mean[r], accuracy: 1e-4 * max(1, abs(f.mean[r]))) }
                let projected = try pca.transform(x.rows(0..<5))
                for i in 0..<5 {
                    for j in 0..<c.components {
                        let want = f.transform_first_rows[i][j]
                        let scale = f.whiten ? 1.0 : top.squareRoot()
                        XCTAssertEqual(Double(projected[i, j]), want, accuracy: 2e-3 * max(scale, 1), "\(label): projection [\(i), \(j)]")
                    }
                }
            }
        }
    }

    func testJacobiDiagonalizesASymmetricMatrix() {
        let n = 6
        var rng = Xoshiro256(seed: 9)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let v = Double(rng.normal()); a[i * n + j] = v; a[j * n + i] = v } }
        let (values, vectors) = jacobiEigen(a, n)
        for e in 0..<n {   // A·v = λ·v for each pair
            for i in 0..<n {
                let av = (0..<n).reduce(0.0) { $0 + a[i * n + $1] * vectors[$1 * n + e] }
                XCTAssertEqual(av, values[e] * vectors[i * n + e], accuracy: 1e-10)
            }
        }
    }

    func testStateRoundTripAndBadInput() throws {
        var rng = Xoshiro256(seed: 1)
        let x = Matrix(rows: 50, cols: 7, data: (0..<350).map { _ in rng.normal() })
        var pca = try PCA(components: 3, whiten: true)
        try pca.fit(x)
        var back = try PCA(components: 3, whiten: true)
        try back.restore(from: try pca.learnedState())
        XCTAssertEqual(try back.transform(x).data, try pca.transform(x).data)
        XCTAssertThrowsError(try PCA(components: 0)) { XCTAssertTrue("\($0)".contains("components"), "\($0)") }
        XCTAssertThrowsError(try PCA(components: 2).transform(x)) { XCTAssertTrue("\($0)".contains("before fit"), "\($0)") }
        XCTAssertThrowsError(try pca.transform(Matrix(rows: 2, cols: 6))) { XCTAssertTrue("\($0)".contains("7 features"), "\($0)") }
        var state = try pca.learnedState()
        state["components"] = Tensor(shape: [4, 7], data: [Float](repeating: 0, count: 28))
        XCTAssertThrowsError(try back.restore(from: state)) { XCTAssertTrue("\($0)".contains("components"), "\($0)") }
    }

    func testAPipelineOfPCAAndLogisticRegressionSavesAndLoads() throws {
        var rng = Xoshiro256(seed: 2)
        // The two informative columns have the largest variance, so the first components keep them.
        let x = Matrix(rows: 120, cols: 10, data: (0..<1200).map { i in rng.normal() * (i % 10 == 0 || i % 10 == 3 ? 3 : 1) })
        let y = (0..<120).map { x[$0, 0] + 0.5 * x[$0, 3] > 0 ? 1 : 0 }
        var model = Pipeline(name: "pca-logreg", transforms: [try PCA(components: 4)], classifier: try LogisticRegression())
        try model.fit(x, y, classCount: 2)
        XCTAssertGreaterThan(try model.score(x, y), 0.9)
        var loaded = Pipeline(name: "pca-logreg", transforms: [try PCA(components: 4)], classifier: try LogisticRegression())
        try loaded.restore(from: try model.learnedState(), classCount: 2)
        XCTAssertEqual(try loaded.probabilities(x).data, try model.probabilities(x).data)
        var extra = try model.learnedState()
        extra["transform1.mean"] = Tensor(shape: [1], data: [0])
        XCTAssertThrowsError(try loaded.restore(from: extra, classCount: 2)) { XCTAssertTrue("\($0)".contains("transform1.mean"), "\($0)") }
    }
}
