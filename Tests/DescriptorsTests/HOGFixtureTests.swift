// HOG against scikit-image: every case of Fixtures/hog_skimage.json (written by
// benchmarks/reference/hog_reference.py fixtures) within an absolute tolerance, largest difference printed.
import Descriptors
import Foundation
import Tensors
import XCTest

/// The committed fixture: images as bytes with a scale, and skimage.feature.hog's features per case.
struct HOGFixture: Decodable {
    struct Image: Decodable {
        let height: Int
        let width: Int
        let scale: Int
        let bytes: [Int]
        /// The pixels the reference saw: float32(k) / float32(scale).
        var pixels: [Float] { bytes.map { Float($0) / Float(scale) } }
    }
    struct Case: Decodable {
        let image: String
        let orientations: Int
        let pixels_per_cell: [Int]
        let cells_per_block: [Int]
        let block_norm: String
        let transform_sqrt: Bool
        let features: [Float]

        func hog() throws -> HOG {
            guard let norm = HOG.BlockNormalization(rawValue: block_norm) else { throw DescriptorError.invalidOption(descriptor: "fixture", name: "block_norm", reason: block_norm) }
            return try HOG(orientations: orientations, pixelsPerCell: HOG.Size(pixels_per_cell[0], pixels_per_cell[1]),
                           cellsPerBlock: HOG.Size(cells_per_block[0], cells_per_block[1]), blockNormalization: norm,
                           transformSqrt: transform_sqrt)
        }
    }
    let source: String
    let images: [String: Image]
    let cases: [Case]

    static func load() throws -> HOGFixture {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/hog_skimage.json")
        return try JSONDecoder().decode(HOGFixture.self, from: Data(contentsOf: path))
    }
}

final class HOGFixtureTests: XCTestCase {
    /// skimage rounds its features to float32 and the fixture keeps 7 significant digits; the
    /// suite sums cells in float32 too, so differences stay near 1e-7.
    let absoluteTolerance: Float = 1e-4

    func testEveryFixtureCaseMatchesScikitImage() throws {
        let fixture = try HOGFixture.load()
        XCTAssertGreaterThanOrEqual(fixture.cases.count, 21, "the fixture lost cases; rerun hog_reference.py fixtures")
        var worst: Float = 0
        for (index, c) in fixture.cases.enumerated() {
            let image = try XCTUnwrap(fixture.images[c.image], "case \(index) names a missing image \(c.image)")
            let hog = try c.hog()
            let label = "case \(index): \(c.image) \(image.height)×\(image.width), \(hog)"
            XCTAssertEqual(try hog.featureCount(height: image.height, width: image.width), c.features.count, label)
            let got = try hog.features(of: image.pixels, height: image.height, width: image.width)
            guard got.count == c.features.count else { XCTFail("\(label): \(got.count) features, skimage has \(c.features.count)"); continue }
            var largest: Float = 0, at = 0
            for (i, (g, e)) in zip(got, c.features).enumerated() where abs(g - e) > largest { largest = abs(g - e); at = i }
            worst = max(worst, largest)
            XCTAssertLessThanOrEqual(largest, absoluteTolerance,
                                     "\(label): largest difference \(largest) at feature \(at) (suite \(got[at]), skimage \(c.features[at]))")
        }
        print("HOG vs scikit-image: \(fixture.cases.count) cases, largest absolute difference \(worst) (\(fixture.source))")
    }

    /// The batch path gives each image exactly what the single-image path gives, whatever the
    /// thread count.
    func testBatchEqualsSingleImagesAtAnyThreadCount() throws {
        let fixture = try HOGFixture.load()
        let square = fixture.images.values.filter { $0.height == 28 && $0.width == 28 }
        XCTAssertFalse(square.isEmpty)
        // The fixture images plus shifted and inverted copies: 200 images, three chunks of work.
        var rows: [[Float]] = []
        for k in 0..<200 {
            let base = square[k % square.count].pixels
            rows.append(k % 2 == 0 ? base.map { 1 - $0 } : Array(base[(k % 28)...] + base[..<(k % 28)]))
        }
        let images = Matrix(rows)
        let hog = try HOG(transformSqrt: true)
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = try hog.features(of: images, height: 28, width: 28)
        Parallel.threadCount = 2
        let two = try hog.features(of: images, height: 28, width: 28)
        XCTAssertEqual(one, two)
        for i in [0, 1, 17, 90, 199] {
            XCTAssertEqual(one.row(i), try hog.features(of: images.row(i), height: 28, width: 28), "image \(i)")
        }
    }
}
