import XCTest
import ImageFiles
import Plots

final class MistakesGalleryTests: XCTestCase {
    func gray(_ w: Int, _ h: Int, value: UInt8) -> Image {
        Image(width: w, height: h, channels: 1, pixels: (0..<(w * h)).map { UInt8((Int(value) + $0) % 256) })
    }

    /// Sizes follow the documented layout: three 28×28 gray digits drawn 2× (56 px) and a 10×20
    /// RGB image drawn 3× (its longer side reaches 56 px at 3), captions of 11 and 18 characters.
    func testLayoutSizeAndDeterminism() {
        let rgb = Image(width: 10, height: 20, channels: 3, pixels: [UInt8](repeating: 200, count: 600))
        let items: [(image: Image, caption: [String])] = [
            (gray(28, 28, value: 0), ["true: shirt", "pred: t-shirt 0.97"]),
            (gray(28, 28, value: 50), ["true: 4", "pred: 9 0.61"]),
            (gray(28, 28, value: 90), ["true: 7"]),
            (rgb, ["true: cat", "pred: dog 0.55"]),
        ]
        let image = mistakesGallery(items, columns: 3, title: "Mistakes", scale: 2)
        // Cell: 18 glyphs × 6 − 1 = 107 wide (the longest caption), 60 (the RGB image at 3×) + 3 +
        // 2 × 10 = 83 high; 3 columns, 2 rows, 8 px padding; title 14 px high plus 8.
        XCTAssertEqual(image.width, 3 * 107 + 4 * 8)
        XCTAssertEqual(image.height, 8 + 14 + 8 + 2 * (83 + 8))
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(mistakesGallery(items, columns: 3, title: "Mistakes", scale: 2), image)
        // The first digit is pasted 2× centred in its cell: cell x 8…115, image x 33…88, y 30…85.
        let (x0, y0) = (8 + (107 - 56) / 2, 30 + (60 - 56) / 2)
        for (sx, sy) in [(0, 0), (5, 3), (27, 27)] {
            let expected = items[0].image[sx, sy, 0]
            XCTAssertEqual(image[x0 + 2 * sx + 1, y0 + 2 * sy + 1, 0], expected, "pixel (\(sx), \(sy))")
        }
        // Caption ink under the first image, and the second line in the prediction color.
        let captionRows = (y0 + 56 + 3)..<(30 + 83)
        let ink = captionRows.flatMap { y in (8..<(8 + 107)).map { x in (image[x, y, 0], image[x, y, 1], image[x, y, 2]) } }
        XCTAssertTrue(ink.contains { $0 == (0, 0, 0) })
        XCTAssertTrue(ink.contains { $0 == (180, 30, 30) })
    }

    /// A caption longer than the limit is cut with an ellipsis, so the cell stays at the limit.
    func testLongCaptionsAreShortened() {
        let long = String(repeating: "pullover ", count: 10)
        let items: [(image: Image, caption: [String])] = [(gray(28, 28, value: 3), ["true: " + long, "pred: bag 0.99"])]
        let image = mistakesGallery(items, columns: 4, title: "", scale: 1, maxCaptionLength: 20)
        // One column (only one item), minimum side 56 → 2×; 20 glyphs → 119 px; no title.
        XCTAssertEqual(image.width, 119 + 2 * 8)
        XCTAssertEqual(image.height, 8 + 56 + 3 + 2 * 10 + 8)
    }

    func testEmptyGallerySaysNoMistakes() {
        let image = mistakesGallery([], columns: 5, title: "Test mistakes", scale: 2)
        // "Test mistakes" is 13 glyphs at scale 2: (13 × 6 − 1) × 2 = 154, plus padding.
        XCTAssertEqual(image.width, 154 + 16)
        XCTAssertEqual(image.height, 8 + 22 + 14 + 8)
        let gray = (0..<image.height).flatMap { y in (0..<image.width).map { x in image[x, y, 0] } }.filter { $0 == 128 }
        XCTAssertGreaterThan(gray.count, 50, "the message should be drawn")
        XCTAssertEqual(mistakesGallery([], columns: 0, title: "", scale: 0).width, (11 * 6 - 1) * 2 + 16)
    }
}
