// JPEG decoding of baseline and progressive files (gray and color), the CMYK refusal, and the
// encoder's fidelity and quality parameter.
import ImageFiles
import XCTest

final class JPEGTests: XCTestCase {
    /// Flat 8×8 quadrants survive JPEG almost exactly; 4 levels allow for color-conversion rounding.
    private let tolerance = 4

    private func checkQuadrants(_ name: String, channels: Int, colors: [[Int]]) throws {
        let image = try readImage(atPath: fixturePath(name))
        XCTAssertEqual([image.width, image.height, image.channels], [16, 16, channels], name)
        var largest = 0
        for y in 0..<16 {
            for x in 0..<16 {
                let color = colors[(y / 8) * 2 + x / 8]
                for c in 0..<channels { largest = max(largest, abs(Int(image[x, y, c]) - color[c])) }
            }
        }
        XCTAssertLessThanOrEqual(largest, tolerance, "\(name): largest difference \(largest)")
    }

    func testBaselineAndProgressiveColor() throws {
        let colors = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [220, 220, 220]]
        try checkQuadrants("rgb_baseline.jpg", channels: 3, colors: colors)
        try checkQuadrants("rgb_progressive.jpg", channels: 3, colors: colors)
    }

    func testBaselineAndProgressiveGray() throws {
        let colors = [[40], [100], [160], [220]]
        try checkQuadrants("gray_baseline.jpg", channels: 1, colors: colors)
        try checkQuadrants("gray_progressive.jpg", channels: 1, colors: colors)
    }

    func testCMYKIsRefusedClearly() {
        let path = fixturePath("cmyk.jpg")
        assertThrowsImageFileError(naming: path, containing: ["unsupported", "CMYK"]) { try readImage(atPath: path) }
    }

    func testRoundTripAtQuality95IsClose() throws {
        // Mean absolute error below 3 levels (and no sample off by more than 16) on a smooth image.
        for channels in [1, 3] {
            let original = smoothImage(width: 64, height: 48, channels: channels)
            let decoded = try decodeJPEG(try encodeJPEG(original, quality: 95))
            XCTAssertEqual([decoded.width, decoded.height, decoded.channels], [64, 48, channels])
            let d = differences(original, decoded)
            XCTAssertLessThan(d.mean, 3, "\(channels) channels: mean abs error \(d.mean), max \(d.max)")
            XCTAssertLessThanOrEqual(d.max, 16, "\(channels) channels: mean abs error \(d.mean), max \(d.max)")
        }
    }

    func testQualityTradesSizeForFidelity() throws {
        let original = smoothImage(width: 64, height: 64, channels: 3)
        let low = try encodeJPEG(original, quality: 20), high = try encodeJPEG(original, quality: 95)
        XCTAssertLessThan(low.count, high.count)
        let lowError = differences(original, try decodeJPEG(low)).mean
        let highError = differences(original, try decodeJPEG(high)).mean
        XCTAssertLessThan(highError, lowError)
    }

    func testAlphaIsCompositedOverBlackBeforeEncoding() throws {
        var image = Image(width: 16, height: 16, channels: 4, repeating: 200)
        for i in stride(from: 3, to: image.pixels.count, by: 4) { image.pixels[i] = 0 }  // fully transparent
        let decoded = try decodeJPEG(try encodeJPEG(image, quality: 95))
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertLessThanOrEqual(decoded.pixels.max() ?? 255, 2)
    }

    func testEmptyImageCannotBeEncoded() {
        assertThrowsImageFileError(naming: "<memory>", containing: ["JPEG"]) {
            try encodeJPEG(Image(width: 0, height: 3, channels: 3), quality: 90)
        }
    }
}
