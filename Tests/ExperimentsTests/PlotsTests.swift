// The figures drawn through cairo: ticks at nice numbers, the SVG a well-formed document with the
// figure's texts, the PNG of the stated size, colors where the data is drawn, no missing glyphs and
// no text cut off.
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ImageFiles
import Plots
import XCTest

final class PlotsTests: XCTestCase {
    func testLinearTicksAreNiceNumbersWrittenToTheStepsPrecision() {
        let t = niceTicks(0.887, 0.963)
        XCTAssertEqual(t.step, 0.02, accuracy: 1e-12)
        XCTAssertEqual(t.ticks, [0.90, 0.92, 0.94, 0.96])
        XCTAssertEqual(t.ticks.map { tickLabel($0, step: t.step) }, ["0.90", "0.92", "0.94", "0.96"])
        XCTAssertEqual(niceRange(0.887, 0.963), 0.88...0.98)
        XCTAssertEqual(niceTicks(0, 1).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        XCTAssertEqual(niceTicks(0.89, 1.0).ticks, [0.90, 0.92, 0.94, 0.96, 0.98, 1.00])
        XCTAssertEqual(niceTicks(1, 30).ticks, [5, 10, 15, 20, 25, 30])
        XCTAssertEqual(niceTicks(-1.5, 1.5).ticks, [-1.5, -1, -0.5, 0, 0.5, 1, 1.5])
        for (lo, hi) in [(0.0, 1.0), (0.887, 0.963), (3.0, 7_000.0), (-2.0, 2.0), (0.1, 0.11), (12.0, 12.5)] {
            let t = niceTicks(lo, hi)
            XCTAssertTrue((4...8).contains(t.ticks.count), "\(lo)…\(hi): \(t.ticks)")
            let mantissa = t.step / pow(10, floor(log10(t.step)))
            XCTAssertTrue([1, 2, 5].contains { abs($0 - mantissa) < 1e-9 }, "\(lo)…\(hi): step \(t.step)")
        }
        XCTAssertEqual(tickLabel(12_000, step: 2_000), "12,000")
        XCTAssertEqual(tickLabel(-0.5, step: 0.5), "−0.5")
        XCTAssertEqual(tickLabel(0, step: 0.05), "0.00")
    }

    func testLogAxesTickWholeDecades() {
        let t = logTicks(12_730, 335_114)
        XCTAssertEqual(t.ticks, [10_000, 100_000])
        XCTAssertTrue(t.range.contains(12_730) && t.range.contains(335_114))
        XCTAssertTrue(t.minor.contains(20_000) && t.minor.contains(200_000) && t.minor.contains(50_000))
        XCTAssertEqual(t.ticks.map(decadeLabel), ["10⁴", "10⁵"])
        XCTAssertEqual(logTicks(16, 1024).ticks, [100, 1000])
        XCTAssertEqual([1.0, 10, 100, 1000].map(decadeLabel), ["1", "10", "100", "1,000"])
        XCTAssertEqual(logTicks(2, 3).ticks.count, 2)
    }

    /// Every character the figures write has a glyph in the font (no missing-glyph boxes).
    func testTheFontHasEveryCharacterTheFiguresUse() {
        let text = "Aa Zz 0–9 ×±≈²³⁴⁵⁻ ; : , . … √ − ₁₂ ( ) [ ] / % = + ' \" é ü"
        for style in [TextStyle.title, .label, .tick] { XCTAssertEqual(style.missingGlyphs(in: text), [], "\(style)") }
        XCTAssertEqual(TextStyle.label.missingGlyphs(in: "日"), ["日"], "a character DejaVu Sans lacks is reported")
        XCTAssertGreaterThan(TextStyle.label.width("test accuracy"), TextStyle.label.width("acc"))
    }

    func testLineChartPNGSVGAndColors() throws {
        let title = "Accuracy ± sd; 28×28 inputs ≈ 10² – 10³ weights"
        let a = Series(name: "logreg", points: [(0, 0.2), (5, 0.5), (10, 0.8)])
        let b = Series(name: "mlp", points: [(0, 0.9), (5, 0.95), (10, 0.99)], errors: [0.01, 0.02, 0.005])
        let chart = lineChart([a, b], title: title, xLabel: "epoch", yLabel: "test accuracy", yRange: 0...1)
        let image = chart.rendered()
        XCTAssertEqual(image.width, chart.width)
        XCTAssertEqual(image.height, chart.height)
        XCTAssertGreaterThanOrEqual(Double(chart.width), TextStyle.title.width(title) + 16, "never narrower than the title")

        // The PNG written and read back has the figure's size.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("plots-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try writeImage(image, toPath: folder + "/chart.png")
        let back = try readImage(atPath: folder + "/chart.png")
        XCTAssertEqual([back.width, back.height], [chart.width, chart.height])

        // x from −0.3 to 10.3 (3 % margins) and y from 0 to 1: the point (5, 0.5) is the centre of
        // the plot area, where the first series' marker is filled with the first Okabe–Ito color.
        let area = try XCTUnwrap(chart.plotArea)
        let (cx, cy) = (Int(area.x + area.width / 2), Int(area.y + area.height / 2))
        let expected = RGB.okabeIto[0]
        for (dx, dy) in [(0, 0), (-1, 0), (0, -1), (-1, -1)] {
            let got = (0..<3).map { Int(image[cx + dx, cy + dy, $0]) }
            XCTAssertEqual(got, [Int(expected.r), Int(expected.g), Int(expected.b)], "marker pixel (\(cx + dx), \(cy + dy))")
        }
        // Just below the frame, away from the ticks: white.
        XCTAssertEqual(image[Int(area.x) + 20, Int(area.y + area.height) + 2, 0], 255)

        // The SVG is well-formed XML with the title and the axis and tick texts.
        let svg = chart.svg()
        let parsed = try SVGTexts(svg)
        XCTAssertEqual(parsed.root, "svg")
        XCTAssertEqual(parsed.title, title)
        for text in ["test accuracy", "epoch", "0.0", "0.4", "1.0", "logreg", "mlp", "10"] {
            XCTAssertTrue(parsed.desc.split(separator: "\n").contains(Substring(text)), "\(text) in \(parsed.desc)")
        }
        XCTAssertTrue(svg.contains("width=\"\(chart.width)px\"") || svg.contains("width=\"\(chart.width)\""), String(svg.prefix(300)))
        XCTAssertGreaterThan(parsed.drawn, 20, "paths and glyphs are drawn")
    }

    func testScatterDrawsEveryClassInItsColorAndThinsLargeSets() throws {
        // Class 1's point sits alone at the centre of the data range; classes 0 and 2 at the corners.
        let points: [(x: Double, y: Double)] = [(0, 0), (5, 5), (10, 10), (0, 10), (10, 0)]
        let chart = scatterChart(points, labels: [0, 1, 2, 0, 2], classNames: ["zero", "one", "two"], title: "embedding",
                                 xLabel: "component 1", yLabel: "component 2")
        let image = chart.rendered()
        let area = try XCTUnwrap(chart.plotArea)
        // x and y run from −0.3 to 10.3 and from a whole tick below 0 to one above 10: (5, 5) is the middle of the plot area.
        let (cx, cy) = (Int(area.x + area.width / 2), Int(area.y + area.height / 2))
        let expected = RGB.okabeIto[1]
        XCTAssertEqual((0..<3).map { Int(image[cx, cy, $0]) }, [Int(expected.r), Int(expected.g), Int(expected.b)], "class 1's marker at the centre")
        let parsed = try SVGTexts(chart.svg())
        for text in ["zero", "one", "two", "component 1", "component 2"] {
            XCTAssertTrue(parsed.desc.split(separator: "\n").contains(Substring(text)), text)
        }
        // 10,000 points are thinned to at most 2,000 markers (every 5th): the SVG stays a picture, not a data dump.
        let many = (0..<10_000).map { (x: Double($0 % 100), y: Double($0 / 100)) }
        let labels = (0..<10_000).map { $0 % 7 }
        let big = try SVGTexts(scatterChart(many, labels: labels, classNames: (0..<7).map(String.init), title: "t", xLabel: "x", yLabel: "y").svg())
        let small = try SVGTexts(scatterChart(Array(many.prefix(2_000)), labels: Array(labels.prefix(2_000)), classNames: (0..<7).map(String.init),
                                              title: "t", xLabel: "x", yLabel: "y").svg())
        XCTAssertGreaterThan(small.drawn, 2_000)
        XCTAssertLessThan(Double(big.drawn), 1.1 * Double(small.drawn), "thinned to as many markers as 2,000 points")
    }

    /// Ten classes, ten colors: digit 8 is not drawn in digit 0's orange (the palette has eight).
    func testScatterOfTenClassesGivesEachItsOwnColor() throws {
        XCTAssertEqual(Set(RGB.tenClassPalette.map { [$0.r, $0.g, $0.b] }).count, 10)
        let points: [(x: Double, y: Double)] = [(0, 0), (5, 5), (10, 10)]
        let chart = scatterChart(points, labels: [0, 8, 9], classNames: (0..<10).map(String.init), title: "digits",
                                 xLabel: "component 1", yLabel: "component 2")
        let image = chart.rendered()
        let area = try XCTUnwrap(chart.plotArea)
        let (cx, cy) = (Int(area.x + area.width / 2), Int(area.y + area.height / 2))
        let wine = RGB.tenClassPalette[8]
        XCTAssertEqual((0..<3).map { Int(image[cx, cy, $0]) }, [Int(wine.r), Int(wine.g), Int(wine.b)], "class 8's marker at the centre")
        XCTAssertNotEqual([wine.r, wine.g, wine.b], [RGB.tenClassPalette[0].r, RGB.tenClassPalette[0].g, RGB.tenClassPalette[0].b])
    }

    func testLogChartTicksDecadesAndGivenTicks() throws {
        let s = Series(name: "MLP 1×64", points: [(12_730, 0.91), (50_890, 0.94), (335_114, 0.963)])
        let chart = lineChart([s], title: "capacity", xLabel: "learned parameters", yLabel: "test accuracy", logX: true)
        let desc = try SVGTexts(chart.svg()).desc.split(separator: "\n").map(String.init)
        XCTAssertTrue(desc.contains("10⁴") && desc.contains("10⁵"), "\(desc)")
        XCTAssertTrue(desc.contains("learned parameters (log scale)"))
        XCTAssertFalse(desc.contains("12730") || desc.contains("0.963"), "no odd numbers as ticks: \(desc)")
        let categories = lineChart([Series(name: "dense SIFT", points: [(1, 0.5), (2, 0.6), (3, 0.7), (4, 0.65)])], title: "ablation",
                                   xLabel: "encoding", yLabel: "test accuracy",
                                   xTicks: [(1, "hard"), (2, "triangle"), (3, "vlad"), (4, "fisher")])
        let names = try SVGTexts(categories.svg()).desc.split(separator: "\n").map(String.init)
        XCTAssertTrue(["hard", "triangle", "vlad", "fisher"].allSatisfy(names.contains), "\(names)")
    }

    /// With more series than colors, the ninth repeats the first color but dashed and with another marker.
    func testSeriesBeyondThePaletteDifferInDashAndMarker() {
        let series = (0..<9).map { Series(name: "s\($0)", points: [(0, 0), (1, 1)]) }
        let first = seriesLook(series[0], index: 0), ninth = seriesLook(series[8], index: 8)
        XCTAssertEqual(first.color, ninth.color)
        XCTAssertNotEqual(first.dash, ninth.dash)
        XCTAssertNotEqual(first.marker, ninth.marker)
        XCTAssertEqual(Set((0..<8).map { "\(seriesLook(series[$0], index: $0).color)" }).count, 8, "eight different colors first")
    }

    func testHeatMapShowsFullNamesCountsAndColorBar() throws {
        let names = ["T-shirt/top", "Ankle boot"]
        let map = confusionHeatMap([[10, 0], [5, 5]], classNames: names, title: "mlp on fashion-mnist: test accuracy 0.7500")
        let image = map.rendered()
        XCTAssertGreaterThanOrEqual(Double(map.width), TextStyle.title.width("mlp on fashion-mnist: test accuracy 0.7500") + 16)
        let parsed = try SVGTexts(map.svg())
        let texts = parsed.desc.split(separator: "\n").map(String.init)
        for t in names + ["10", "0", "5", "predicted class", "true class", "0.5"] { XCTAssertTrue(texts.contains(t), "\(t) in \(texts)") }
        let area = try XCTUnwrap(map.plotArea)
        let side = area.width / 2
        func pixel(_ row: Int, _ column: Int) -> RGB {
            let (x, y) = (Int(area.x + Double(column) * side) + 3, Int(area.y + Double(row) * side) + 3)
            return RGB(image[x, y, 0], image[x, y, 1], image[x, y, 2])
        }
        XCTAssertEqual(pixel(0, 0), RGB.ramp(1))        // all of the row
        XCTAssertEqual(pixel(0, 1), RGB.white)          // none
        XCTAssertEqual(pixel(1, 1), RGB.ramp(0.5.squareRoot()))
    }

    func testTitledMontageAndGalleryGrowToTheirTexts() throws {
        let small = Image(width: 10, height: 10, channels: 1, repeating: 77)
        let title = "LeNet-5: the 20 first-layer 5×5 filters after 2 epochs"
        let t = titled(small, title: title, caption: "mid-gray = 0")
        XCTAssertGreaterThanOrEqual(Double(t.width), TextStyle(size: 14, bold: true).width(title))
        let area = try XCTUnwrap(t.plotArea)
        XCTAssertEqual(t.rendered()[Int(area.x) + 5, Int(area.y) + 5, 1], 77, "the picture is pasted unchanged")
        let sheet = montage([[t, t], [t]], rowLabels: ["Moons", "Two pockets"], columnLabels: ["logreg", "mlp-h10"],
                            title: "Toy 2-D problems: decision boundaries (200×200 grid on -3.0..3.0 in x and y)")
        XCTAssertGreaterThanOrEqual(sheet.width, 2 * t.width)
        XCTAssertGreaterThanOrEqual(Double(sheet.width), TextStyle(size: 16, bold: true).width(sheet.title))
        XCTAssertEqual(try SVGTexts(sheet.svg()).title, sheet.title)
    }
}

/// The root element, <title>, <desc> and the number of drawing elements of an SVG document; throws
/// when it is not well-formed XML.
struct SVGTexts {
    var root = "", title = "", desc = "", drawn = 0

    init(_ svg: String) throws {
        final class Delegate: NSObject, XMLParserDelegate {
            var result = SVGTexts(empty: ())
            var stack: [String] = []
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                if stack.isEmpty { result.root = name }
                if ["path", "use", "rect", "image"].contains(name) { result.drawn += 1 }
                stack.append(name)
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { stack.removeLast() }
            func parser(_ parser: XMLParser, foundCharacters string: String) {
                if stack.last == "title" && stack.count == 2 { result.title += string }
                if stack.last == "desc" && stack.count == 2 { result.desc += string }
            }
        }
        let parser = XMLParser(data: Data(svg.utf8))
        let delegate = Delegate()
        parser.delegate = delegate
        guard parser.parse() else { throw NSError(domain: "SVG", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(parser.parserError.map { "\($0)" } ?? "not XML")"]) }
        self = delegate.result
    }

    private init(empty: ()) {}
}
