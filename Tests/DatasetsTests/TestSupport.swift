// Helpers of the Datasets tests: a temporary folder per test and IDX bytes written by hand.
import Foundation
import XCTest

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "cvd-datasets-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

func write(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func write(_ text: String, to path: String) throws {
    try write(Array(text.utf8), to: path)
}

/// A big-endian UInt32.
func be32(_ v: UInt32) -> [UInt8] {
    [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
}

/// An IDX image file: magic 0x00000803, then n, rows, cols, then the pixels.
func idxImages(count n: UInt32, rows: UInt32, cols: UInt32, pixels: [UInt8]) -> [UInt8] {
    be32(0x0000_0803) + be32(n) + be32(rows) + be32(cols) + pixels
}

/// An IDX label file: magic 0x00000801, then n, then the labels.
func idxLabels(_ labels: [UInt8]) -> [UInt8] {
    be32(0x0000_0801) + be32(UInt32(labels.count)) + labels
}

/// The message of the error `body` throws, or a failure when it does not throw.
func errorMessage<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line) -> String {
    do {
        _ = try body()
        XCTFail("expected an error", file: file, line: line)
        return ""
    } catch {
        return "\(error)"
    }
}
