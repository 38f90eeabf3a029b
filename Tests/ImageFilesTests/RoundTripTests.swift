// Encode → decode round trips (PNG and PPM/PGM exact) and file writing/reading through
// `writeImage` / `readImage`: format by extension on write, by magic bytes on read.
import Foundation
import ImageFiles
import XCTest

final class RoundTripTests: XCTestCase {
    /// A pseudo-random image (LCG), so every sample value and position matters.
    private func noiseImage(width: Int, height: Int, channels: Int, seed: UInt64) -> Image {
        var state = seed
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for i in pixels.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            pixels[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    func testPNGRoundTripIsExactForEveryChannelCount() throws {
        for channels in 1...4 {
            let original = noiseImage(width: 37, height: 23, channels: channels, seed: UInt64(channels))
            let bytes = try encodePNG(original)
            XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
            XCTAssertEqual(try decodePNG(bytes), original, "\(channels) channels")
        }
    }

    func testPNMRoundTripIsExactForGrayAndRGB() throws {
        for channels in [1, 3] {
            let original = noiseImage(width: 19, height: 11, channels: channels, seed: 7)
            let bytes = encodePNM(original)
            XCTAssertEqual(Array(bytes.prefix(2)), Array((channels == 1 ? "P5" : "P6").utf8))
            XCTAssertEqual(try decodePNM(bytes), original)
        }
    }

    func testPNMConvertsAlphaImages() throws {
        let ga = Image(width: 1, height: 1, channels: 2, pixels: [200, 128])
        XCTAssertEqual(try decodePNM(encodePNM(ga)).pixels, [100])  // 200 × 128 / 255 = 100.4
        let rgba = Image(width: 1, height: 1, channels: 4, pixels: [10, 20, 30, 255])
        XCTAssertEqual(try decodePNM(encodePNM(rgba)).pixels, [10, 20, 30])
    }

    func testWriteImageChoosesFormatByExtensionAndReadImageBySignature() throws {
        let folder = try makeTemporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rgba = noiseImage(width: 8, height: 6, channels: 4, seed: 3)

        try writeImage(rgba, toPath: folder + "/nested/a.PNG")
        XCTAssertEqual(try readImage(atPath: folder + "/nested/a.PNG"), rgba)

        try writeImage(rgba, toPath: folder + "/a.ppm")
        let ppm = try readImage(atPath: folder + "/a.ppm")
        XCTAssertEqual(ppm, rgba.converted(toChannels: 3))
        XCTAssertEqual(Array(try fileBytes(folder + "/a.ppm").prefix(2)), Array("P6".utf8))

        try writeImage(rgba, toPath: folder + "/a.pgm")
        XCTAssertEqual(try readImage(atPath: folder + "/a.pgm"), rgba.converted(toChannels: 1))

        let smooth = smoothImage(width: 32, height: 32, channels: 3)
        try writeImage(smooth, toPath: folder + "/a.jpeg", jpegQuality: 95)
        let jpeg = try readImage(atPath: folder + "/a.jpeg")
        XCTAssertLessThan(differences(smooth, jpeg).mean, 3)

        // The signature decides, not the extension: PNG bytes under a .jpg name read as PNG.
        try FileManager.default.copyItem(atPath: folder + "/nested/a.PNG", toPath: folder + "/lies.jpg")
        XCTAssertEqual(try readImage(atPath: folder + "/lies.jpg"), rgba)

        // Atomic writes leave no temporary files behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
        XCTAssertEqual(leftovers, [])
    }

    func testUnknownExtensionThrows() {
        assertThrowsImageFileError(naming: "out/a.bmp", containing: [".png"]) {
            try writeImage(Image(width: 1, height: 1, channels: 1), toPath: "out/a.bmp")
        }
    }

    private func fileBytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
