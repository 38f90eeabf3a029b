import XCTest
import ImageFiles
import Plots

final class MistakesGalleryTests: XCTestCase {
    func gray(_ w: Int, _ h: Int, value: UInt8) -> Image {
        Image(width: w, height: h, channels: 1, pixels: (0..<(w * h)).map { UInt8((Int(value) + $0) % 256) })
    }

    let caption = TextStyle(size: 11)

    /// Sizes follow the documented layout: three 28×28 gray digits drawn 2× (56 px) and a 10×20
    /// RGB image drawn 3× (its longer side reaches 56 px at 3), captions of two lines at most.
    func testLayoutSizeAndDeterminism() {
        let rgb = Image(width: 10, height: 20, channels: 3, pixels: [UInt8](repeating: 200, count: 600))
        let items: [(image: Image, caption: [String])] = [
            (gray(28, 28, value: 0), ["true: shirt", "pred: t-shirt 0.97"]),
            (gray(28, 28, value: 50), ["true: 4", "pred: 9 0.61"]),
            (gray(28, 28, value: 90), ["true: 7"]),
            (rgb, ["true: cat", "pred: dog 0.55"]),
        ]
        let figure = mistakesGallery(items, columns: 3, title: "Mistakes", scale: 2)
        let image = figure.rendered()
        // Cell: as wide as the longest caption, 60 (the RGB image at 3×) + 3 + 2 × (line + 3) high;
        // 3 columns, 2 rows, 8 px padding; the title line plus 8.
        let cellWidth = max(56, caption.width("pred: t-shirt 0.97").rounded(.up))
        let line = caption.lineHeight.rounded(.up)
        let cellHeight = 60 + 3 + 2 * (line + 3)
        let top = 8 + (TextStyle.title.lineHeight + 8).rounded(.up)
        XCTAssertEqual(Double(image.width), 3 * cellWidth + 4 * 8)
        XCTAssertEqual(Double(image.height), top + 2 * (cellHeight + 8))
        XCTAssertEqual(image.channels, 3)
        XCTAssertEqual(mistakesGallery(items, columns: 3, title: "Mistakes", scale: 2).rendered(), image)
        // The first digit is pasted 2× centred in its cell, pixel for pixel.
        let (x0, y0) = (8 + Int(((cellWidth - 56) / 2).rounded(.down)), Int(top) + 2)
        for (sx, sy) in [(0, 0), (5, 3), (27, 27)] {
            let expected = items[0].image[sx, sy, 0]
            XCTAssertEqual(image[x0 + 2 * sx + 1, y0 + 2 * sy + 1, 0], expected, "pixel (\(sx), \(sy))")
        }
        // Caption ink under the first image: dark for the first line, red for the prediction.
        let captionRows = (y0 + 56 + 3)..<(Int(top + cellHeight))
        let ink = captionRows.flatMap { y in (8..<(8 + Int(cellWidth))).map { x in (Int(image[x, y, 0]), Int(image[x, y, 1]), Int(image[x, y, 2])) } }
        XCTAssertTrue(ink.contains { $0.0 < 60 && $0.1 < 60 && $0.2 < 60 })
        XCTAssertTrue(ink.contains { $0.0 > 140 && $0.1 < 90 && $0.2 < 90 })
        XCTAssertTrue(figure.svg().contains("pred: t-shirt 0.97"))
    }

    /// A caption longer than the limit is cut with an ellipsis, so the cell stays at the limit.
    func testLongCaptionsAreShortened() {
        let long = String(repeating: "pullover ", count: 10)
        let items: [(image: Image, caption: [String])] = [(gray(28, 28, value: 3), ["true: " + long, "pred: bag 0.99"])]
        let figure = mistakesGallery(items, columns: 4, title: "", scale: 1, maxCaptionLength: 20)
        // One column (only one item), minimum side 56 → 2×; 20 characters, the last "…"; no title.
        let shortened = "true: pullover pull…"
        XCTAssertEqual(Double(figure.width), max(56, caption.width(shortened).rounded(.up)) + 2 * 8)
        XCTAssertEqual(Double(figure.height), 8 + 56 + 3 + 2 * (caption.lineHeight.rounded(.up) + 3) + 8)
        XCTAssertTrue(figure.svg().contains(shortened))
    }

    func testEmptyGallerySaysNoMistakes() {
        let figure = mistakesGallery([], columns: 5, title: "Test mistakes", scale: 2)
        let image = figure.rendered()
        XCTAssertGreaterThanOrEqual(Double(image.width), TextStyle.title.width("Test mistakes") + 16)
        var grayInk = 0
        for y in 0..<image.height {
            for x in 0..<image.width {
                let (r, g, b) = (image[x, y, 0], image[x, y, 1], image[x, y, 2])
                if r == g && g == b && r < 200 && r > 90 { grayInk += 1 }
            }
        }
        XCTAssertGreaterThan(grayInk, 20, "the message should be drawn")
        XCTAssertTrue(figure.svg().contains("no mistakes"))
        XCTAssertGreaterThanOrEqual(Double(mistakesGallery([], columns: 0, title: "", scale: 0).width), TextStyle.label.width("no mistakes") + 16)
    }
}
