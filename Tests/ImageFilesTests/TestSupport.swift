// Helpers shared by the ImageFiles tests: fixture paths, temporary folders, error capture, CRC-32 for
// hand-built PNG chunks.
import Foundation
import ImageFiles
import XCTest

/// The folder of committed fixture files (written once by Fixtures/make_fixtures.py).
let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

func fixturePath(_ name: String) -> String { fixturesFolder + "/" + name }

func fixtureBytes(_ name: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixturePath(name))))
}

/// A fresh empty folder under the system's temporary folder, removed by the caller's `defer`.
func makeTemporaryFolder() throws -> String {
    let path = NSTemporaryDirectory() + "imageio-tests-\(getpid())-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The `ImageFileError` that `body` throws; fails the test when it returns or throws something else.
func imageIOError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Any) -> ImageFileError? {
    do {
        _ = try body()
        XCTFail("expected an ImageFileError, but the call succeeded", file: file, line: line)
    } catch let error as ImageFileError {
        return error
    } catch {
        XCTFail("expected an ImageFileError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

/// Asserts that `body` throws an `ImageFileError` whose description names `name` and contains `words`.
func assertThrowsImageFileError(naming name: String, containing words: [String], file: StaticString = #filePath,
                              line: UInt = #line, _ body: () throws -> Any) {
    guard let error = imageIOError(file: file, line: line, body) else { return }
    let text = error.description
    XCTAssertTrue(text.hasPrefix(name) || text.contains(" " + name), "error does not name \(name): \(text)", file: file, line: line)
    for word in words {
        XCTAssertTrue(text.contains(word), "error lacks \"\(word)\": \(text)", file: file, line: line)
    }
}

/// The largest absolute difference and the mean absolute difference between two equal-size images.
func differences(_ a: Image, _ b: Image) -> (max: Int, mean: Double) {
    precondition(a.pixels.count == b.pixels.count)
    var largest = 0, total = 0
    for (x, y) in zip(a.pixels, b.pixels) {
        let d = abs(Int(x) - Int(y))
        largest = max(largest, d)
        total += d
    }
    return (largest, a.pixels.isEmpty ? 0 : Double(total) / Double(a.pixels.count))
}

/// CRC-32 (ISO 3309, as PNG uses it) for hand-built chunks.
func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return ~crc
}

func bigEndian32(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
}

/// One PNG chunk: length, type, data, CRC.
func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
    let body = Array(type.utf8) + data
    return bigEndian32(UInt32(data.count)) + body + bigEndian32(crc32(body))
}

/// A smooth, deterministic test image (gradients plus a gentle wave), the kind JPEG keeps well.
func smoothImage(width: Int, height: Int, channels: Int) -> Image {
    var image = Image(width: width, height: height, channels: channels)
    for y in 0..<height {
        for x in 0..<width {
            for c in 0..<channels {
                let value = 128 + 60 * sin(Double(x) / 9 + Double(c)) + 50 * cos(Double(y) / 7 - Double(c))
                image[x, y, c] = UInt8(max(0, min(255, value.rounded())))
            }
        }
    }
    return image
}
