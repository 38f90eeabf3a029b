// Image folders: classes from sub-folders, mixed formats resized to one shape, skipped files, errors.
import Datasets
import Foundation
import ImageFiles
import XCTest

final class ImageFolderTests: XCTestCase {
    /// root/cat: a 4×4 gray PNG (value 200) and notes.txt; root/dog: a 2×2 RGB PPM (red) and an
    /// 8×8 JPEG; root/README.md.
    private func makeFolder() throws -> String {
        let root = try temporaryFolder(self)
        try writeImage(Image(width: 4, height: 4, channels: 1, repeating: 200), toPath: root + "/cat/a.png")
        try write("not an image", to: root + "/cat/notes.txt")
        var red = Image(width: 2, height: 2, channels: 3)
        for y in 0..<2 { for x in 0..<2 { red[x, y, 0] = 255 } }
        try writeImage(red, toPath: root + "/dog/b.ppm")
        try writeImage(Image(width: 8, height: 8, channels: 3, repeating: 128), toPath: root + "/dog/c.jpg")
        try write("# readme", to: root + "/README.md")
        return root
    }

    func testClassesShapesAndSkippedFiles() throws {
        let root = try makeFolder()
        let gray = try loadImageFolder(root, width: 3, height: 3, channels: 1)
        XCTAssertEqual(gray.dataset.classNames, ["cat", "dog"])
        XCTAssertEqual(gray.dataset.labels, [0, 1, 1])
        XCTAssertEqual(gray.dataset.imageShape, ImageShape(channels: 1, height: 3, width: 3))
        XCTAssertEqual(gray.skippedCount, 2)
        XCTAssertEqual(gray.skippedFiles, ["README.md", "cat/notes.txt"])
        XCTAssertEqual(gray.dataset.features.row(0), [Float](repeating: 200 / 255, count: 9))
        // Red as gray is the Rec. 601 luma 0.299 · 255 ≈ 76.
        XCTAssertEqual(gray.dataset.features[1, 4], 76 / 255, accuracy: 1e-6)

        let rgb = try loadImageFolder(root, width: 2, height: 2, channels: 3)
        XCTAssertEqual(rgb.dataset.imageShape, ImageShape(channels: 3, height: 2, width: 2))
        XCTAssertEqual(rgb.dataset.features.row(1), [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0])  // planar red
        XCTAssertEqual(rgb.dataset.features.row(0), [Float](repeating: 200 / 255, count: 12))
    }

    func testEmptyClassMissingFolderAndCorruptImage() throws {
        let root = try makeFolder()
        try FileManager.default.createDirectory(atPath: root + "/empty", withIntermediateDirectories: true)
        try write("x", to: root + "/empty/list.txt")
        XCTAssertTrue(errorMessage(try loadImageFolder(root, width: 2, height: 2)).contains("the class folder \"empty\" holds no"))
        try FileManager.default.removeItem(atPath: root + "/empty")

        XCTAssertTrue(errorMessage(try loadImageFolder(root + "/missing", width: 2, height: 2)).contains("missing: no such folder"))

        try write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3], to: root + "/dog/broken.png")
        let message = errorMessage(try loadImageFolder(root, width: 2, height: 2))
        XCTAssertTrue(message.contains("broken.png"), message)
    }

    func testResolverSplitsAnImageFolder() throws {
        let root = try makeFolder()
        for i in 0..<4 {
            try writeImage(Image(width: 4, height: 4, channels: 1, repeating: UInt8(i)), toPath: root + "/cat/extra\(i).pgm")
        }
        let loaded = try loadDataset(spec: root, options: DataLoadOptions(testFraction: 0.25, seed: 0, imageWidth: 5, imageHeight: 5))
        XCTAssertEqual(loaded.train.count + loaded.test.count, 7)
        XCTAssertEqual(loaded.test.count, 2)
        XCTAssertEqual(loaded.test.imageShape, ImageShape(channels: 1, height: 5, width: 5))
        XCTAssertEqual(loaded.skippedFiles.count, 2)
    }
}
