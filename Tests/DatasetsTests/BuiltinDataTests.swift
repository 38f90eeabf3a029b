// The embedded MNIST-5k files: counts, shape and pixel statistics measured when they were made.
import Datasets
import Foundation
import XCTest

final class BuiltinDataTests: XCTestCase {
    func testMNIST5kLoadsWithKnownStatistics() throws {
        let d = try loadMNIST5k()
        XCTAssertEqual(d.name, "mnist5k")
        XCTAssertEqual(d.count, 5000)
        XCTAssertEqual(d.classCounts, [Int](repeating: 500, count: 10))
        XCTAssertEqual(d.imageShape, ImageShape(channels: 1, height: 28, width: 28))
        XCTAssertEqual(d.labels.first, 0)
        XCTAssertEqual(d.labels.last, 9)
        // Pixel sum 131,267,102 over 5000 × 784 bytes (see data/README.md).
        let bytes = d.features.data.map { Int(($0 * 255).rounded()) }
        XCTAssertEqual(bytes.reduce(0, +), 131_267_102)
        XCTAssertEqual(bytes.prefix(784).reduce(0, +), 31_095)
        let mean = d.features.data.reduce(0.0) { $0 + Double($1) } / Double(d.features.count)
        XCTAssertEqual(mean, 0.1313196, accuracy: 1e-6)
        XCTAssertEqual(d.features.data.max(), 1)
    }

    func testMNIST5kThroughTheResolver() throws {
        let loaded = try loadDataset(spec: "mnist5k", options: DataLoadOptions(testFraction: 0.2, seed: 1))
        XCTAssertEqual(loaded.train.count, 4000)
        XCTAssertEqual(loaded.test.classCounts, [Int](repeating: 100, count: 10))
        XCTAssertTrue(errorMessage(try loadDataset(spec: "no-such-data")).contains("neither a known data set"))
    }

    func testFashionMNISTWhenInstalled() throws {
        guard FileManager.default.fileExists(atPath: fashionMNISTSystemFolder + "/t10k-images-idx3-ubyte.gz") else {
            XCTAssertTrue(errorMessage(try loadFashionMNIST()).contains("Fashion-MNIST is not installed: run `make data-fashion`"))
            return
        }
        let (train, test) = try loadFashionMNIST()
        XCTAssertEqual(train.count, 60000)
        XCTAssertEqual(test.count, 10000)
        XCTAssertEqual(test.classNames[9], "Ankle boot")
        XCTAssertEqual(test.classCounts, [Int](repeating: 1000, count: 10))
        XCTAssertTrue(errorMessage(try loadFashionMNIST(folder: "/nonexistent")).contains("not installed"))
    }
}
