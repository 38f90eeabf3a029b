// HOG without a reference: hand-computed descriptors, the feature-count formula, the block norms'
// relations to each other, and the errors for impossible options and images.
import Descriptors
import Foundation
import Tensors
import XCTest

final class HOGPropertyTests: XCTestCase {
    /// Seeded random images with values k/255 (a sparse pattern keeps many flat areas, like digits).
    func randomImages(_ count: Int, _ height: Int, _ width: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        let data = (0..<(count * height * width)).map { _ -> Float in
            rng.int(below: 3) == 0 ? 0 : Float(rng.int(below: 256)) / 255
        }
        return Matrix(rows: count, cols: height * width, data: data)
    }

    func assertClose(_ a: [Float], _ b: [Float], tolerance: Float, _ message: String, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, message, line: line)
        let largest = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(largest, tolerance, "\(message): largest difference \(largest)", line: line)
    }

    // MARK: - Hand-computed values

    /// A vertical step edge in an 8×8 image: g_col = 1 in columns 3 and 4, 0 elsewhere, so every
    /// 4×4 cell holds 4 votes of 1 in bin 0 (0°), 4/16 = 0.25; L1 over the one 2×2 block gives
    /// 0.25 / (1 + ε). The transposed image votes into bin 4 (80°–100°).
    func testStepEdgeVotesIntoTheBinOfItsOrientation() throws {
        var image = [Float](repeating: 0, count: 64)
        for y in 0..<8 { for x in 4..<8 { image[y * 8 + x] = 1 } }
        let transposed = (0..<64).map { image[($0 % 8) * 8 + $0 / 8] }
        let hog = try HOG(orientations: 9, pixelsPerCell: HOG.Size(4, 4), cellsPerBlock: HOG.Size(2, 2), blockNormalization: .l1)
        let expected = Float(0.25 / (1 + HOG.epsilon))
        for (picture, bin) in [(image, 0), (transposed, 4)] {
            let f = try hog.features(of: picture, height: 8, width: 8)
            XCTAssertEqual(f.count, 36)
            for cell in 0..<4 {
                for o in 0..<9 {
                    XCTAssertEqual(f[cell * 9 + o], o == bin ? expected : 0, accuracy: 1e-6, "cell \(cell), bin \(o)")
                }
            }
        }
    }

    /// A flat image has no gradient: every feature is 0 under every normalization (ε keeps 0/0 away).
    func testFlatImageGivesZeros() throws {
        for norm in HOG.BlockNormalization.allCases {
            let f = try HOG(blockNormalization: norm).features(of: [Float](repeating: 0.5, count: 784), height: 28, width: 28)
            XCTAssertEqual(f.count, 1296)
            XCTAssertTrue(f.allSatisfy { $0 == 0 }, "\(norm)")
        }
    }

    /// A gradient a hair below 0° has orientation rad2deg(atan2(−1e−30, 1)) mod 180, which rounds to
    /// 180.0 in double: scikit-image's bins (i·20° ≤ θ < (i+1)·20°) take none of it. A gradient
    /// 0.06° below 0° is at 179.94° and lands in the last bin.
    func testOrientationThatRoundsTo180VotesNowhere() throws {
        let hog = try HOG(orientations: 9, pixelsPerCell: HOG.Size(3, 3), cellsPerBlock: HOG.Size(1, 1), blockNormalization: .l1)
        // Only the centre pixel has a gradient: g_col = 1 − 0, g_row = 0 − t.
        func image(_ t: Float) -> [Float] { [0, t, 0, 0, 0.5, 1, 0, 0, 0] }
        XCTAssertEqual(try hog.features(of: image(1e-30), height: 3, width: 3), [Float](repeating: 0, count: 9))
        let f = try hog.features(of: image(1e-3), height: 3, width: 3)
        let vote = (1 + 1e-6).squareRoot() / 9
        XCTAssertEqual(Double(f[8]), vote / (vote + HOG.epsilon), accuracy: 1e-6)
        XCTAssertEqual(Array(f[0..<8]), [Float](repeating: 0, count: 8))
    }

    // MARK: - Layout

    /// BR·BC·br·bc·n with BR = H/ch − br + 1 and BC = W/cw − bc + 1, for sizes that leave partial cells.
    func testFeatureCountFormula() throws {
        let cases: [(h: Int, w: Int, n: Int, ch: Int, cw: Int, br: Int, bc: Int)] = [
            (28, 28, 9, 4, 4, 2, 2), (28, 28, 9, 8, 8, 3, 3), (13, 22, 6, 3, 5, 2, 3), (9, 7, 1, 9, 7, 1, 1),
            (31, 17, 12, 2, 3, 4, 1), (5, 40, 4, 5, 4, 1, 10),
        ]
        for c in cases {
            let hog = try HOG(orientations: c.n, pixelsPerCell: HOG.Size(c.ch, c.cw), cellsPerBlock: HOG.Size(c.br, c.bc))
            let expected = (c.h / c.ch - c.br + 1) * (c.w / c.cw - c.bc + 1) * c.br * c.bc * c.n
            XCTAssertEqual(try hog.featureCount(height: c.h, width: c.w), expected, "\(c)")
            let images = randomImages(3, c.h, c.w, seed: 5)
            let f = try hog.features(of: images, height: c.h, width: c.w)
            XCTAssertEqual(f.rows, 3)
            XCTAssertEqual(f.cols, expected, "\(c)")
        }
        XCTAssertEqual(try HOG().features(of: Matrix(rows: 0, cols: 784), height: 28, width: 28).cols, 1296)
    }

    /// Pixels of a last partial cell only enter through the gradient of the cell next to them: a
    /// change two columns past the last whole cell changes nothing.
    func testPixelsBeyondTheLastWholeCellAreIgnored() throws {
        let hog = try HOG()
        var image = randomImages(1, 28, 30, seed: 9).data  // 7 whole cells across (28 columns), 2 left over
        let before = try hog.features(of: image, height: 28, width: 30)
        for y in 0..<28 { image[y * 30 + 29] = 1 - image[y * 30 + 29] }  // column 29 is two past column 27
        XCTAssertEqual(try hog.features(of: image, height: 28, width: 30), before)
        for y in 0..<28 { image[y * 30 + 28] = 1 - image[y * 30 + 28] }  // column 28 is in column 27's gradient
        XCTAssertNotEqual(try hog.features(of: image, height: 28, width: 30), before)
    }

    // MARK: - Block normalizations

    /// Every feature is ≥ 0; L1 blocks sum to ≤ 1, L1-sqrt is the root of L1, L2 and L2-Hys blocks
    /// have norm ≤ 1, and L2-Hys is L2 clipped at `clip` and renormalized.
    func testBlockNormalizationsAgreeWithEachOther() throws {
        let images = randomImages(50, 28, 28, seed: 42)
        func features(_ norm: HOG.BlockNormalization, clip: Float = 0.2) throws -> Matrix {
            try HOG(blockNormalization: norm, clip: clip).features(of: images, height: 28, width: 28)
        }
        let (l1, l1Sqrt, l2, hys) = (try features(.l1), try features(.l1Sqrt), try features(.l2), try features(.l2Hys))
        let blockLength = 2 * 2 * 9
        var clippedSomething = false
        for m in [l1, l1Sqrt, l2, hys] { XCTAssertTrue(m.data.allSatisfy { $0 >= 0 && $0.isFinite }) }
        for i in 0..<images.rows {
            for b in 0..<(l1.cols / blockLength) {
                let r = (b * blockLength)..<((b + 1) * blockLength)
                let (v1, v1s, v2, vh) = (Array(l1.row(i)[r]), Array(l1Sqrt.row(i)[r]), Array(l2.row(i)[r]), Array(hys.row(i)[r]))
                XCTAssertLessThanOrEqual(v1.reduce(0, +), 1 + 1e-5)
                assertClose(v1s, v1.map { $0.squareRoot() }, tolerance: 1e-5, "L1-sqrt, image \(i), block \(b)")
                let norm2 = v2.map { $0 * $0 }.reduce(0, +).squareRoot()
                XCTAssertLessThanOrEqual(norm2, 1 + 1e-5)
                XCTAssertLessThanOrEqual(vh.map { $0 * $0 }.reduce(0, +).squareRoot(), 1 + 1e-5)
                // L2-Hys from the L2 block: clip, renormalize (ε² is negligible next to these norms).
                let clipped = v2.map { min($0, 0.2) }
                clippedSomething = clippedSomething || v2.contains { $0 > 0.2 }
                let n = clipped.map { $0 * $0 }.reduce(0, +).squareRoot()
                if n > 1e-3 { assertClose(vh, clipped.map { $0 / n }, tolerance: 1e-5, "L2-Hys, image \(i), block \(b)") }
            }
        }
        XCTAssertTrue(clippedSomething, "no L2 value above 0.2: the L2-Hys check tested nothing")
        // A clip no normalized value reaches makes L2-Hys the same as L2.
        assertClose(try features(.l2Hys, clip: 2).data, l2.data, tolerance: 1e-5, "L2-Hys with clip 2 vs L2")
    }

    /// Scaling the pixels scales the gradients, which every block normalization divides out (up to ε).
    func testFeaturesBarelyDependOnThePixelScale() throws {
        let images = randomImages(5, 28, 28, seed: 3)
        let hog = try HOG()
        let unit = try hog.features(of: images, height: 28, width: 28)
        let bytes = try hog.features(of: images.map { $0 * 255 }, height: 28, width: 28)
        assertClose(unit.data, bytes.data, tolerance: 1e-3, "pixels in [0, 1] vs 0–255")
    }

    // MARK: - Errors

    func assertThrows(naming words: [String], line: UInt = #line, _ body: () throws -> Any) {
        do {
            _ = try body()
            XCTFail("expected a DescriptorError naming \(words)", line: line)
        } catch let error as DescriptorError {
            for w in words { XCTAssertTrue(error.description.contains(w), "\"\(error)\" does not name \(w)", line: line) }
        } catch {
            XCTFail("expected a DescriptorError, got \(error)", line: line)
        }
    }

    func testImpossibleOptionsThrow() throws {
        assertThrows(naming: ["orientations", "0"]) { try HOG(orientations: 0) }
        assertThrows(naming: ["orientations"]) { try HOG(orientations: -3) }
        assertThrows(naming: ["pixelsPerCell", "0×4"]) { try HOG(pixelsPerCell: HOG.Size(0, 4)) }
        assertThrows(naming: ["cellsPerBlock", "2×-1"]) { try HOG(cellsPerBlock: HOG.Size(2, -1)) }
        assertThrows(naming: ["clip"]) { try HOG(clip: 0) }
        assertThrows(naming: ["clip"]) { try HOG(clip: .nan) }
        // A cell or a block bigger than the image.
        assertThrows(naming: ["pixelsPerCell", "cellsPerBlock", "at least 32×4", "28×28"]) {
            try HOG(pixelsPerCell: HOG.Size(32, 4), cellsPerBlock: HOG.Size(1, 1)).featureCount(height: 28, width: 28)
        }
        assertThrows(naming: ["cellsPerBlock", "at least 32×32"]) {
            try HOG(pixelsPerCell: HOG.Size(4, 4), cellsPerBlock: HOG.Size(8, 8)).features(of: [Float](repeating: 0, count: 784), height: 28, width: 28)
        }
        assertThrows(naming: ["0×28"]) { try HOG().featureCount(height: 0, width: 28) }
    }

    func testUnusableImagesThrow() throws {
        let hog = try HOG()
        assertThrows(naming: ["783 values", "784", "height and width"]) {
            try hog.features(of: Matrix(rows: 2, cols: 783), height: 28, width: 28)
        }
        var images = randomImages(300, 28, 28, seed: 1)
        images[250, 30] = .nan
        assertThrows(naming: ["pixel (1, 2) of image 250", "nan"]) { try hog.features(of: images, height: 28, width: 28) }
        images[250, 30] = 0.5
        images[7, 100] = -0.25
        XCTAssertNoThrow(try hog.features(of: images, height: 28, width: 28), "negative pixels are fine without the square root")
        assertThrows(naming: ["pixel (3, 16) of image 7", "transformSqrt"]) {
            try HOG(transformSqrt: true).features(of: images, height: 28, width: 28)
        }
    }
}

final class HOGTensorInputTests: XCTestCase {
    /// N×1×H×W and N×H×W batches give the rows of the matrix path; colour batches are refused.
    func testTensorBatchesMatchTheMatrixPath() throws {
        let hog = try HOG(orientations: 6, pixelsPerCell: HOG.Size(3, 4), cellsPerBlock: HOG.Size(2, 2))
        var rng = Xoshiro256(seed: 11)
        let data = (0..<(4 * 15 * 13)).map { _ in Float(rng.int(below: 256)) / 255 }
        let expected = try hog.features(of: Matrix(rows: 4, cols: 15 * 13, data: data), height: 15, width: 13)
        XCTAssertEqual(try hog.features(of: Tensor(shape: [4, 1, 15, 13], data: data)), expected)
        XCTAssertEqual(try hog.features(of: Tensor(shape: [4, 15, 13], data: data)), expected)
        do {
            _ = try hog.features(of: Tensor(shape: [1, 3, 15, 13], repeating: 0))
            XCTFail("a colour batch was accepted")
        } catch let error as DescriptorError {
            XCTAssertTrue(error.description.contains("[1, 3, 15, 13]"), "\(error)")
        }
    }
}
