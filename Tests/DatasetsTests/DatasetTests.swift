import XCTest
import Datasets
import Tensors

final class DatasetTests: XCTestCase {
    func testInconsistentPartsThrow() {
        let x = Matrix(rows: 3, cols: 4)
        XCTAssertThrowsError(try Dataset(name: "t", features: x, labels: [0, 1], classNames: ["a", "b"]))
        XCTAssertThrowsError(try Dataset(name: "t", features: x, labels: [0, 1, 2], classNames: ["a", "b"]))
        XCTAssertThrowsError(try Dataset(name: "t", features: x, labels: [0, 1, 1], classNames: ["a", "b"],
                                         imageShape: ImageShape(channels: 1, height: 3, width: 3)))
    }

    func testSubsetAndImagesView() throws {
        let x = Matrix(rows: 3, cols: 4, data: (0..<12).map(Float.init))
        let d = try Dataset(name: "t", features: x, labels: [0, 1, 1], classNames: ["a", "b"],
                            imageShape: ImageShape(channels: 1, height: 2, width: 2))
        let s = d.subset([2, 0])
        XCTAssertEqual(s.labels, [1, 0])
        XCTAssertEqual(s.features.row(0), [8, 9, 10, 11])
        XCTAssertEqual(d.images.shape, [3, 1, 2, 2])
        XCTAssertEqual(d.classCounts, [1, 2])
    }
}
