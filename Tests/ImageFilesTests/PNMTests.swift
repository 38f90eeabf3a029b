// PPM/PGM parsing: binary and ASCII variants, comments, maxval scaling (16-bit included), and the
// size check of the header against the file's length.
import ImageFiles
import XCTest

final class PNMTests: XCTestCase {
    func testBinaryPGMWithComments() throws {
        let bytes = Array("P5\n# made by hand\n3 # width\n2\n# maxval next\n255\n".utf8) + [0, 1, 2, 253, 254, 255]
        let image = try decodePNM(bytes)
        XCTAssertEqual([image.width, image.height, image.channels], [3, 2, 1])
        XCTAssertEqual(image.pixels, [0, 1, 2, 253, 254, 255])
    }

    func testBinaryPPMWithSmallMaxvalScales() throws {
        // maxval 15: 15 → 255, 8 → round(8 · 255 / 15) = 136, 1 → 17.
        let bytes = Array("P6 1 2 15\n".utf8) + [15, 8, 1, 0, 15, 7]
        XCTAssertEqual(try decodePNM(bytes).pixels, [255, 136, 17, 0, 255, 119])
    }

    func testSixteenBitSamplesAreBigEndianAndScaled() throws {
        // 65535 → 255, 257 → 1, 32896 → 128 (32896 / 257 = 128), 384 → round(1.494) = 1.
        let bytes = Array("P5 4 1 65535\n".utf8) + [0xFF, 0xFF, 0x01, 0x01, 0x80, 0x80, 0x01, 0x80]
        XCTAssertEqual(try decodePNM(bytes).pixels, [255, 1, 128, 1])
        // maxval 1000 also takes two bytes per sample: 500 → round(127.5) = 128.
        let thousand = Array("P5 2 1 1000\n".utf8) + [0x01, 0xF4, 0x03, 0xE8]
        XCTAssertEqual(try decodePNM(thousand).pixels, [128, 255])
    }

    func testASCIIVariants() throws {
        let pgm = try decodePNM(Array("P2\n# ascii\n2 2\n10\n0 5\n10 # comment\n 3\n".utf8))
        XCTAssertEqual(pgm.pixels, [0, 128, 255, 77])
        let ppm = try decodePNM(Array("P3 1 1 255 1 2 3".utf8))
        XCTAssertEqual(ppm.channels, 3)
        XCTAssertEqual(ppm.pixels, [1, 2, 3])
    }

    func testHeaderSizeIsCheckedAgainstTheFileLength() {
        let bytes = Array("P6\n64 64\n255\n".utf8) + [UInt8](repeating: 9, count: 100)
        assertThrowsImageFileError(naming: "cut.ppm", containing: ["truncated PPM data", "12288 bytes", "only 100 bytes"]) {
            try decodePNM(bytes, name: "cut.ppm")
        }
        assertThrowsImageFileError(naming: "cut.pgm", containing: ["truncated PGM data", "200 samples"]) {
            try decodePNM(Array("P2 10 20 255 1 2 3".utf8), name: "cut.pgm")
        }
        assertThrowsImageFileError(naming: "head.pgm", containing: ["truncated PGM data", "height"]) {
            try decodePNM(Array("P5 10".utf8), name: "head.pgm")
        }
    }

    func testMalformedHeadersAndSamplesThrow() {
        assertThrowsImageFileError(naming: "a.pgm", containing: ["corrupt PGM data", "maxval 0"]) {
            try decodePNM(Array("P5 1 1 0 \u{0}".utf8), name: "a.pgm")
        }
        assertThrowsImageFileError(naming: "a.pgm", containing: ["corrupt PGM data", "not a digit"]) {
            try decodePNM(Array("P5 1x 1 255 \u{0}".utf8), name: "a.pgm")
        }
        assertThrowsImageFileError(naming: "a.pgm", containing: ["above maxval 10"]) {
            try decodePNM(Array("P2 2 1 10 3 11".utf8), name: "a.pgm")
        }
        assertThrowsImageFileError(naming: "a.pbm", containing: ["unsupported PBM"]) {
            try decodePNM(Array("P4 8 1\n\u{0}".utf8), name: "a.pbm")
        }
    }
}
