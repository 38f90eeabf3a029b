// Tables and pictures of the experiments: CSV/Markdown formatting, the decision-boundary geometry,
// and the saved-model round trip through its card.
import Datasets
import Experiments
import Foundation
import ImageFiles
import Plots
import Tensors
import XCTest

final class TablesAndPlotsTests: XCTestCase {
    func testTableWritesCSVAndMarkdownOfTheSameRows() {
        var t = Table(columns: ["model", "test_accuracy", "fit_seconds", "note"])
        t.append([.text("knn5"), .fraction(0.93666), .seconds(1.23456), .text("a, \"b\"")])
        XCTAssertEqual(t.csv, "model,test_accuracy,fit_seconds,note\nknn5,0.9367,1.235,\"a, \"\"b\"\"\"\n")
        XCTAssertEqual(t.markdown, "| model | test_accuracy | fit_seconds | note |\n|---|---|---|---|\n| knn5 | 0.9367 | 1.235 | a, \"b\" |\n")
    }

    func testDecisionBoundaryColorsEachHalfByItsClassAndIsDeterministic() throws {
        // A model that says class 1 right of x = 0 and class 0 left of it.
        let probabilities: (Matrix) throws -> Matrix = { x in
            var p = Matrix(rows: x.rows, cols: 2)
            for i in 0..<x.rows { let right: Float = x[i, 0] > 0 ? 1 : 0; p[i, 0] = 1 - right; p[i, 1] = right }
            return p
        }
        let style = DecisionBoundaryStyle(xRange: -1...1, yRange: -1...1, resolution: 40)
        let points = Matrix(rows: 0, cols: 2)
        let figure = try renderDecisionBoundary(probabilities: probabilities, points: points, labels: [], style: style)
        let a = figure.rendered()
        let b = try renderDecisionBoundary(probabilities: probabilities, points: points, labels: [], style: style).rendered()
        XCTAssertEqual(a, b)
        XCTAssertEqual([a.width, a.height], [figure.width, figure.height])
        // The plot area is the 40×40 evaluation grid, at whole pixels: a pixel left of the middle
        // shows class 0's color, one right of it class 1's.
        let area = try XCTUnwrap(figure.plotArea)
        XCTAssertEqual([area.width, area.height], [40, 40])
        XCTAssertEqual(area.x, area.x.rounded())
        let (x0, y0) = (Int(area.x), Int(area.y))
        let left = RGB(a[x0 + 5, y0 + 20, 0], a[x0 + 5, y0 + 20, 1], a[x0 + 5, y0 + 20, 2])
        let right = RGB(a[x0 + 34, y0 + 20, 0], a[x0 + 34, y0 + 20, 1], a[x0 + 34, y0 + 20, 2])
        XCTAssertEqual(left, RGB.white.mixed(with: RGB.classColor(0), 0.6))
        XCTAssertEqual(right, RGB.white.mixed(with: RGB.classColor(1), 0.6))
        // The boundary is traced at the column where the class changes (pixel 19 → 20).
        XCTAssertEqual(a[x0 + 19, y0 + 20, 0], 60)
        // Ticks at nice numbers on both axes (on a plot this small, labels that would touch their
        // neighbour are left out, so only the ends and the middle are sure), the axis titles and
        // the grid size in words.
        let svg = figure.svg()
        for text in ["−1.0", "0.0", "1.0", "x₁", "x₂", "model evaluated on a 40×40 grid"] {
            XCTAssertTrue(svg.contains("\n" + text + "\n") || svg.contains(">" + text + "\n") || svg.contains("\n" + text + "<"), text)
        }
    }

    func testDecisionBoundaryDrawsTrainingFilledTestHollowAndALegend() throws {
        let probabilities: (Matrix) throws -> Matrix = { x in
            var p = Matrix(rows: x.rows, cols: 2)
            for i in 0..<x.rows { p[i, 0] = 0.5; p[i, 1] = 0.5 }
            return p
        }
        let style = DecisionBoundaryStyle(xRange: -1...1, yRange: -1...1, resolution: 100, pointRadius: 3)
        let train = Matrix(rows: 1, cols: 2, data: [-0.5, 0]), test = Matrix(rows: 1, cols: 2, data: [0.5, 0])
        let figure = try renderDecisionBoundary(probabilities: probabilities, points: train, labels: [1], testPoints: test, testLabels: [1],
                                                classNames: ["cat", "dog"], style: style)
        let image = figure.rendered()
        let area = try XCTUnwrap(figure.plotArea)
        func pixel(_ x: Double) -> RGB {
            let (px, py) = (Int(area.x + (x + 1) / 2 * area.width), Int(area.y + area.height / 2))
            return RGB(image[px, py, 0], image[px, py, 1], image[px, py, 2])
        }
        XCTAssertEqual(pixel(-0.5), RGB.classColor(1), "a training point is filled with its class color")
        XCTAssertEqual(pixel(0.5), RGB.white, "a test point is hollow")
        XCTAssertEqual(pixel(0), boundaryShade([0.5, 0.5]), "the unsure plane between them")
        let svg = figure.svg()
        for text in ["cat", "dog", "filled: training, hollow: test", "plane: from unsure (1/2) to sure"] {
            XCTAssertTrue(svg.contains(text), text)
        }
        XCTAssertGreaterThan(Double(figure.height), area.y + area.height + 4 * TextStyle.small.lineHeight, "the legend sits under the plot")
    }

    func testTileGridMapsZeroToMidGray() {
        let image = tileGrid([[-1, 0, 1, 0]], height: 2, width: 2, columns: 1, scale: 1)
        XCTAssertEqual(image.width, 4)
        XCTAssertEqual(image[1, 1, 0], 0)      // -1 → black
        XCTAssertEqual(image[2, 1, 0], 128)    // 0 → mid-gray
        XCTAssertEqual(image[1, 2, 0], 255)    // 1 → white
    }

    func testModelNamesAndDataFolderNames() {
        XCTAssertEqual(ModelCatalog.names, ["logreg", "pca-logreg", "knn", "svm-linear", "svm-rbf", "hog-svm", "bovw-hist", "bovw-triangle", "sift-fv-svm", "mlp", "lenet5", "vgg-small"])
        XCTAssertEqual(try ModelCatalog.entry("knn5").name, "knn")
        XCTAssertEqual(dataFolderName("mnist5k"), "mnist5k")
        XCTAssertEqual(dataFolderName("fashion"), "fashion-mnist")
        XCTAssertEqual(dataFolderName("/tmp/my photos/"), "my-photos")
    }
}

final class SavedModelTests: XCTestCase {
    /// Every model of the catalogue, fitted small on colour 16×16 images, saves and loads to the
    /// same probabilities bit for bit (the descriptors and PCA of the pipelines included).
    func testEveryCatalogueModelSavesAndLoadsToTheSameProbabilities() throws {
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<48 {
            let c = i % 3
            values += (0..<(3 * 16 * 16)).map { j in
                let (ch, y, x) = (j / 256, j / 16 % 16, j % 16)
                let edge: Float = c == 0 ? (x < 8 ? 1 : 0) : c == 1 ? (y < 8 ? 1 : 0) : ((x + y) % 4 < 2 ? 1 : 0)
                return edge * 0.7 + Float((i * 13 + j * 7 + ch) % 17) / 60
            }
            labels.append(c)
        }
        let shape = ImageShape(channels: 3, height: 16, width: 16)
        let data = try Dataset(name: "toy", features: Matrix(rows: 48, cols: 768, data: values), labels: labels,
                               classNames: ["vertical", "horizontal", "diagonal"], imageShape: shape)
        for entry in ModelCatalog.entries {
            var given: [String: SettingValue] = [:]
            if entry.isNetwork { given["epochs"] = .int(2) }
            // Batch norm (vgg-small) predicts with running statistics, which 2 batches per epoch leave
            // half-updated: smaller batches give them 12 updates.
            if entry.hyperparameters.contains(where: { $0.name == "width" }) { given["batch-size"] = .int(8) }
            if entry.hyperparameters.contains(where: { $0.name == "patches" }) { given["patches"] = .int(500); given["codebook-size"] = .int(8); given["patch-size"] = .int(4) }
            if entry.hyperparameters.contains(where: { $0.name == "components" }) { given["components"] = .int(10) }
            let settings = try entry.settings(quick: true, given: given)
            var model = try entry.build(settings, BuildContext(imageShape: shape, seed: 5))
            try model.fit(data.features, data.labels, classCount: 3)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saved-\(entry.name)-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let card = ModelCard(model: entry.name, settings: settings, seed: 5, classNames: data.classNames, imageShape: [3, 16, 16],
                                 trainedOn: "toy", trainingSamples: 48, heldOutAccuracy: nil, heldOutSamples: nil)
            try saveModel(model, card: card, to: folder)
            let loaded = try loadModel(folder)
            XCTAssertEqual(try loaded.probabilities(data.features).data, try model.probabilities(data.features).data, entry.name)
            XCTAssertGreaterThan(try model.score(data.features, data.labels), 0.5, entry.name)
        }
    }

    func testANetworkSavedAndLoadedGivesTheSameProbabilities() throws {
        // 40 two-class 4×4 "images": dark ones and bright ones.
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<40 {
            let bright = i % 2
            values += (0..<16).map { j in Float(bright) * 0.6 + Float((i * 7 + j * 3) % 10) / 40 }
            labels.append(bright)
        }
        let data = try Dataset(name: "toy", features: Matrix(rows: 40, cols: 16, data: values), labels: labels,
                               classNames: ["dark", "bright"], imageShape: ImageShape(channels: 1, height: 4, width: 4))
        let entry = try ModelCatalog.entry("mlp")
        let settings = try entry.settings(given: ["epochs": .int(3)])
        var model = try entry.build(settings, BuildContext(imageShape: data.imageShape, seed: 3))
        try model.fit(data.features, data.labels, classCount: 2)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("saved-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let card = ModelCard(model: "mlp", settings: settings, seed: 3, classNames: data.classNames, imageShape: [1, 4, 4],
                             trainedOn: "toy", trainingSamples: 40, heldOutAccuracy: nil, heldOutSamples: nil)
        try saveModel(model, card: card, to: folder)
        let loaded = try loadModel(folder)
        XCTAssertEqual(loaded.card.settings, settings)
        XCTAssertEqual(loaded.card.classNames, card.classNames)
        let before = try model.probabilities(data.features), after = try loaded.probabilities(data.features)
        let worst = zip(before.data, after.data).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, 1e-6, "largest difference \(worst)")
        // A damaged card is one sentence naming the file.
        try "{}".write(toFile: folder + "/model.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try loadModel(folder)) { XCTAssertTrue("\($0)".contains("model.json"), "\($0)") }
    }
}

/// Tampered or hostile model folders: every one a sentence naming the file, never a crash, a hang
/// or a silently wrong answer.
final class TamperedModelTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("tampered-\(UUID().uuidString)").path
        var values: [Float] = [], labels: [Int] = []
        for i in 0..<40 {
            values += (0..<16).map { j in Float(i % 2) * 0.6 + Float((i * 7 + j * 3) % 10) / 40 }
            labels.append(i % 2)
        }
        let data = try Dataset(name: "toy", features: Matrix(rows: 40, cols: 16, data: values), labels: labels,
                               classNames: ["dark", "bright"], imageShape: ImageShape(channels: 1, height: 4, width: 4))
        let entry = try ModelCatalog.entry("logreg")
        var model = try entry.build(try entry.settings(), BuildContext(imageShape: data.imageShape, seed: 0))
        try model.fit(data.features, data.labels, classCount: 2)
        try saveModel(model, card: ModelCard(model: "logreg", settings: try entry.settings(), seed: 0, classNames: data.classNames,
                                             imageShape: [1, 4, 4], trainedOn: "toy", trainingSamples: 40, heldOutAccuracy: nil,
                                             heldOutSamples: nil), to: folder)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    var cardPath: String { folder + "/model.json" }

    func editCard(_ edit: (inout [String: Any]) -> Void) throws {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cardPath))) as! [String: Any]
        edit(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: URL(fileURLWithPath: cardPath))
    }

    func assertRefused(_ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try loadModel(folder), file: file, line: line) { error in
            XCTAssertTrue("\(error)".contains(expected), "\(error)", file: file, line: line)
        }
    }

    func testHostileImageShapesAreRefused() throws {
        XCTAssertNoThrow(try loadModel(folder))
        for shape in [[-1, -28, 28], [1, 4_294_967_296, 4_294_967_296], [1, 100_000, 100_000], [4, 2, 2], [1, 2, 8]] {
            try tearDownWithError(); try setUpWithError()
            try editCard { $0["imageShape"] = shape }
            // [1, 2, 8] has the right number of values: the tensors file's own record of the shape catches it.
            assertRefused(shape == [1, 2, 8] ? "image_shape" : "image shape")
        }
    }

    func testAFolderOrAPipeInPlaceOfTheTensorsIsRefusedAtOnce() throws {
        let card = try readModelCard(folder)
        let tensors = folder + "/" + card.learnedFile
        try FileManager.default.removeItem(atPath: tensors)
        try FileManager.default.createDirectory(atPath: tensors, withIntermediateDirectories: false)
        assertRefused("is a folder")
        try FileManager.default.removeItem(atPath: tensors)
        XCTAssertEqual(mkfifo(tensors, 0o644), 0)
        assertRefused("not a regular file")
    }

    func testNaNWeightsAndMismatchedTensorsAreRefused() throws {
        let card = try readModelCard(folder)
        let path = folder + "/" + card.learnedFile
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // The last four bytes are the last float of the data: make it a NaN.
        bytes.replaceSubrange((bytes.count - 4)..., with: [0x00, 0x00, 0xC0, 0x7F])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        assertRefused("holds nan")
        try tearDownWithError(); try setUpWithError()
        try editCard { $0["classNames"] = ["dark", "bright", "grey"] }
        assertRefused("classes")
        try tearDownWithError(); try setUpWithError()
        try editCard { $0["learnedFile"] = "../../etc/passwd" }
        assertRefused("learned-<hash>.safetensors")
    }
}
