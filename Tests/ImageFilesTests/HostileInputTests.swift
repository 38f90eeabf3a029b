// Inputs a user reported as hostile: EXIF orientations (applied as a viewer shows them, and
// malformed EXIF ignored), a named pipe where an image is expected, non-UTF-8 file names, and a
// pixel limit the message tells a command-line user how to raise.
import Foundation
import ImageFiles
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class HostileInputTests: XCTestCase {
    // MARK: - EXIF orientation

    /// A 3 × 2 grid of 8 × 8 blocks, one gray level each (blocks survive JPEG almost exactly).
    private let grid: [[UInt8]] = [[0, 50, 100], [150, 200, 250]]

    private func image(of grid: [[UInt8]]) -> Image {
        let rows = grid.count, cols = grid[0].count
        var image = Image(width: cols * 8, height: rows * 8, channels: 1)
        for y in 0..<(rows * 8) { for x in 0..<(cols * 8) { image[x, y, 0] = grid[y / 8][x / 8] } }
        return image
    }

    /// Turns a grid 90° clockwise.
    private func clockwise(_ g: [[UInt8]]) -> [[UInt8]] {
        (0..<g[0].count).map { c in (0..<g.count).reversed().map { r in g[r][c] } }
    }

    private func mirrored(_ g: [[UInt8]]) -> [[UInt8]] { g.map { $0.reversed() } }

    /// What a viewer shows for each orientation, from the EXIF specification's table.
    private func shown(_ orientation: Int) -> [[UInt8]] {
        let g = grid
        switch orientation {
        case 2: return mirrored(g)
        case 3: return clockwise(clockwise(g))
        case 4: return mirrored(clockwise(clockwise(g)))           // mirrored top-bottom
        case 5: return clockwise(clockwise(clockwise(mirrored(g))))  // mirrored, then 90° counter-clockwise
        case 6: return clockwise(g)
        case 7: return clockwise(mirrored(g))
        case 8: return clockwise(clockwise(clockwise(g)))
        default: return g
        }
    }

    /// An APP1 Exif segment holding one IFD entry (tag, type, count, value), in either byte order.
    private func exifSegment(tag: UInt16 = 0x0112, type: UInt16 = 3, count: UInt32 = 1, value: UInt16,
                             littleEndian: Bool, ifdOffset: UInt32 = 8) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { littleEndian ? [UInt8(v & 0xFF), UInt8(v >> 8)] : [UInt8(v >> 8), UInt8(v & 0xFF)] }
        func u32(_ v: UInt32) -> [UInt8] {
            littleEndian ? u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) : u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF))
        }
        // Another entry first, so the orientation is not simply the first one.
        let tiff = (littleEndian ? [0x49, 0x49] : [0x4D, 0x4D]) + u16(42) + u32(ifdOffset)
            + u16(2) + u16(0x010F) + u16(2) + u32(4) + [0x41, 0x42, 0x43, 0]
            + u16(tag) + u16(type) + u32(count) + u16(value) + [0, 0] + u32(0)
        let body: [UInt8] = Array("Exif".utf8) + [0, 0] + tiff
        let length = body.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    }

    /// The JPEG bytes with `segment` inserted right after the start-of-image marker.
    private func inserting(_ segment: [UInt8], into jpeg: [UInt8]) -> [UInt8] {
        Array(jpeg.prefix(2)) + segment + jpeg.dropFirst(2)
    }

    /// The gray level at the centre of each 8 × 8 block of `image`.
    private func blocks(_ image: Image) -> [[Int]] {
        (0..<(image.height / 8)).map { r in (0..<(image.width / 8)).map { c in Int(image[c * 8 + 4, r * 8 + 4, 0]) } }
    }

    func testEveryEXIFOrientationIsAppliedInBothByteOrders() throws {
        let jpeg = try encodeJPEG(image(of: grid), quality: 95)
        for orientation in 1...8 {
            for little in [true, false] {
                let bytes = inserting(exifSegment(value: UInt16(orientation), littleEndian: little), into: jpeg)
                let decoded = try decodeJPEG(bytes, name: "o\(orientation).jpg")
                let expected = shown(orientation)
                XCTAssertEqual(decoded.width, expected[0].count * 8, "orientation \(orientation)")
                XCTAssertEqual(decoded.height, expected.count * 8, "orientation \(orientation)")
                let got = blocks(decoded)
                for (r, row) in expected.enumerated() {
                    for (c, level) in row.enumerated() {
                        XCTAssertLessThanOrEqual(abs(got[r][c] - Int(level)), 6,
                                                 "orientation \(orientation) (\(little ? "II" : "MM")): block (\(c), \(r)) is \(got[r][c]), expected \(level)")
                    }
                }
            }
        }
        // Orientation 6 on a colour photo: the stored top-left pixel ends up top-right.
        var rgb = Image(width: 16, height: 8, channels: 3, repeating: 0)
        for y in 0..<8 { for x in 0..<8 { rgb[x, y, 0] = 255 } }  // left half red
        let turned = try decodeJPEG(inserting(exifSegment(value: 6, littleEndian: true), into: try encodeJPEG(rgb, quality: 95)))
        XCTAssertEqual([turned.width, turned.height], [8, 16])
        XCTAssertGreaterThan(turned[4, 4, 0], 200)   // top half red
        XCTAssertLessThan(turned[4, 12, 0], 50)
    }

    func testMalformedEXIFLeavesThePixelsAsStored() throws {
        let jpeg = try encodeJPEG(image(of: grid), quality: 95)
        let stored = try decodeJPEG(jpeg)
        let good = exifSegment(value: 6, littleEndian: true)
        var hostile: [[UInt8]] = [
            exifSegment(value: 9, littleEndian: true),                   // out of range
            exifSegment(value: 0, littleEndian: false),
            exifSegment(type: 4, value: 6, littleEndian: true),          // LONG instead of SHORT
            exifSegment(count: 2, value: 6, littleEndian: true),
            exifSegment(value: 6, littleEndian: true, ifdOffset: 0xFFFF_FFF0),  // IFD far outside
            exifSegment(value: 6, littleEndian: true, ifdOffset: 40),    // IFD past the end
        ]
        var wrongOrder = good
        wrongOrder[10] = 0x58; wrongOrder[11] = 0x58                     // "XX" byte order
        hostile.append(wrongOrder)
        var hugeCount = good
        hugeCount[18] = 0xFF; hugeCount[19] = 0xFF                       // 65,535 entries declared,
        hugeCount[32] = 0x13                                             // none of them the orientation
        hostile.append(hugeCount)
        // Every truncation of the segment before the orientation's value ends (the segment
        // length kept consistent; the last 8 bytes are padding and the next-IFD pointer).
        for cut in 8..<(good.count - 6) {
            var short = Array(good.prefix(cut))
            short[2] = UInt8((cut - 2) >> 8); short[3] = UInt8((cut - 2) & 0xFF)
            hostile.append(short)
        }
        for segment in hostile {
            let decoded = try decodeJPEG(inserting(segment, into: jpeg))
            XCTAssertEqual([decoded.width, decoded.height], [stored.width, stored.height])
            XCTAssertEqual(decoded, stored)
        }
        // A segment length running past the end of the file: libjpeg refuses the file, no crash.
        var overlong = good
        overlong[2] = 0xFF; overlong[3] = 0xFF
        XCTAssertThrowsError(try decodeJPEG(Array(jpeg.prefix(2)) + overlong))
    }

    // MARK: - Files that are not regular files

    func testANamedPipeIsRefusedWithoutBeingOpened() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pipe = folder + "/x.png"
        XCTAssertEqual(mkfifo(pipe, 0o600), 0, String(cString: strerror(errno)))
        XCTAssertEqual(fileKind(atPath: pipe), .special(description: "a named pipe (FIFO)"))
        // Should the reader block on the pipe after all, a writer that opens and closes it lets
        // the open return, so the test fails instead of hanging.
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            if done.wait(timeout: .now() + 5) == .timedOut {
                let writer = open(pipe, O_WRONLY | O_NONBLOCK)
                if writer >= 0 { close(writer) }
            }
        }
        let start = Date()
        assertThrowsImageFileError(naming: pipe, containing: ["Cannot read", "it is a named pipe (FIFO), not a regular file"]) {
            try readImage(atPath: pipe)
        }
        done.signal()
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        assertThrowsImageFileError(naming: folder, containing: ["it is a folder, not a file"]) {
            try readImage(atPath: folder)
        }
        assertThrowsImageFileError(naming: "/dev/null", containing: ["it is a character device, not a regular file"]) {
            try readImage(atPath: "/dev/null")
        }
    }

    // MARK: - File names as bytes

    func testNonUTF8FileNamesAreReadAndShownEscaped() throws {
        XCTAssertEqual(displayName(ofRawPath: Array("café.png".utf8)), "café.png")
        XCTAssertEqual(displayName(ofRawPath: [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x70, 0x6E, 0x67]), "caf\\xe9.png")
        XCTAssertEqual(displayName(ofRawPath: [0x61, 0x0A, 0x62, 0xC3]), "a\\x0ab\\xc3")  // newline, cut sequence
        XCTAssertEqual(displayName(ofRawPath: [0xED, 0xA0, 0x80]), "\\xed\\xa0\\x80")     // a UTF-16 surrogate

        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let raw = Array(folder.utf8) + Array("/caf".utf8) + [0xE9] + Array(".png".utf8)
        let png = try encodePNG(Image(width: 3, height: 2, channels: 1, repeating: 77))
        let descriptor = (raw + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { open($0, O_WRONLY | O_CREAT, 0o600) }
        }
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        XCTAssertEqual(png.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }, png.count)
        close(descriptor)
        let entries = try folderEntries(atRawPath: Array(folder.utf8), name: folder)
        XCTAssertEqual(entries, [Array("caf".utf8) + [0xE9] + Array(".png".utf8)])
        let image = try readImage(atRawPath: raw, name: displayName(ofRawPath: raw))
        XCTAssertEqual(image, Image(width: 3, height: 2, channels: 1, repeating: 77))
        // Damaged, it is named with the escaped bytes.
        let damaged = (raw + [0]).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { open($0, O_WRONLY | O_TRUNC) }
        }
        XCTAssertEqual(write(damaged, "oops", 4), 4)
        close(damaged)
        assertThrowsImageFileError(naming: folder + "/caf\\xe9.png", containing: ["not a PNG, JPEG, PPM or PGM file"]) {
            try readImage(atRawPath: raw, name: displayName(ofRawPath: raw))
        }
    }

    // MARK: - The pixel limit

    func testThePixelLimitMessageNamesTheEnvironmentVariable() throws {
        ImageLimits.resetMaxPixels()
        defer { unsetenv(ImageLimits.environmentVariable); ImageLimits.resetMaxPixels() }
        unsetenv(ImageLimits.environmentVariable)
        // A valid IHDR declaring 10,001 × 10,000 RGB pixels, one more row than the default allows.
        let ihdr = bigEndian32(10_001) + bigEndian32(10_000) + [8, 2, 0, 0, 0]
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + pngChunk("IHDR", ihdr)
            + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + pngChunk("IEND", [])
        guard let error = imageIOError({ try decodePNG(bytes, name: "big.png") }) else { return }
        XCTAssertEqual(error.description, "big.png: the PNG header declares 10001 × 10000 pixels × 3 channels, more than the limit of "
                       + "100000000 pixels; if the image is genuine, set the environment variable CVD_MAX_PIXELS to at least "
                       + "100010000 (e.g. CVD_MAX_PIXELS=100010000).")
        XCTAssertFalse(error.description.contains("ImageLimits"))

        // The variable lowers and raises the limit for every decoder.
        setenv(ImageLimits.environmentVariable, "19", 1)  // the fixtures are 5 × 4 = 20 pixels
        assertThrowsImageFileError(naming: fixturePath("rgb8.png"), containing: ["limit of 19 pixels", "CVD_MAX_PIXELS to at least 20"]) {
            try readImage(atPath: fixturePath("rgb8.png"))
        }
        assertThrowsImageFileError(naming: "a.pgm", containing: ["limit of 19 pixels"]) {
            try decodePNM(Array("P5 5 4 255 ".utf8) + [UInt8](repeating: 0, count: 20), name: "a.pgm")
        }
        setenv(ImageLimits.environmentVariable, "20", 1)
        XCTAssertEqual(try readImage(atPath: fixturePath("rgb8.png")).width, 5)
        XCTAssertEqual(ImageLimits.maxPixels, 20)
        setenv(ImageLimits.environmentVariable, "lots", 1)
        XCTAssertEqual(imageIOError({ try readImage(atPath: fixturePath("rgb8.png")) })?.description,
                       "The environment variable CVD_MAX_PIXELS is \"lots\", which is not a whole number of pixels, e.g. 400000000; fix or unset it.")
    }
}
