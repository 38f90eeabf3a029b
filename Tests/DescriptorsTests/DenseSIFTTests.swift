// Dense SIFT against VLFeat 0.9.21's vl_dsift (Fixtures/vlfeat.json, written by
// benchmarks/reference/vlfeat_reference.py fixtures), plus shapes, normalization and bad settings.
import Descriptors
import Foundation
import Tensors
import XCTest

/// The dense SIFT part of the committed VLFeat fixture.
struct VLFeatSIFTFixture: Decodable {
    /// Stored as the HOG fixture stores its images: bytes with a scale.
    typealias Image = HOGFixture.Image
    struct Case: Decodable {
        let image: String
        let bin_size: Int
        let step: Int
        let flat: Bool
        let origin: Int
        let frames: Int
        let descriptors: [Float]
    }
    let source: String
    let images: [String: Image]
    let dsift: [Case]

    static func load() throws -> VLFeatSIFTFixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/vlfeat.json")
        return try JSONDecoder().decode(VLFeatSIFTFixture.self, from: Data(contentsOf: path))
    }
}

final class DenseSIFTTests: XCTestCase {
    /// Both sides compute in float32 from the same pixels; the fixture keeps 7 significant digits.
    /// VLFeat's flat window filters through running sums and its square roots are approximations
    /// (two Newton steps), so values differ by up to 2.4e-6 (measured); 1e-5 leaves room and catches any
    /// misplaced bin (those move values by 1e-2 and more).
    let absoluteTolerance: Float = 1e-5

    func testEveryFixtureCaseMatchesVLFeat() throws {
        let fixture = try VLFeatSIFTFixture.load()
        XCTAssertGreaterThanOrEqual(fixture.dsift.count, 9, "the fixture lost cases; rerun vlfeat_reference.py fixtures")
        var worst: Float = 0
        for (index, c) in fixture.dsift.enumerated() {
            let image = try XCTUnwrap(fixture.images[c.image], "case \(index) names a missing image \(c.image)")
            let sift = try DenseSIFT(binSize: c.bin_size, step: c.step, window: c.flat ? .flat : .gaussian, origin: c.origin)
            let label = "case \(index): \(c.image) \(image.height)×\(image.width), \(sift)"
            let layout = try sift.layout(height: image.height, width: image.width)
            XCTAssertEqual(layout.count, c.frames, label)
            let got = try sift.descriptors(of: image.pixels, height: image.height, width: image.width)
            guard got.data.count == c.descriptors.count else { XCTFail("\(label): \(got.data.count) values, VLFeat has \(c.descriptors.count)"); continue }
            var largest: Float = 0, at = 0
            for (i, (g, e)) in zip(got.data, c.descriptors).enumerated() where abs(g - e) > largest { largest = abs(g - e); at = i }
            worst = max(worst, largest)
            XCTAssertLessThanOrEqual(largest, absoluteTolerance,
                                     "\(label): largest difference \(largest) at value \(at) (suite \(got.data[at]), VLFeat \(c.descriptors[at]))")
        }
        print("dense SIFT vs VLFeat vl_dsift: \(fixture.dsift.count) cases, largest absolute difference \(worst)")
    }

    func testShapesAndNormalization() throws {
        let sift = try DenseSIFT(binSize: 4, step: 2)
        // (28 − 1 − 12) / 2 + 1 = 8 frames each way.
        let layout = try sift.layout(height: 28, width: 28)
        XCTAssertEqual([layout.rows, layout.cols], [8, 8])
        XCTAssertEqual(layout.centre(row: 0, col: 1).x, 8)
        var rng = Xoshiro256(seed: 5)
        let image = (0..<(28 * 28)).map { _ in rng.uniform() }
        let d = try sift.descriptors(of: image, height: 28, width: 28)
        XCTAssertEqual([d.rows, d.cols], [64, 128])
        for f in 0..<d.rows {
            let row = d.row(f)
            let norm = row.reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(norm, 1, accuracy: 1e-4, "frame \(f)")
            XCTAssertTrue(row.allSatisfy { $0 >= 0 && $0 <= 0.2 / 0.9 }, "frame \(f): values clamped at 0.2 before the last normalization")
        }
        // A flat image has no gradient: every descriptor is 0.
        let flat = try sift.descriptors(of: [Float](repeating: 0.5, count: 28 * 28), height: 28, width: 28)
        XCTAssertEqual(flat.data.max(), 0)
    }

    /// The batch gives each image what the single-image path gives, whatever the thread count;
    /// smoothing keeps a constant image constant and its mass.
    func testBatchEqualsSingleImagesAtAnyThreadCountAndSmoothing() throws {
        var rng = Xoshiro256(seed: 8)
        let images = Matrix(rows: 40, cols: 24 * 20, data: (0..<(40 * 24 * 20)).map { _ in rng.uniform() })
        let sift = try DenseSIFT(binSize: 3, step: 3, window: .flat)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = try sift.descriptors(of: images, height: 24, width: 20)
        Parallel.threadCount = 2
        let two = try sift.descriptors(of: images, height: 24, width: 20)
        XCTAssertEqual(one, two)
        let f = try sift.layout(height: 24, width: 20).count
        for i in [0, 17, 39] {
            XCTAssertEqual(Array(one.data[(i * f * 128)..<((i + 1) * f * 128)]), try sift.descriptors(of: images.row(i), height: 24, width: 20).data, "image \(i)")
        }
        let constant = Matrix(rows: 1, cols: 100, repeating: 0.3)
        let smooth = try DenseSIFT.smoothed(constant, height: 10, width: 10, sigma: 1)
        XCTAssertTrue(smooth.data.allSatisfy { abs($0 - 0.3) < 1e-6 })
        var spike = Matrix(rows: 1, cols: 121)
        spike[0, 60] = 1
        let spread = try DenseSIFT.smoothed(spike, height: 11, width: 11, sigma: 1)
        XCTAssertEqual(spread.data.reduce(0, +), 1, accuracy: 1e-5)
        XCTAssertLessThan(spread[0, 60], 0.2)
    }

    func testImpossibleSettingsThrowClearSentences() throws {
        XCTAssertThrowsError(try DenseSIFT(binSize: 0)) { XCTAssertTrue("\($0)".contains("binSize"), "\($0)") }
        XCTAssertThrowsError(try DenseSIFT(step: 0)) { XCTAssertTrue("\($0)".contains("step"), "\($0)") }
        XCTAssertThrowsError(try DenseSIFT(windowSize: -1)) { XCTAssertTrue("\($0)".contains("windowSize"), "\($0)") }
        let big = try DenseSIFT(binSize: 10)
        XCTAssertThrowsError(try big.layout(height: 28, width: 28)) { error in
            XCTAssertTrue("\(error)".contains("31×31") && "\(error)".contains("28×28"), "\(error)")
        }
        XCTAssertThrowsError(try DenseSIFT().descriptors(of: [Float](repeating: 0, count: 10), height: 28, width: 28))
        var nan = [Float](repeating: 0, count: 28 * 28)
        nan[3] = .nan
        XCTAssertThrowsError(try DenseSIFT().descriptors(of: nan, height: 28, width: 28)) { XCTAssertTrue("\($0)".contains("not finite"), "\($0)") }
    }
}
