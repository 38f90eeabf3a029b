// IDX loading: round trips from hand-written bytes (plain and gzip) and every kind of damaged file.
import Datasets
import Foundation
import XCTest

final class IDXTests: XCTestCase {
    /// Three 2×3 images with known pixels and labels.
    let pixels: [UInt8] = [0, 51, 102, 153, 204, 255,   10, 20, 30, 40, 50, 60,   255, 255, 0, 0, 128, 1]
    let labels: [UInt8] = [7, 0, 3]

    func testPlainRoundTrip() throws {
        let dir = try temporaryFolder(self)
        try write(idxImages(count: 3, rows: 2, cols: 3, pixels: pixels), to: dir + "/img")
        try write(idxLabels(labels), to: dir + "/lab")
        let d = try loadIDX(images: dir + "/img", labels: dir + "/lab", name: "tiny")
        XCTAssertEqual(d.count, 3)
        XCTAssertEqual(d.imageShape, ImageShape(channels: 1, height: 2, width: 3))
        XCTAssertEqual(d.labels, [7, 0, 3])
        XCTAssertEqual(d.classNames, (0...9).map(String.init))
        XCTAssertEqual(d.features.row(0), [0, 0.2, 0.4, 0.6, 0.8, 1])
        XCTAssertEqual(d.features.data, pixels.map { Float($0) / 255 })
    }

    func testGzipRoundTripIsRecognisedByMagicNotName() throws {
        let dir = try temporaryFolder(self)
        let gz = gzipCompressed(idxImages(count: 3, rows: 2, cols: 3, pixels: pixels))
        XCTAssertEqual(Array(gz.prefix(2)), [0x1f, 0x8b])
        try write(gz, to: dir + "/images.bin")            // gzip without .gz
        try write(gzipCompressed(idxLabels(labels)), to: dir + "/labels.gz")
        let d = try loadIDX(images: dir + "/images.bin", labels: dir + "/labels.gz", name: "tiny",
                            classNames: (0..<8).map { "c\($0)" })
        XCTAssertEqual(d.features.data, pixels.map { Float($0) / 255 })
        XCTAssertEqual(d.classNames.count, 8)
        XCTAssertEqual(d.classNames[7], "c7")
    }

    func testGunzipRoundTripAndCap() throws {
        let data = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 13) }
        XCTAssertEqual(try gunzip(gzipCompressed(data), maximumSize: data.count), data)
        let message = errorMessage(try gunzip(gzipCompressed(data), maximumSize: data.count - 1, path: "x.gz"))
        XCTAssertTrue(message.contains("x.gz") && message.contains("more than the 99999 bytes"), message)
    }

    func testTruncatedPlainFileNamesBothByteCounts() throws {
        let dir = try temporaryFolder(self)
        let full = idxImages(count: 3, rows: 2, cols: 3, pixels: pixels)
        try write(Array(full.prefix(full.count - 5)), to: dir + "/train-images-idx3-ubyte")
        try write(idxLabels(labels), to: dir + "/lab")
        let message = errorMessage(try loadIDX(images: dir + "/train-images-idx3-ubyte", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("train-images-idx3-ubyte: header declares 3 images of 2×3 (34 bytes) but the file has 29"), message)
    }

    func testTruncatedGzipThrows() throws {
        let dir = try temporaryFolder(self)
        let gz = gzipCompressed(idxImages(count: 3, rows: 2, cols: 3, pixels: pixels))
        try write(Array(gz.prefix(gz.count - 10)), to: dir + "/img.gz")
        try write(idxLabels(labels), to: dir + "/lab")
        let message = errorMessage(try loadIDX(images: dir + "/img.gz", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("img.gz") && message.contains("truncated"), message)
    }

    func testGzipWithTooFewImagesNamesInflatedCount() throws {
        let dir = try temporaryFolder(self)
        // The header says 3 images, the data hold 2.
        try write(gzipCompressed(idxImages(count: 3, rows: 2, cols: 3, pixels: Array(pixels.prefix(12)))), to: dir + "/img.gz")
        try write(idxLabels(labels), to: dir + "/lab")
        let message = errorMessage(try loadIDX(images: dir + "/img.gz", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("header declares 3 images of 2×3 (34 bytes) but the file has 28 once inflated"), message)
    }

    func testWrongMagicAndUnsupportedType() throws {
        let dir = try temporaryFolder(self)
        try write(idxLabels(labels), to: dir + "/lab")
        // Labels passed as images: one dimension instead of three.
        var message = errorMessage(try loadIDX(images: dir + "/lab", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("0x00000801") && message.contains("1 dimensions"), message)
        // Not IDX at all.
        try write(Array("P5\n2 2\n255\n....".utf8), to: dir + "/pgm")
        message = errorMessage(try loadIDX(images: dir + "/pgm", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("pgm: the magic number is 0x50350A32"), message)
        // 32-bit float IDX.
        try write(be32(0x0000_0D03) + be32(1) + be32(1) + be32(1) + [0, 0, 0, 0], to: dir + "/float")
        message = errorMessage(try loadIDX(images: dir + "/float", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("32-bit float") && message.contains("only unsigned-byte"), message)
    }

    func testCountMismatchNamesBothFiles() throws {
        let dir = try temporaryFolder(self)
        try write(idxImages(count: 3, rows: 2, cols: 3, pixels: pixels), to: dir + "/img")
        try write(idxLabels([1, 2]), to: dir + "/lab")
        let message = errorMessage(try loadIDX(images: dir + "/img", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("lab: holds 2 labels but img holds 3 images"), message)
    }

    func testHugeDeclaredDimensionsThrowAtOnce() throws {
        let dir = try temporaryFolder(self)
        // A label header with a matching count (the labels themselves are never reached): the
        // image sizes are checked after the counts are compared.
        try write(be32(0x0000_0801) + be32(100_000), to: dir + "/lab")
        // 100,000 × 100,000 images of 28×28: 7.84 TB declared, 16 bytes present.
        let header = be32(0x0000_0803) + be32(100_000) + be32(100_000) + be32(28)
        try write(header, to: dir + "/huge")
        try write(gzipCompressed(header + [UInt8](repeating: 0, count: 1000)), to: dir + "/huge.gz")
        let start = Date()
        var message = errorMessage(try loadIDX(images: dir + "/huge", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("header declares 100000 images of 100000×28 (280000000016 bytes) but the file has 16"), message)
        message = errorMessage(try loadIDX(images: dir + "/huge.gz", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("(280000000016 bytes) but its") && message.contains("compressed bytes can hold at most"), message)
        // Dimensions whose product overflows.
        try write(be32(0x0000_0803) + be32(0xFFFF_FFFF) + be32(0xFFFF_FFFF) + be32(0xFFFF_FFFF), to: dir + "/overflow")
        message = errorMessage(try loadIDX(images: dir + "/overflow", labels: dir + "/lab", name: "t"))
        XCTAssertTrue(message.contains("far too large"), message)
        // Dimensions whose product is exactly Int.max (7² · 73 · 127 · 337 · 92737 · 649657): only
        // adding the 16-byte header overflows.
        let atIntMax = be32(0x0000_0803) + be32(454_279) + be32(31_252_369) + be32(649_657)
        for bytes in [atIntMax, gzipCompressed(atIntMax)] {
            message = errorMessage(try decodeIDX(bytes, rank: 3, path: "max.idx"))
            XCTAssertTrue(message.contains("max.idx: the header declares 454279 images of 31252369×649657, which is far too large"), message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.0)
    }

    func testMissingFileAndFolderLayout() throws {
        let dir = try temporaryFolder(self)
        XCTAssertTrue(errorMessage(try loadIDX(images: dir + "/nope", labels: dir + "/nope", name: "t")).contains("no such file"))
        try write(gzipCompressed(idxImages(count: 3, rows: 2, cols: 3, pixels: pixels)), to: dir + "/train-images-idx3-ubyte.gz")
        try write(gzipCompressed(idxLabels(labels)), to: dir + "/train-labels-idx1-ubyte.gz")
        try write(idxImages(count: 1, rows: 2, cols: 3, pixels: Array(pixels.prefix(6))), to: dir + "/t10k-images.idx3-ubyte")
        XCTAssertTrue(errorMessage(try loadIDXFolder(dir)).contains("has no t10k-labels-idx1-ubyte[.gz]"))
        try write(idxLabels([5]), to: dir + "/t10k-labels-idx1-ubyte")
        let (train, test) = try loadIDXFolder(dir)
        XCTAssertEqual(train.count, 3)
        XCTAssertEqual(test.labels, [5])
        XCTAssertEqual(test.features.data, train.features.row(0))
    }
}
