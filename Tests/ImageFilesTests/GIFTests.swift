// Animated GIFs through giflib: the header a viewer reads, the looping block, one image per frame,
// and refusals that name the file.
import Foundation
import ImageFiles
import XCTest

final class GIFTests: XCTestCase {
    func testAnimationHasHeaderLoopAndOneImagePerFrame() throws {
        let red = Image(width: 5, height: 3, channels: 3, pixels: [UInt8](repeating: 0, count: 45).enumerated().map { $0.offset % 3 == 0 ? 255 : 0 })
        let gray = Image(width: 3, height: 2, channels: 1, pixels: [UInt8](repeating: 128, count: 6))
        let bytes = try encodeAnimatedGIF([red, gray, red], delayCentiseconds: 25, name: "a.gif")
        XCTAssertEqual(Array(bytes.prefix(6)), Array("GIF89a".utf8))
        // Logical screen: the largest frame, little-endian.
        XCTAssertEqual(Int(bytes[6]) | Int(bytes[7]) << 8, 5)
        XCTAssertEqual(Int(bytes[8]) | Int(bytes[9]) << 8, 3)
        XCTAssertEqual(bytes.last, 0x3B, "the trailer")
        let data = Data(bytes)
        XCTAssertNotNil(data.range(of: Data("NETSCAPE2.0".utf8)))
        // One graphics control block per frame (0x21 0xF9 0x04), each with the 25-centisecond delay.
        var controls = 0, start = data.startIndex
        while let r = data.range(of: Data([0x21, 0xF9, 0x04]), in: start..<data.endIndex) {
            XCTAssertEqual(Int(data[r.upperBound + 1]) | Int(data[r.upperBound + 2]) << 8, 25)
            controls += 1
            start = r.upperBound
        }
        XCTAssertEqual(controls, 3)
        // Written atomically where asked.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gif-\(UUID().uuidString).gif").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try writeAnimatedGIF([red, gray], toPath: path)
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(6)), Array("GIF89a".utf8))
    }

    func testRefusalsNameTheFile() {
        XCTAssertThrowsError(try encodeAnimatedGIF([], name: "none.gif")) { XCTAssertTrue("\($0)".contains("none.gif"), "\($0)") }
        let one = Image(width: 1, height: 1, channels: 3, pixels: [1, 2, 3])
        XCTAssertThrowsError(try encodeAnimatedGIF([one], delayCentiseconds: -1, name: "slow.gif")) { XCTAssertTrue("\($0)".contains("delay"), "\($0)") }
    }
}
