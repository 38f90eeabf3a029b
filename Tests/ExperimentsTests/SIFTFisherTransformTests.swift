// The sift-fv-svm pipeline's transform: its output size, determinism for a seed, its state round
// trip, and the sentences of impossible settings (images smaller than a frame).
import Classifiers
import Datasets
import Experiments
import Tensors
import XCTest

final class SIFTFisherTransformTests: XCTestCase {
    /// 40 gray 20×20 images of bars at several angles and positions, seeded noise on top.
    func bars(_ count: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        var values: [Float] = []
        for i in 0..<count {
            let angle = Float(i % 4) * .pi / 4, shift = Float(i % 5) - 2
            for y in 0..<20 {
                for x in 0..<20 {
                    let d = (Float(x) - 10 - shift) * cos(angle) + (Float(y) - 10) * sin(angle)
                    values.append((abs(d) < 2 ? 0.8 : 0.1) + 0.05 * rng.uniform())
                }
            }
        }
        return Matrix(rows: count, cols: 400, data: values)
    }

    func testShapeDeterminismAndStateRoundTrip() throws {
        let shape = ImageShape(channels: 1, height: 20, width: 20)
        let x = bars(40, seed: 1)
        func make() throws -> SIFTFisherTransform {
            try SIFTFisherTransform(shape: shape, binSizes: [3, 4], step: 2, pcaDimensions: 12, componentCount: 4, sampleCount: 3000, seed: 9)
        }
        var a = try make(), b = try make()
        try a.fit(x)
        try b.fit(x)
        let za = try a.transform(x), zb = try b.transform(x)
        XCTAssertEqual(za.cols, 5 * 2 * 4 * 12, "1×1 + 2×2 regions × 2KD")
        XCTAssertEqual(za, zb, "same seed, same features")
        // Each region's vector is improved-normalized: the 1×1 region has unit norm.
        let first = za.row(0).prefix(2 * 4 * 12)
        XCTAssertEqual(first.reduce(0) { $0 + $1 * $1 }, 1, accuracy: 1e-4)
        let saved = Parallel.threadCount
        Parallel.threadCount = 1
        let single = try a.transform(x)
        Parallel.threadCount = saved
        XCTAssertEqual(single, za, "one thread or several, the same features")
        var c = try make()
        try c.restore(from: try a.learnedState())
        XCTAssertEqual(try c.transform(x), za, "restored state, same features bit for bit")
        var wrong = try SIFTFisherTransform(shape: shape, binSizes: [3, 4], step: 2, pcaDimensions: 12, componentCount: 5, seed: 9)
        XCTAssertThrowsError(try wrong.restore(from: try a.learnedState())) { XCTAssertTrue("\($0)".contains("gmm."), "\($0)") }
        XCTAssertThrowsError(try make().transform(x)) { XCTAssertTrue("\($0)".contains("before fit"), "\($0)") }
    }

    func testImagesSmallerThanAFrameAndBadSettingsAreOneSentence() throws {
        let small = ImageShape(channels: 3, height: 12, width: 12)
        XCTAssertThrowsError(try SIFTFisherTransform(shape: small, binSizes: [4], step: 2, pcaDimensions: 8, componentCount: 2)) { error in
            XCTAssertTrue("\(error)".contains("13×13") && "\(error)".contains("12×12"), "\(error)")
        }
        let shape = ImageShape(channels: 1, height: 28, width: 28)
        XCTAssertThrowsError(try SIFTFisherTransform(shape: shape, binSizes: [4], step: 2, pcaDimensions: 200, componentCount: 2)) {
            XCTAssertTrue("\($0)".contains("pca-dims"), "\($0)")
        }
        XCTAssertThrowsError(try SIFTFisherTransform(shape: shape, binSizes: [], step: 2, pcaDimensions: 8, componentCount: 2)) {
            XCTAssertTrue("\($0)".contains("sift-bins"), "\($0)")
        }
        let entry = try ModelCatalog.entry("sift-fv-svm")
        XCTAssertThrowsError(try entry.settings(given: ["sift-step": .int(0)])) { XCTAssertTrue("\($0)".contains("sift-step"), "\($0)") }
        let defaults = try entry.settings()
        XCTAssertThrowsError(try entry.build(defaults, BuildContext(imageShape: ImageShape(channels: 3, height: 12, width: 12), seed: 0))) {
            XCTAssertTrue("\($0)".contains("16×16") && "\($0)".contains("smaller bin size"), "\($0)")
        }
    }
}
