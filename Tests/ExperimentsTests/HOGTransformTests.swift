// hog-svm's features: the HOG of 4×4-pixel cells, then that of a coarser grid, then the gray pixels
// times their weight, in that order; colour images are averaged to gray first.
import Classifiers
import Datasets
import Descriptors
import Experiments
import Tensors
import XCTest

final class HOGTransformTests: XCTestCase {
    func testFeaturesAreBothScalesThenTheWeightedPixels() throws {
        var rng = Xoshiro256(seed: 4)
        let (h, w) = (28, 28)
        let gray = Matrix(rows: 3, cols: h * w, data: (0..<(3 * h * w)).map { _ in rng.uniform() })
        let fine = try HOG(orientations: 9, pixelsPerCell: HOG.Size(4, 4)), coarse = try HOG(orientations: 9, pixelsPerCell: HOG.Size(7, 7))
        let t = try HOGTransform(hog: fine, coarse: coarse, shape: ImageShape(channels: 1, height: h, width: w), pixelWeight: 0.5)
        let z = try t.transform(gray)
        let a = try fine.features(of: gray, height: h, width: w), b = try coarse.features(of: gray, height: h, width: w)
        XCTAssertEqual(z.cols, a.cols + b.cols + h * w)
        XCTAssertEqual(a.cols, 1296)
        XCTAssertEqual(b.cols, 324)
        for i in 0..<3 {
            for j in 0..<a.cols { XCTAssertEqual(z[i, j], a[i, j]) }
            for j in 0..<b.cols { XCTAssertEqual(z[i, a.cols + j], b[i, j]) }
            for p in 0..<(h * w) { XCTAssertEqual(z[i, a.cols + b.cols + p], 0.5 * gray[i, p]) }
        }
        // Three equal colour channels give the gray image's features.
        var colour = Matrix(rows: 3, cols: 3 * h * w)
        for i in 0..<3 { for k in 0..<3 { for p in 0..<(h * w) { colour[i, k * h * w + p] = gray[i, p] } } }
        let tc = try HOGTransform(hog: fine, coarse: coarse, shape: ImageShape(channels: 3, height: h, width: w), pixelWeight: 0.5)
        let zc = try tc.transform(colour)
        for k in z.data.indices { XCTAssertEqual(zc.data[k], z.data[k], accuracy: 1e-6) }
        // HOG alone without the extras.
        XCTAssertEqual(try HOGTransform(hog: fine, shape: ImageShape(channels: 1, height: h, width: w)).transform(gray).data, a.data)
    }

    func testImpossibleSettingsGiveSentences() throws {
        let fine = try HOG(orientations: 9, pixelsPerCell: HOG.Size(4, 4))
        XCTAssertThrowsError(try HOGTransform(hog: fine, shape: ImageShape(channels: 1, height: 28, width: 28), pixelWeight: -1)) {
            XCTAssertTrue("\($0)".contains("weight of the pixels"), "\($0)")
        }
        let huge = try HOG(orientations: 9, pixelsPerCell: HOG.Size(40, 40))
        XCTAssertThrowsError(try HOGTransform(hog: fine, coarse: huge, shape: ImageShape(channels: 1, height: 28, width: 28)))
    }
}
