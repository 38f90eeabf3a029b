// GMM posteriors, Fisher vectors and VLAD against VLFeat 0.9.21 (the encoding part of
// DescriptorsTests/Fixtures/vlfeat.json, written by benchmarks/reference/vlfeat_reference.py fixtures),
// plus EM's determinism and likelihood, and the spatial pyramid's regions.
import BagOfWords
import Foundation
import Tensors
import XCTest

struct VLFeatEncodingFixture: Decodable {
    struct Mixture: Decodable {
        let means: [Float]
        let covariances: [Float]
        let priors: [Float]
        let clusters: Int
        let dimension: Int
    }
    struct Set: Decodable {
        let data: [Float]
        let count: Int
        let posteriors: [Float]
        let log_likelihood: Double
        let fisher_plain: [Float]
        let fisher_improved: [Float]
        let assignments: [Float]
        let vlad_unnormalized: [Float]
        let vlad_default: [Float]
        let vlad_sqrt_components: [Float]
        let vlad_soft_default: [Float]
    }
    let gmm: Mixture
    let sets: [String: Set]

    static func load() throws -> VLFeatEncodingFixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../DescriptorsTests/Fixtures/vlfeat.json")
        return try JSONDecoder().decode(VLFeatEncodingFixture.self, from: Data(contentsOf: path))
    }

    func mixture() throws -> GaussianMixtureModel {
        try GaussianMixtureModel(priors: gmm.priors, means: Matrix(rows: gmm.clusters, cols: gmm.dimension, data: gmm.means),
                                 variances: Matrix(rows: gmm.clusters, cols: gmm.dimension, data: gmm.covariances))
    }
}

/// Largest |a − b| / max(|b|, floor) and where; fails when above `tolerance`.
private func compare(_ got: [Float], _ want: [Float], relative tolerance: Float, floor: Float, _ label: String) -> Float {
    guard got.count == want.count else { XCTFail("\(label): \(got.count) values, VLFeat has \(want.count)"); return .infinity }
    var worst: Float = 0, at = 0
    for i in got.indices {
        let e = abs(got[i] - want[i]) / max(abs(want[i]), floor)
        if e > worst { worst = e; at = i }
    }
    XCTAssertLessThanOrEqual(worst, tolerance, "\(label): largest relative difference \(worst) at \(at) (suite \(got[at]), VLFeat \(want[at]))")
    return worst
}

final class FisherVectorTests: XCTestCase {
    /// Both compute in float32; the suite's posteriors go through one matrix product of [x², x]
    /// (cancellation of a few ulps of Σx²/σ²), VLFeat's through per-dimension differences.
    /// Relative to max(|value|, 1e-3): 1e-4 for posteriors and encodings.
    let tolerance: Float = 1e-4

    func testPosteriorsAndLogLikelihoodMatchVLFeat() throws {
        let fixture = try VLFeatEncodingFixture.load()
        let gmm = try fixture.mixture()
        var worst: Float = 0
        for (name, set) in fixture.sets.sorted(by: { $0.key < $1.key }) {
            let x = Matrix(rows: set.count, cols: gmm.dimension, data: set.data)
            let (q, ll) = try gmm.posteriors(x)
            worst = max(worst, compare(q.data, set.posteriors, relative: tolerance, floor: 1e-3, "posteriors of set \(name)"))
            XCTAssertEqual(ll, set.log_likelihood, accuracy: 1e-4 * abs(set.log_likelihood), "log-likelihood of set \(name)")
        }
        print("GMM posteriors vs VLFeat: largest relative difference \(worst)")
    }

    func testFisherVectorsMatchVLFeat() throws {
        let fixture = try VLFeatEncodingFixture.load()
        let gmm = try fixture.mixture()
        var worst: Float = 0
        for (name, set) in fixture.sets.sorted(by: { $0.key < $1.key }) {
            let x = Matrix(rows: set.count, cols: gmm.dimension, data: set.data)
            let plain = try FisherVector(mixture: gmm, improved: false).encode(x)
            let improved = try FisherVector(mixture: gmm, improved: true).encode(x)
            worst = max(worst, compare(plain, set.fisher_plain, relative: tolerance, floor: 1e-3, "plain Fisher vector of set \(name)"))
            worst = max(worst, compare(improved, set.fisher_improved, relative: tolerance, floor: 1e-3, "improved Fisher vector of set \(name)"))
            XCTAssertEqual(improved.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-5)
        }
        print("Fisher vectors vs VLFeat vl_fisher_encode: largest relative difference \(worst)")
    }

    func testVLADMatchesVLFeat() throws {
        let fixture = try VLFeatEncodingFixture.load()
        let gmm = try fixture.mixture()
        var worst: Float = 0
        for (name, set) in fixture.sets.sorted(by: { $0.key < $1.key }) {
            let x = Matrix(rows: set.count, cols: gmm.dimension, data: set.data)
            let hard = Matrix(rows: set.count, cols: gmm.componentCount, data: set.assignments)
            XCTAssertEqual(try VLAD(centres: gmm.means).hardAssignments(x), hard, "nearest centres of set \(name)")
            let soft = try gmm.posteriors(x).posteriors
            for (normalization, want, label) in [(VLAD.Normalization(), set.vlad_unnormalized, "unnormalized"),
                                                 ([.global], set.vlad_default, "default"),
                                                 ([.squareRoot, .components, .global], set.vlad_sqrt_components, "√ + components")] {
                let got = try VLAD(centres: gmm.means, normalization: normalization).encode(x, assignments: hard)
                worst = max(worst, compare(got, want, relative: tolerance, floor: 1e-3, "VLAD \(label) of set \(name)"))
            }
            let got = try VLAD(centres: gmm.means).encode(x, assignments: soft)
            worst = max(worst, compare(got, set.vlad_soft_default, relative: tolerance, floor: 1e-3, "soft VLAD of set \(name)"))
        }
        print("VLAD vs VLFeat vl_vlad_encode: largest relative difference \(worst)")
    }

    func testEMIsDeterministicAndRaisesTheLikelihood() throws {
        var rng = Xoshiro256(seed: 11)
        // Three well-separated blobs in 3-D with different spreads.
        var rows: [[Float]] = []
        for i in 0..<600 {
            let c = Float(i % 3) * 6, s: Float = [0.5, 1, 2][i % 3]
            rows.append([c + s * rng.normal(), -c + s * rng.normal(), s * rng.normal()])
        }
        let x = Matrix(rows)
        let em = try GaussianMixture(componentCount: 3, seed: 4)
        let (a, history) = try em.fit(x)
        let (b, _) = try em.fit(x)
        XCTAssertEqual(a, b, "same seed, same mixture")
        for (before, after) in zip(history, history.dropFirst()) { XCTAssertGreaterThanOrEqual(after, before - 1e-6 * abs(before)) }
        let spreads = (0..<3).map { j in a.variances[j, 0] }.sorted()
        XCTAssertEqual(spreads[0], 0.25, accuracy: 0.1)
        XCTAssertEqual(spreads[2], 4, accuracy: 1)
        XCTAssertEqual(a.priors.reduce(0, +), 1, accuracy: 1e-5)
        // The variance floor holds on a degenerate dimension.
        let flat = Matrix(rows.map { [$0[0], 1] })
        let (c, _) = try GaussianMixture(componentCount: 2, varianceFloor: 1e-3).fit(flat)
        XCTAssertTrue((0..<2).allSatisfy { c.variances[$0, 1] > 0 })
    }

    func testBadSettingsThrowClearSentences() throws {
        XCTAssertThrowsError(try GaussianMixture(componentCount: 0)) { XCTAssertTrue("\($0)".contains("componentCount"), "\($0)") }
        XCTAssertThrowsError(try GaussianMixture(componentCount: 2, varianceFloor: 0)) { XCTAssertTrue("\($0)".contains("varianceFloor"), "\($0)") }
        XCTAssertThrowsError(try GaussianMixture(componentCount: 5).fit(Matrix(rows: 3, cols: 2))) { XCTAssertTrue("\($0)".contains("at least 5 points"), "\($0)") }
        XCTAssertThrowsError(try GaussianMixtureModel(priors: [1], means: Matrix(rows: 1, cols: 2), variances: Matrix(rows: 1, cols: 2))) {
            XCTAssertTrue("\($0)".contains("variance"), "\($0)")
        }
        XCTAssertThrowsError(try SpatialPyramid(levels: [0])) { XCTAssertTrue("\($0)".contains("levels"), "\($0)") }
    }

    func testPyramidRegions() throws {
        let pyramid = try SpatialPyramid(levels: [1, 2])
        XCTAssertEqual(pyramid.regionCount, 5)
        let regions = pyramid.regions(centres: [(y: 2, x: 3), (y: 20, x: 3), (y: 2, x: 20), (y: 14, x: 14)], height: 28, width: 28)
        XCTAssertEqual(regions, [[0, 1, 2, 3], [0], [2], [1], [3]])
    }
}
