// The generated shapes: the same seed gives the same pixels, the classes differ, the folder mixes
// PNG and JPEG and loads back as a class-per-folder data set, and bad arguments say what is wrong.
import Datasets
import Foundation
import ImageFiles
import Tensors
import XCTest

final class ShapesTests: XCTestCase {
    func testTheSameSeedGivesTheSamePixels() throws {
        let a = try ShapeImages.image(classIndex: 2, seed: 42, side: 32)
        XCTAssertEqual(a, try ShapeImages.image(classIndex: 2, seed: 42, side: 32))
        XCTAssertNotEqual(a, try ShapeImages.image(classIndex: 2, seed: 43, side: 32))
        XCTAssertEqual([a.width, a.height, a.channels], [32, 32, 3])
        let one = try ShapeImages.dataset(perClass: 3, side: 16, seed: 7), two = try ShapeImages.dataset(perClass: 3, side: 16, seed: 7)
        XCTAssertEqual(one.features.data, two.features.data)
        XCTAssertEqual(one.labels, [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3])
        XCTAssertEqual(one.imageShape, ImageShape(channels: 3, height: 16, width: 16))
        XCTAssertNotEqual(one.features.data, try ShapeImages.dataset(perClass: 3, side: 16, seed: 8).features.data)
    }

    func testTheShapeIsBrighterThanItsBackgroundAndHasSmoothEdges() throws {
        for c in 0..<4 {
            let image = try ShapeImages.image(classIndex: c, seed: UInt64(c), side: 64)
            let gray = image.converted(toChannels: 1).pixels.map(Int.init)
            // The shape may lie anywhere: compare the darkest and the brightest pixels.
            let sorted = gray.sorted()
            let dark = sorted.prefix(400).reduce(0, +) / 400, bright = sorted.suffix(200).reduce(0, +) / 200
            XCTAssertGreaterThan(bright - dark, 50, "class \(c)")
            // Anti-aliased edges: some pixels lie between the two levels.
            let between = gray.filter { $0 > dark + 25 && $0 < bright - 25 }.count
            XCTAssertGreaterThan(between, 10, "class \(c)")
        }
    }

    func testEachClassDiffers() throws {
        // Over many images, the mean silhouettes of the classes differ: a cross covers less than a
        // square of the same size, a circle is rounder than a triangle. Measure the covered area.
        let set = try ShapeImages.dataset(perClass: 40, side: 32, seed: 3)
        var area = [Double](repeating: 0, count: 4)
        for i in 0..<set.count {
            let row = Array(set.features.data[(i * set.featureCount)..<((i + 1) * set.featureCount)])
            var gray = [Float](repeating: 0, count: 1024)
            for j in 0..<1024 { gray[j] = (row[j] + row[1024 + j] + row[2048 + j]) / 3 }
            let lo = gray.min()!, hi = gray.max()!
            area[set.labels[i]] += Double(gray.filter { $0 > (lo + hi) / 2 }.count) / 40
        }
        // Areas for a unit circumradius: circle π, square 1.5² = 2.25, cross 2·1.9·0.6 − 0.6² = 1.92, triangle 3√3/4 = 1.30.
        XCTAssertGreaterThan(area[0], area[1] * 1.1, "\(area)")
        XCTAssertGreaterThan(area[1], area[2] * 1.3, "\(area)")
        XCTAssertGreaterThan(area[3], area[2] * 1.2, "\(area)")
        XCTAssertGreaterThan(area[1], area[3] * 1.05, "\(area)")
    }

    func testTheFolderMixesPNGAndJPEGAndLoadsBack() throws {
        let root = try temporaryFolder(self) + "/shapes"
        try ShapeImages.writeFolder(root, perClass: 6, side: 24, seed: 5, jpegEvery: 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: root + "/cross").sorted()
        XCTAssertEqual(files, ["0000.png", "0001.png", "0002.jpg", "0003.png", "0004.png", "0005.jpg"])
        let loaded = try loadImageFolder(root, width: 24, height: 24, channels: 3)
        XCTAssertEqual(loaded.dataset.classNames, ShapeImages.classNames.sorted())
        XCTAssertEqual(loaded.dataset.count, 24)
        // The PNG files hold exactly the generated pixels.
        let png = try readImage(atPath: root + "/square/0001.png")
        XCTAssertEqual(png, try ShapeImages.image(classIndex: 1, seed: ShapeImages.imageSeed(5, classIndex: 1, index: 1), side: 24))
    }

    func testBadArgumentsThrowSentences() throws {
        XCTAssertTrue(errorMessage(try ShapeImages.image(classIndex: 4, seed: 0)).contains("shape class"))
        XCTAssertTrue(errorMessage(try ShapeImages.image(classIndex: 0, seed: 0, side: 4)).contains("between 8 and 1024"))
        XCTAssertTrue(errorMessage(try ShapeImages.dataset(perClass: 0, seed: 0)).contains("at least 1"))
        let folder = try temporaryFolder(self)
        let file = folder + "/file"
        try write("x", to: file)
        XCTAssertTrue(errorMessage(try ShapeImages.writeFolder(file, perClass: 1, seed: 0)).contains("is a file"))
        let message = errorMessage(try ShapeImages.writeFolder(file + "/below", perClass: 1, seed: 0))
        XCTAssertTrue(message.contains("the folder cannot be created (\(file) exists and is not a folder)"), message)
        XCTAssertFalse(message.contains("Error Domain") || message.contains("error 5"), message)
    }
}
