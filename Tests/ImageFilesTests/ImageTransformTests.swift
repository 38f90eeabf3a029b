// Channel conversion, resizing and the planar-float bridge, checked against hand-computed values.
import ImageFiles
import XCTest

final class ImageTransformTests: XCTestCase {
    func testColorToGrayUsesRec601LumaRounded() {
        let rgb = Image(width: 4, height: 1, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 200, 30])
        // 76.245 → 76, 149.685 → 150, 29.07 → 29, 2.99 + 117.4 + 3.42 = 123.81 → 124
        XCTAssertEqual(rgb.converted(toChannels: 1).pixels, [76, 150, 29, 124])
        XCTAssertEqual(rgb.converted(toChannels: 2).pixels, [76, 255, 150, 255, 29, 255, 124, 255])
    }

    func testDroppingAlphaCompositesOverBlack() {
        let rgba = Image(width: 2, height: 1, channels: 4, pixels: [200, 100, 50, 128, 9, 9, 9, 0])
        XCTAssertEqual(rgba.converted(toChannels: 3).pixels, [100, 50, 25, 0, 0, 0])
        // Keeping alpha keeps the color as it is: luma(200, 100, 50) = 59.8 + 58.7 + 5.7 = 124.2 → 124.
        XCTAssertEqual(rgba.converted(toChannels: 2).pixels, [124, 128, 9, 0])
    }

    func testGrayExpandsAndAlphaIsKept() {
        let gray = Image(width: 2, height: 1, channels: 1, pixels: [7, 250])
        XCTAssertEqual(gray.converted(toChannels: 3).pixels, [7, 7, 7, 250, 250, 250])
        XCTAssertEqual(gray.converted(toChannels: 4).pixels, [7, 7, 7, 255, 250, 250, 250, 255])
        let ga = Image(width: 1, height: 1, channels: 2, pixels: [90, 40])
        XCTAssertEqual(ga.converted(toChannels: 4).pixels, [90, 90, 90, 40])
        XCTAssertEqual(ga.converted(toChannels: 1).pixels, [14])  // 90 · 40 / 255 = 14.1
        XCTAssertEqual(gray.converted(toChannels: 1), gray)
    }

    func testShrinkingAveragesAreas() {
        let image = Image(width: 4, height: 2, channels: 1, pixels: [10, 20, 100, 200, 30, 40, 0, 0])
        XCTAssertEqual(image.resized(width: 2, height: 1).pixels, [25, 75])
        // 3 → 2: each output covers 1.5 source pixels: (0 + 0.5 · 90) / 1.5 = 30, (0.5 · 90 + 180) / 1.5 = 150.
        let row = Image(width: 3, height: 1, channels: 1, pixels: [0, 90, 180])
        XCTAssertEqual(row.resized(width: 2, height: 1).pixels, [30, 150])
    }

    func testEnlargingInterpolatesBilinearly() {
        // Centers aligned: sources at -0.25 (clamped), 0.25, 0.75, 1.25 (clamped).
        let row = Image(width: 2, height: 1, channels: 1, pixels: [0, 100])
        XCTAssertEqual(row.resized(width: 4, height: 1).pixels, [0, 25, 75, 100])
        let rgb = Image(width: 1, height: 2, channels: 3, pixels: [0, 40, 200, 100, 80, 0])
        XCTAssertEqual(rgb.resized(width: 1, height: 4).pixels,
                       [0, 40, 200, 25, 50, 150, 75, 70, 50, 100, 80, 0])
    }

    func testResizeKeepsFlatImagesFlatAndSameSizeUnchanged() {
        let flat = Image(width: 7, height: 5, channels: 2, repeating: 77)
        XCTAssertEqual(flat.resized(width: 3, height: 11), Image(width: 3, height: 11, channels: 2, repeating: 77))
        let smooth = smoothImage(width: 9, height: 6, channels: 3)
        XCTAssertEqual(smooth.resized(width: 9, height: 6), smooth)
        XCTAssertEqual(smooth.resized(width: 0, height: 4).pixels.count, 0)
    }

    func testPlanarFloatsLayoutAndRoundTrip() {
        let image = Image(width: 2, height: 1, channels: 3, pixels: [10, 20, 30, 40, 50, 255])
        let planar = image.planarFloats()
        XCTAssertEqual(planar, [10, 40, 20, 50, 30, 255].map { Float($0) / 255 })
        XCTAssertEqual(Image(planarFloats: planar, channels: 3, height: 1, width: 2), image)
    }

    func testPlanarFloatsAreClampedAndRounded() {
        let image = Image(planarFloats: [-0.5, 1.7, .nan, 0.5, 0.2], channels: 1, height: 1, width: 5)
        XCTAssertEqual(image.pixels, [0, 255, 0, 128, 51])
    }
}
