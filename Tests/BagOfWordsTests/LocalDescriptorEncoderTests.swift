// The encoder shared by every descriptor of the bovw ablation: hard counts per pyramid region by
// hand, VLAD and Fisher regions equal the library's own encoders on the region's descriptors, the
// result does not depend on the thread count, and wrong inputs are sentences.
import BagOfWords
import Classifiers
import Tensors
import XCTest

final class LocalDescriptorEncoderTests: XCTestCase {
    /// Four frames per 8×8 image, one in each quadrant.
    let centres: [(y: Float, x: Float)] = [(2, 2), (2, 6), (6, 2), (6, 6)]

    func encoder(_ encoding: LocalEncoding, words: Int, seed: UInt64 = 3) throws -> LocalDescriptorEncoder {
        try LocalDescriptorEncoder(encoding: encoding, wordCount: words, iterations: 10, pyramidLevels: [1, 2],
                                   centres: centres, height: 8, width: 8, seed: seed)
    }

    /// Seeded descriptors of `images` images × 4 frames × `d` values around two clusters.
    func descriptors(images: Int, d: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        var m = Matrix(rows: images * 4, cols: d)
        for i in 0..<m.rows { for j in 0..<d { m[i, j] = (i % 3 == 0 ? 5 : 0) + rng.uniform() } }
        return m
    }

    func testHardCountsEveryRegionAndTakesTheSquareRoot() throws {
        var e = try encoder(.hard, words: 2)
        try e.restore(codebook: Matrix(rows: 2, cols: 1, data: [0, 10]), mixture: nil)
        // One image: frames 0, 1, 2 near word 0, frame 3 near word 1.
        let z = try e.encode(Matrix(rows: 4, cols: 1, data: [1, -1, 2, 9]))
        XCTAssertEqual(z.cols, 5 * 2)
        // 1×1: 3 and 1; then the quadrants, row by row: one frame each.
        XCTAssertEqual(Array(z.data), [Float(3).squareRoot(), 1, 1, 0, 1, 0, 1, 0, 0, 1])
    }

    func testVLADAndFisherRegionsEqualTheLibraryEncoders() throws {
        let x = descriptors(images: 3, d: 5, seed: 7)
        var v = try encoder(.vlad, words: 3)
        try v.fit(descriptors(images: 40, d: 5, seed: 8))
        let codebook = try XCTUnwrap(v.codebook)
        let vlad = try VLAD(centres: codebook, normalization: [.squareRoot, .global])
        var f = try encoder(.fisher, words: 2)
        try f.fit(descriptors(images: 40, d: 5, seed: 8))
        let fisher = FisherVector(mixture: try XCTUnwrap(f.mixture), improved: true)
        let zv = try v.encode(x), zf = try f.encode(x)
        XCTAssertEqual(zv.cols, 5 * 3 * 5)
        XCTAssertEqual(zf.cols, 5 * 2 * 2 * 5)
        for image in 0..<3 {
            let all = x.rows(Array(image * 4..<image * 4 + 4))
            let expected = try vlad.encode(all, assignments: vlad.hardAssignments(all))
            for (a, b) in zip(zv.row(image).prefix(15), expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            // The second quadrant (top right) holds frame 1 alone.
            let one = x.rows([image * 4 + 1])
            let quadrant = try vlad.encode(one, assignments: vlad.hardAssignments(one))
            for (a, b) in zip(zv.row(image).dropFirst(2 * 15).prefix(15), quadrant) { XCTAssertEqual(a, b, accuracy: 1e-5) }
            let expectedFisher = try fisher.encode(all)
            for (a, b) in zip(zf.row(image).prefix(20), expectedFisher) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        }
    }

    func testSameSeedSameCodesOnOneThreadOrTwo() throws {
        let sample = descriptors(images: 50, d: 4, seed: 1), x = descriptors(images: 20, d: 4, seed: 2)
        for encoding in LocalEncoding.allCases {
            var outputs: [Matrix] = []
            for threads in [1, 2] {
                let saved = Parallel.threadCount
                defer { Parallel.threadCount = saved }
                Parallel.threadCount = threads
                var e = try encoder(encoding, words: 3)
                try e.fit(sample)
                outputs.append(try e.encode(x))
            }
            XCTAssertEqual(outputs[0], outputs[1], encoding.rawValue)
            XCTAssertTrue(outputs[0].data.allSatisfy { $0.isFinite }, encoding.rawValue)
            XCTAssertEqual(outputs[0].cols, try encoder(encoding, words: 3).featureCount(dimension: 4), encoding.rawValue)
        }
    }

    func testWrongInputsAreSentences() throws {
        XCTAssertThrowsError(try encoder(.hard, words: 2).encode(Matrix(rows: 4, cols: 1))) { XCTAssertTrue("\($0)".contains("before fit"), "\($0)") }
        var e = try encoder(.triangle, words: 2)
        try e.fit(descriptors(images: 5, d: 3, seed: 1))
        XCTAssertThrowsError(try e.encode(Matrix(rows: 5, cols: 3))) { XCTAssertTrue("\($0)".contains("4 rows of 3"), "\($0)") }
        var many = try encoder(.fisher, words: 50)
        XCTAssertThrowsError(try many.fit(descriptors(images: 5, d: 3, seed: 1))) {
            XCTAssertTrue("\($0)".contains("fewer words"), "\($0)")
        }
        XCTAssertThrowsError(try e.restore(codebook: nil, mixture: nil)) { XCTAssertTrue("\($0)".contains("codebook"), "\($0)") }
        XCTAssertThrowsError(try LocalDescriptorEncoder(encoding: .hard, wordCount: 0, iterations: 1, pyramidLevels: [1], centres: centres, height: 8, width: 8, seed: 0))
    }
}
