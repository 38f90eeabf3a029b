// Every PNG color type, bit depth, transparency and interlacing variant decodes to the exact
// 8-bit samples that Fixtures/make_fixtures.py wrote (same formulas, repeated here).
import ImageFiles
import XCTest

private func sample8(_ x: Int, _ y: Int, _ c: Int) -> UInt8 {
    UInt8((x * (37 + 11 * c) + y * (53 + 7 * c) + 40 * c) % 256)
}

private func sample16(_ x: Int, _ y: Int, _ c: Int) -> Int {
    (x * 9001 + y * 5003 + c * 20011) % 65536
}

/// A 16-bit sample scaled to 8 bits with rounding (v / 257 never falls on a tie).
private func scaled16(_ value: Int) -> UInt8 {
    UInt8((Double(value) * 255 / 65535).rounded())
}

private func grayBits(_ x: Int, _ y: Int, _ bits: Int) -> UInt8 {
    let levels = (1 << bits) - 1
    return UInt8((x + 2 * y) % (levels + 1) * 255 / levels)
}

private let palette: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 0, 0], [255, 255, 255]]
private let paletteAlpha: [UInt8] = [0, 128, 255, 255, 255, 255]

final class PNGFixtureTests: XCTestCase {
    /// Decodes `name` and compares every sample with `expected(x, y)`, reporting the first mismatch.
    private func check(_ name: String, width: Int = 5, height: Int = 4, channels: Int,
                       file: StaticString = #filePath, line: UInt = #line, expected: (Int, Int) -> [UInt8]) throws {
        let image = try readImage(atPath: fixturePath(name))
        XCTAssertEqual([image.width, image.height, image.channels], [width, height, channels], name, file: file, line: line)
        guard image.width == width, image.height == height, image.channels == channels else { return }
        for y in 0..<height {
            for x in 0..<width {
                let got = (0..<channels).map { image[x, y, $0] }
                if got != expected(x, y) {
                    XCTFail("\(name): pixel (\(x), \(y)) is \(got), expected \(expected(x, y))", file: file, line: line)
                    return
                }
            }
        }
    }

    func testGray8() throws {
        try check("gray8.png", channels: 1) { x, y in [sample8(x, y, 0)] }
    }

    func testGray1To4BitsScaleToFullRange() throws {
        for bits in [1, 2, 4] {
            try check("gray\(bits).png", channels: 1) { x, y in [grayBits(x, y, bits)] }
        }
    }

    func testGray16ScalesWithRounding() throws {
        try check("gray16.png", channels: 1) { x, y in [scaled16(sample16(x, y, 0))] }
    }

    func testGrayWithTRNSGainsAlpha() throws {
        let transparent = sample8(1, 1, 0)
        try check("gray8_trns.png", channels: 2) { x, y in
            let v = sample8(x, y, 0)
            return [v, v == transparent ? 0 : 255]
        }
    }

    func testGrayAlpha() throws {
        try check("ga8.png", channels: 2) { x, y in [sample8(x, y, 0), sample8(x, y, 1)] }
    }

    func testRGBAndRGBA() throws {
        try check("rgb8.png", channels: 3) { x, y in (0..<3).map { sample8(x, y, $0) } }
        try check("rgba8.png", channels: 4) { x, y in (0..<4).map { sample8(x, y, $0) } }
    }

    func testRGB16AndRGBA16() throws {
        try check("rgb16.png", channels: 3) { x, y in (0..<3).map { scaled16(sample16(x, y, $0)) } }
        try check("rgba16.png", channels: 4) { x, y in (0..<4).map { scaled16(sample16(x, y, $0)) } }
    }

    func testPaletteWithTRNSBecomesRGBA() throws {
        try check("palette8_trns.png", channels: 4) { x, y in
            let i = (x + y) % 6
            return palette[i] + [paletteAlpha[i]]
        }
    }

    func testFourBitPaletteBecomesRGB() throws {
        try check("palette4.png", channels: 3) { x, y in palette[(x + y) % 6] }
    }

    func testInterlacedImagesAreDeinterlaced() throws {
        try check("rgb8_interlaced.png", width: 9, height: 7, channels: 3) { x, y in (0..<3).map { sample8(x, y, $0) } }
        try check("gray2_interlaced.png", width: 9, height: 7, channels: 1) { x, y in [grayBits(x, y, 2)] }
    }
}
