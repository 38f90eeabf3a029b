// Truncated, corrupt, oversized and unrecognizable inputs: each throws an ImageFileError whose
// sentence names the file, the process survives, and huge headers fail before any allocation.
import Foundation
import ImageFiles
import XCTest

final class BadInputTests: XCTestCase {
    private let fileName = "digits/3/a.png"

    func testEveryTruncationOfAPNGThrows() throws {
        let bytes = try fixtureBytes("rgb8_interlaced.png")
        for length in 0..<bytes.count {
            let error = imageIOError { try decodePNG(Array(bytes.prefix(length)), name: fileName) }
            guard let error else { XCTFail("prefix of \(length) bytes decoded"); return }
            XCTAssertTrue(error.description.hasPrefix(fileName + ": "), error.description)
        }
        assertThrowsImageFileError(naming: fileName, containing: ["truncated PNG data", "libpng"]) {
            try decodePNG(Array(bytes.dropLast(30)), name: fileName)
        }
    }

    func testEveryTruncationOfAJPEGThrows() throws {
        for fixture in ["rgb_baseline.jpg", "gray_progressive.jpg"] {
            let bytes = try fixtureBytes(fixture)
            for length in 0..<bytes.count {
                let error = imageIOError { try decodeJPEG(Array(bytes.prefix(length)), name: "photo.jpg") }
                guard let error else { XCTFail("\(fixture): prefix of \(length) bytes decoded"); return }
                XCTAssertTrue(error.description.hasPrefix("photo.jpg: "), error.description)
            }
            assertThrowsImageFileError(naming: "photo.jpg", containing: ["truncated JPEG data", "libjpeg"]) {
                try decodeJPEG(Array(bytes.dropLast(bytes.count / 3)), name: "photo.jpg")
            }
        }
    }

    func testTruncatedFileOnDiskNamesThePath() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/cut.png"
        try Data(try fixtureBytes("rgba8.png").dropLast(20)).write(to: URL(fileURLWithPath: path))
        assertThrowsImageFileError(naming: path, containing: ["truncated PNG data"]) { try readImage(atPath: path) }
    }

    func testCorruptPNGChecksumThrows() throws {
        var bytes = try fixtureBytes("rgb8.png")
        bytes[20] ^= 0x01  // inside IHDR: its CRC no longer matches
        assertThrowsImageFileError(naming: fileName, containing: ["corrupt PNG data", "CRC"]) { try decodePNG(bytes, name: fileName) }
        var signature = try fixtureBytes("rgb8.png")
        signature[1] = 0x51
        assertThrowsImageFileError(naming: fileName, containing: ["corrupt PNG data", "signature"]) {
            try decodePNG(signature, name: fileName)
        }
    }

    func testCorruptJPEGThrows() throws {
        let bytes = try fixtureBytes("rgb_baseline.jpg")
        // The frame header (SOF0, FF C0) with an impossible sample precision.
        guard let sof = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) else {
            return XCTFail("no SOF0 marker in the fixture")
        }
        var badPrecision = bytes
        badPrecision[sof + 4] = 3
        assertThrowsImageFileError(naming: "photo.jpg", containing: ["JPEG", "libjpeg"]) {
            try decodeJPEG(badPrecision, name: "photo.jpg")
        }
        // Entropy-coded data with a stray restart marker: libjpeg alone would only warn and fill
        // the rest of the image with gray.
        guard let sos = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA }) else {
            return XCTFail("no SOS marker in the fixture")
        }
        let scanData = sos + 2 + (Int(bytes[sos + 2]) << 8 | Int(bytes[sos + 3]))
        var damaged = bytes
        damaged.replaceSubrange(scanData + 8..<scanData + 10, with: [0xFF, 0xD5])
        assertThrowsImageFileError(naming: "photo.jpg", containing: ["corrupt JPEG data"]) {
            try decodeJPEG(damaged, name: "photo.jpg")
        }
    }

    func testRandomByteDamageNeverCrashes() throws {
        // Flip every byte in turn: each decode either succeeds or throws; none may end the process.
        for fixture in ["palette8_trns.png", "rgb_progressive.jpg"] {
            let bytes = try fixtureBytes(fixture)
            for i in 0..<bytes.count {
                var damaged = bytes
                damaged[i] ^= 0xA5
                _ = try? fixture.hasSuffix(".png") ? decodePNG(damaged) : decodeJPEG(damaged)
            }
        }
    }

    func testHugePNGHeaderThrowsAtOnce() {
        // A valid IHDR declaring 100,000 × 100,000 RGB pixels, then a token IDAT.
        let ihdr = bigEndian32(100_000) + bigEndian32(100_000) + [8, 2, 0, 0, 0]
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr)
            + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + pngChunk("IEND", [])
        let start = Date()
        guard let error = imageIOError({ try decodePNG(bytes, name: "huge.png") }) else { return }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertEqual(error, .tooLarge(name: "huge.png", format: "PNG", width: 100_000, height: 100_000, channels: 3,
                                        limit: ImageLimits.maxPixels))
        XCTAssertTrue(error.description.contains("100000 × 100000"), error.description)
    }

    func testPNGHeaderLargerThanItsFileCanHoldThrowsBeforeAllocating() {
        // 10,000 × 10,000 RGB is within the pixel limit, but its 300 MB of rows cannot deflate
        // into a file of 65 bytes (deflate shrinks at most 1032 : 1): refused from the header.
        let ihdr = bigEndian32(10_000) + bigEndian32(10_000) + [8, 2, 0, 0, 0]
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr)
            + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + pngChunk("IEND", [])
        let start = Date()
        assertThrowsImageFileError(naming: "big.png", containing: ["truncated PNG data", "10000 x 10000",
                                                                 "at least 290707 compressed bytes", "only 65 bytes"]) {
            try decodePNG(bytes, name: "big.png")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.1)
        // The same header with 1-bit gray rows (12.5 MB, at least 12,122 compressed bytes) passes
        // this check and fails later, on the missing data.
        let bitmap = bigEndian32(10_000) + bigEndian32(10_000) + [1, 0, 0, 0, 0]
        let small: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", bitmap)
            + pngChunk("IDAT", [UInt8](repeating: 0, count: 12_200)) + pngChunk("IEND", [])
        guard let error = imageIOError({ try decodePNG(small, name: "bits.png") }) else { return }
        XCTAssertFalse(error.description.contains("compressed bytes"), error.description)
    }

    func testHugeJPEGHeaderThrowsAtOnce() throws {
        var bytes = try fixtureBytes("rgb_progressive.jpg")
        guard let sof = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC2 }) else {
            return XCTFail("no SOF2 marker in the fixture")
        }
        bytes.replaceSubrange(sof + 5..<sof + 9, with: [0xEA, 0x60, 0xEA, 0x60])  // 60,000 × 60,000
        let start = Date()
        guard let error = imageIOError({ try decodeJPEG(bytes, name: "huge.jpg") }) else { return }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.5)
        XCTAssertEqual(error, .tooLarge(name: "huge.jpg", format: "JPEG", width: 60_000, height: 60_000, channels: 3,
                                        limit: ImageLimits.maxPixels))
    }

    func testJPEGSideBeyondLibjpegsLimitIsUnsupported() throws {
        var bytes = try fixtureBytes("rgb_baseline.jpg")
        guard let sof = (0..<bytes.count - 1).first(where: { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 }) else {
            return XCTFail("no SOF0 marker in the fixture")
        }
        bytes.replaceSubrange(sof + 5..<sof + 9, with: [0x00, 0x10, 0xFF, 0xFF])  // 65,535 wide, 16 high
        assertThrowsImageFileError(naming: "wide.jpg", containing: ["unsupported JPEG image", "65500"]) {
            try decodeJPEG(bytes, name: "wide.jpg")
        }
    }

    func testHugePPMHeaderThrowsAtOnce() {
        let bytes = Array("P6\n100000 100000\n255\n".utf8) + [1, 2, 3]
        guard let error = imageIOError({ try decodePNM(bytes, name: "huge.ppm") }) else { return }
        XCTAssertEqual(error, .tooLarge(name: "huge.ppm", format: "PPM", width: 100_000, height: 100_000, channels: 3,
                                        limit: ImageLimits.maxPixels))
    }

    func testPGMHeadersLargerThanTheirFilesThrowAtOnce() {
        // Within the pixel limit (10,000 × 10,000), but the raster cannot fit in the file: binary
        // and ASCII rasters are both measured against the bytes after the header before allocating.
        let start = Date()
        assertThrowsImageFileError(naming: "big.pgm", containing: ["truncated PGM data", "100000000 bytes", "only 3 bytes"]) {
            try decodePNM(Array("P5\n10000 10000\n255\n".utf8) + [1, 2, 3], name: "big.pgm")
        }
        assertThrowsImageFileError(naming: "big.pgm", containing: ["truncated PGM data", "100000000 samples"]) {
            try decodePNM(Array("P2\n10000 10000\n255\n1 2 3\n".utf8), name: "big.pgm")
        }
        assertThrowsImageFileError(naming: "huge.pgm", containing: ["100000 × 100000", "limit of"]) {
            try decodePNM(Array("P2 100000 100000 255\n1 2 3\n".utf8), name: "huge.pgm")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.1)
    }

    func testTheLimitCanBeLowered() throws {
        defer { ImageLimits.resetMaxPixels() }
        ImageLimits.maxPixels = 19  // the fixtures are 5 × 4 = 20 pixels
        assertThrowsImageFileError(naming: fixturePath("rgb8.png"), containing: ["limit of 19 pixels"]) {
            try readImage(atPath: fixturePath("rgb8.png"))
        }
        assertThrowsImageFileError(naming: "a.pgm", containing: ["limit of 19 pixels"]) {
            try decodePNM(Array("P5 5 4 255 ".utf8) + [UInt8](repeating: 0, count: 20), name: "a.pgm")
        }
        ImageLimits.maxPixels = 20
        XCTAssertEqual(try readImage(atPath: fixturePath("rgb8.png")).width, 5)
    }

    func testUnknownFormatThrowsNamingTheFile() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/notes.png"
        try Data("<html>not an image</html>".utf8).write(to: URL(fileURLWithPath: path))
        assertThrowsImageFileError(naming: path, containing: ["not a PNG, JPEG, PPM or PGM file", "3C 68 74 6D"]) {
            try readImage(atPath: path)
        }
        let empty = folder + "/empty.jpg"
        FileManager.default.createFile(atPath: empty, contents: Data())
        assertThrowsImageFileError(naming: empty, containing: ["empty"]) { try readImage(atPath: empty) }
    }

    func testMissingFileThrowsNamingThePath() {
        assertThrowsImageFileError(naming: "no/such/image.png", containing: ["Cannot read", "No such file"]) {
            try readImage(atPath: "no/such/image.png")
        }
    }
}
