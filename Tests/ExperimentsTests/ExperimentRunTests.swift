// Each experiment executable run with --quick into a temporary folder: the files of the output
// contract exist, the tables have their headers and row counts, accuracy columns hold numbers in
// [0, 1], and bad input exits non-zero with one sentence, leaving earlier results untouched.
import Foundation
import Experiments
import XCTest

/// Runs the built executable `name` with `arguments`; returns (status, standard output, standard error).
@discardableResult
func runExecutable(_ name: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let exe = ExperimentRunTests.productsFolder.appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: exe.path) else {
        XCTFail("the \(name) executable is not built in \(ExperimentRunTests.productsFolder.path)")
        return (-1, "", "")
    }
    let process = Process()
    process.executableURL = exe
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Both pipes drained at once, so a chatty child never blocks on a full pipe.
    var errData = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

final class ExperimentRunTests: XCTestCase {
    /// The folder holding the built executables (the test bundle sits beside them).
    static let productsFolder: URL = {
        var url = Bundle.main.bundleURL
        if url.pathExtension == "xctest" { url = url.deletingLastPathComponent() }
        for candidate in [url, Bundle(for: ExperimentRunTests.self).bundleURL.deletingLastPathComponent()]
        where FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("toy2d").path) {
            return candidate
        }
        return url
    }()

    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("experiments-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    /// Runs `name` with `arguments`; returns (status, standard output, standard error).
    @discardableResult
    func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runExecutable(name, arguments)
    }

    /// Rows of a CSV file as dictionaries, after checking its header.
    func csvRows(_ path: URL, header: [String]) throws -> [[String: String]] {
        let text = try String(contentsOf: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.first?.split(separator: ",").map(String.init).prefix(header.count) ?? []), header, path.lastPathComponent)
        let names = lines[0].split(separator: ",").map(String.init)
        return lines.dropFirst().map { line in Dictionary(uniqueKeysWithValues: zip(names, csvFields(line))) }
    }

    /// The fields of one CSV line; a quoted field may hold commas and doubled quotes.
    func csvFields(_ line: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false, previous: Character = " "
        for ch in line {
            if ch == "\"" {
                if quoted { quoted = false } else { if previous == "\"" { field.append("\"") }; quoted = true }
            } else if ch == "," && !quoted {
                fields.append(field); field = ""
            } else {
                field.append(ch)
            }
            previous = ch
        }
        fields.append(field)
        return fields
    }

    func assertFractions(_ rows: [[String: String]], _ columns: [String], file: StaticString = #filePath, line: UInt = #line) {
        for row in rows {
            for c in columns {
                guard let v = row[c].flatMap(Double.init) else { XCTFail("\(c) is not a number in \(row)", file: file, line: line); continue }
                XCTAssertTrue((0...1).contains(v), "\(c) = \(v) outside [0, 1]", file: file, line: line)
            }
        }
    }

    func exists(_ names: [String], in folder: URL, file: StaticString = #filePath, line: UInt = #line) {
        for n in names {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(n).path), "missing \(n)", file: file, line: line)
        }
    }

    func testToy2DQuickWritesTheContract() throws {
        let out = tmp.appendingPathComponent("toy2d")
        let r = try run("toy2d", ["--quick", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        // Five seeds by default: the summary has n, mean, standard deviation and interval per problem and model.
        let rows = try csvRows(out.appendingPathComponent("accuracy.csv"),
                               header: ["dataset", "model", "n", "train_accuracy", "train_accuracy_std", "train_accuracy_ci95_low", "train_accuracy_ci95_high",
                                        "test_accuracy", "test_accuracy_std", "test_accuracy_ci95_low", "test_accuracy_ci95_high"])
        XCTAssertEqual(rows.count, 42)
        XCTAssertEqual(Set(rows.map { $0["n"]! }), ["5"])
        for row in rows {
            let (low, mean, high) = (Double(row["test_accuracy_ci95_low"]!)!, Double(row["test_accuracy"]!)!, Double(row["test_accuracy_ci95_high"]!)!)
            XCTAssertTrue(low <= mean && mean <= high && low >= 0 && high <= 1, "\(row)")
        }
        let perSeed = try csvRows(out.appendingPathComponent("accuracy-seeds.csv"), header: ["dataset", "model", "seed", "train_accuracy", "test_accuracy"])
        XCTAssertEqual(perSeed.count, 5 * 42)
        // The summary's mean is the mean of the per-seed rows.
        let knn = perSeed.filter { $0["dataset"] == "two-pockets" && $0["model"] == "knn5" }.map { Double($0["test_accuracy"]!)! }
        XCTAssertEqual(Double(rows.first { $0["dataset"] == "two-pockets" && $0["model"] == "knn5" }!["test_accuracy"]!)!,
                       knn.reduce(0, +) / 5, accuracy: 0.00005)
        // Pairs within each problem: 7 models, 21 pairs, 6 problems.
        let pairs = try csvRows(out.appendingPathComponent("significance.csv"), header: ["dataset", "model_a", "model_b", "seeds"])
        XCTAssertEqual(pairs.count, 126)
        XCTAssertTrue(pairs.allSatisfy { $0["verdict"]!.contains("better") || $0["verdict"]!.hasPrefix("no significant difference") })
        XCTAssertEqual(rows.map { $0["dataset"]! }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } },
                       ["diagonal-band", "one-pocket", "four-gaussians", "two-pockets", "spiral", "blobs"])
        XCTAssertEqual(Set(rows.map { $0["model"]! }), ["logreg", "knn5", "mlp-h2", "mlp-h3", "mlp-h4", "mlp-h10", "mlp-relu-2x8"])
        assertFractions(rows, ["train_accuracy", "test_accuracy"])
        for row in rows { exists(["\(row["dataset"]!)-\(row["model"]!).ppm", "\(row["dataset"]!)-\(row["model"]!).png"], in: out) }
        exists(["accuracy.md", "findings.csv", "montage.png"], in: out)
        // Every network: the hidden units' maps and the boundary's evolution.
        for row in rows where row["model"]!.hasPrefix("mlp-") {
            exists(["\(row["dataset"]!)-\(row["model"]!)-hidden.png", "\(row["dataset"]!)-\(row["model"]!)-evolution.png"], in: out)
        }
        // The ReLU network's plane by linear region: the title counts them, and a two-layer ReLU network
        // of 16 units cuts the plane into more pieces than its 16 lines' worth of a single layer would need.
        for problem in ["spiral", "two-pockets"] { exists(["\(problem)-mlp-relu-2x8-regions.png", "\(problem)-mlp-relu-2x8-regions.svg"], in: out) }
        let regions = try String(contentsOf: out.appendingPathComponent("two-pockets-mlp-relu-2x8-regions.svg"), encoding: .utf8)
        let count = try XCTUnwrap(regions.range(of: #"\d+ linear regions"#, options: .regularExpression).map { Int(regions[$0].split(separator: " ")[0])! })
        XCTAssertGreaterThan(count, 8, "more regions than one layer's units")
        // The widest network's boundary as an animated GIF: the GIF89a signature and the looping block.
        let gif = try Data(contentsOf: out.appendingPathComponent("spiral-mlp-h10-evolution.gif"))
        XCTAssertEqual(Array(gif.prefix(6)), Array("GIF89a".utf8))
        XCTAssertNotNil(gif.range(of: Data("NETSCAPE2.0".utf8)))
        // Binary PPM: the P6 magic number.
        let ppm = try Data(contentsOf: out.appendingPathComponent("two-pockets-knn5.ppm"))
        XCTAssertEqual(Array(ppm.prefix(2)), Array("P6".utf8))
    }

    func testToy2DOptionsAndOwnCSV() throws {
        // One problem, fewer points, more noise: seven rows, and the spiral's pictures.
        let one = tmp.appendingPathComponent("spiral")
        let r = try run("toy2d", ["--quick", "--seeds", "0", "--problems", "spiral", "--n", "90", "--noise", "0.05", "--spread", "0.1",
                                  "--epochs", "6", "--out", one.path])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = try csvRows(one.appendingPathComponent("accuracy-seeds.csv"), header: ["dataset", "model", "seed"])
        XCTAssertEqual(rows.map { $0["dataset"]! }, [String](repeating: "spiral", count: 7))
        exists(["spiral-mlp-h10-hidden.png", "spiral-mlp-h10-evolution.png", "spiral-logreg.png"], in: one)
        // Wrong settings are named, and nothing is written.
        let bad = try run("toy2d", ["--quick", "--problems", "spiral,moons", "--out", tmp.appendingPathComponent("bad").path])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("unknown problem 'moons'"), bad.err)
        let spread = try run("toy2d", ["--quick", "--problems", "two-pockets", "--spread", "0.9", "--out", tmp.appendingPathComponent("bad").path])
        XCTAssertNotEqual(spread.status, 0)
        XCTAssertTrue(spread.err.contains("spread"), spread.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("bad/accuracy.csv").path))
        // A user's own 2-D points: label, x₁, x₂.
        var csv = "label,x1,x2\n"
        for i in 0..<120 {
            let label = i % 2, t = Double(i) / 120
            csv += "\(label),\(label == 0 ? -1 - t : 1 + t),\(t * 3)\n"
        }
        let file = tmp.appendingPathComponent("points.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let own = tmp.appendingPathComponent("own")
        let o = try run("toy2d", ["--quick", "--seeds", "0", "--data", file.path, "--epochs", "5", "--out", own.path])
        XCTAssertEqual(o.status, 0, o.err)
        let ownRows = try csvRows(own.appendingPathComponent("accuracy-seeds.csv"), header: ["dataset", "model", "seed"])
        XCTAssertEqual(ownRows.count, 7)
        XCTAssertEqual(Set(ownRows.map { $0["dataset"]! }), ["points"])
        XCTAssertEqual(ownRows.first { $0["model"] == "knn5" }?["test_accuracy"], "1.0000")
        let wide = tmp.appendingPathComponent("wide.csv")
        try "label,a,b,c\n0,1,2,3\n1,4,5,6\n0,1,2,4\n1,4,5,7\n0,1,2,5\n1,4,5,8\n0,1,1,3\n1,4,4,6\n0,1,3,3\n1,4,6,6\n".write(to: wide, atomically: true, encoding: .utf8)
        let w = try run("toy2d", ["--quick", "--seeds", "0", "--data", wide.path, "--out", tmp.appendingPathComponent("bad").path])
        XCTAssertNotEqual(w.status, 0)
        XCTAssertTrue(w.err.contains("3 feature columns"), w.err)
    }

    func testGraphsDrawsTheLecturesExamplesWithTheLayersNumbers() throws {
        let out = tmp.appendingPathComponent("graphs")
        let r = try run("graphs", ["--quick", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.err)
        exists(["logistic-neuron-graph.dot", "logistic-neuron-graph.svg", "logistic-neuron-graph.png",
                "backprop-example-graph.svg", "backprop-example-graph.png", "gradients.csv", "gradients.md"], in: out)
        let rows = try csvRows(out.appendingPathComponent("gradients.csv"), header: ["graph", "node", "computes", "value", "gradient"])
        // The slide's neuron: ∂L/∂w₁ = −1.462 exactly (−1.48 with the slide's rounded factors), ∂L/∂p = −1/p.
        XCTAssertEqual(rows.first { $0["graph"] == "logistic-neuron" && $0["node"] == "w₁" }?["gradient"], "−1.462")
        XCTAssertEqual(rows.first { $0["graph"] == "logistic-neuron" && $0["node"] == "p" }?["gradient"], "−3.718")
        XCTAssertEqual(rows.first { $0["graph"] == "backprop-example" && $0["node"] == "x" }?["gradient"], "0.0843")
        let svg = try String(contentsOf: out.appendingPathComponent("logistic-neuron-graph.svg"), encoding: .utf8)
        XCTAssertTrue(svg.contains("<svg") && svg.contains("</svg>"))
        XCTAssertTrue(svg.contains("−1.462"), "the gradient is drawn")
        let png = try Data(contentsOf: out.appendingPathComponent("backprop-example-graph.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
    }

    func testDigitsQuickWritesTheContract() throws {
        let r = try run("digits", ["--quick", "--out", tmp.path])
        XCTAssertEqual(r.status, 0, r.err)
        let out = tmp.appendingPathComponent("mnist5k")
        let rows = try csvRows(out.appendingPathComponent("comparison.csv"),
                               header: ["model", "family", "n", "test_accuracy", "test_accuracy_std", "test_accuracy_ci95_low", "test_accuracy_ci95_high",
                                        "train_accuracy"])
        XCTAssertEqual(rows.map { $0["model"]! }, ["logreg", "pca-logreg", "knn5", "svm-linear", "svm-rbf", "hog-svm", "bovw-hist", "bovw-triangle", "sift-fv-svm", "mlp", "lenet5", "vgg-small"])
        assertFractions(rows, ["test_accuracy", "train_accuracy"])
        // Even the quick versions beat chance (10 %) by far: a model that learned nothing fails here.
        for row in rows { XCTAssertGreaterThan(Double(row["test_accuracy"]!)!, 0.6, row["model"]!) }
        XCTAssertEqual(rows.first { $0["model"] == "logreg" }?["parameters"], "7850")
        for m in ["logreg", "pca-logreg", "knn5", "svm-linear", "svm-rbf", "hog-svm", "bovw-hist", "bovw-triangle", "sift-fv-svm", "mlp", "lenet5", "vgg-small"] {
            exists(["confusion-\(m).csv", "confusion-\(m).png", "confusion-\(m).ppm"], in: out)
            let confusion = try csvRows(out.appendingPathComponent("confusion-\(m).csv"), header: ["true_class"])
            XCTAssertEqual(confusion.count, 10)
            // Every test digit lands in exactly one cell: the counts add up to the test part (300).
            XCTAssertEqual(confusion.flatMap { $0.filter { $0.key != "true_class" }.values.compactMap { Int($0) } }.reduce(0, +), 300, m)
        }
        exists(["learning-curve-mlp.csv", "learning-curve-lenet5.csv", "learning-curve-vgg-small.csv", "learning-curves.png", "loss-curves.png",
                "loss-curves.svg", "models.md", "per-class.csv", "per-class.md"], in: out)
        // The first seed's pictures: every model's most confident mistakes, and the test images embedded in 2-D
        // as pixels, as HOG features and as each network's last hidden layer.
        exists(["logreg", "hog-svm", "lenet5"].flatMap { ["mistakes-\($0).png", "mistakes-\($0).svg"] }, in: out)
        exists(["pixels", "hog", "mlp", "lenet5", "vgg-small"].flatMap { ["embedding-\($0).png", "embedding-\($0).svg"] }, in: out)
        let perClass = try csvRows(out.appendingPathComponent("per-class.csv"), header: ["class", "test_images", "logreg"])
        XCTAssertEqual(perClass.map { $0["class"]! }, (0..<10).map(String.init))
        XCTAssertEqual(perClass.map { Int($0["test_images"]!)! }.reduce(0, +), 300)
        // Each class's share under a model, weighted by the class counts, gives the model's test accuracy back.
        let lenet = rows.first { $0["model"] == "lenet5" }!["test_accuracy"]!
        let weighted = perClass.map { Double($0["lenet5"]!)! * Double($0["test_images"]!)! }.reduce(0, +) / 300
        XCTAssertEqual(weighted, Double(lenet)!, accuracy: 0.002)
        let gallery = try String(contentsOf: out.appendingPathComponent("mistakes-logreg.svg"), encoding: .utf8)
        XCTAssertTrue(gallery.contains("true: ") && gallery.contains("pred: "), "captions name the true and predicted class")
        // Every model chose its settings on a validation part: the grid, the choice and its score are in models.csv,
        // every trial in tuning.csv, one chosen per model.
        let models = try csvRows(out.appendingPathComponent("models.csv"),
                                 header: ["model", "features", "parameters", "settings", "grid", "chosen", "validation_accuracy", "tuning"])
        for m in models { XCTAssertNotNil(Double(m["validation_accuracy"] ?? ""), "\(m["model"] ?? "?") has no validation score") }
        let trials = try csvRows(out.appendingPathComponent("tuning.csv"), header: ["model", "seed", "trial", "settings", "validation_accuracy", "chosen"])
        XCTAssertEqual(Set(trials.filter { $0["chosen"] == "yes" }.map { $0["model"] ?? "" }), Set(models.map { $0["model"] ?? "" }))
        // One seed: the per-seed rows, which test images each model got right, and McNemar's test for all 66 pairs.
        let perSeed = try csvRows(out.appendingPathComponent("comparison-seeds.csv"), header: ["model", "family", "seed", "test_accuracy"])
        XCTAssertEqual(perSeed.count, 12)
        XCTAssertEqual(Set(perSeed.map { $0["family"]! }), ["classical", "deep"])
        let pairs = try csvRows(out.appendingPathComponent("significance.csv"), header: ["model_a", "model_b", "seeds"])
        XCTAssertEqual(pairs.count, 66)
        XCTAssertEqual(Set(pairs.map { $0["test"]! }), ["McNemar exact (1 seed)"])
        let headline = try String(contentsOf: out.appendingPathComponent("significance.md"), encoding: .utf8)
        XCTAssertTrue(headline.contains("best classical") && headline.contains("best deep"), headline)
    }

    func testDigitsSeveralSeedsGiveIntervalsAndPairedTests() throws {
        let r = try run("digits", ["--quick", "--seeds", "0-2", "--models", "logreg,mlp", "--out", tmp.path])
        XCTAssertEqual(r.status, 0, r.err)
        let out = tmp.appendingPathComponent("mnist5k")
        let rows = try csvRows(out.appendingPathComponent("comparison.csv"), header: ["model", "family", "n"])
        XCTAssertEqual(rows.map { $0["n"]! }, ["3", "3"])
        let perSeed = try csvRows(out.appendingPathComponent("comparison-seeds.csv"), header: ["model", "family", "seed"])
        // Model by model, each model's seeds in order (as a merged sweep lists them).
        XCTAssertEqual(perSeed.map { $0["model"]! + "/" + $0["seed"]! }, ["logreg/0", "logreg/1", "logreg/2", "mlp/0", "mlp/1", "mlp/2"])
        // Each seed is its own split: the logistic regression's accuracies are not all alike.
        XCTAssertGreaterThan(Set(perSeed.filter { $0["model"] == "logreg" }.map { $0["test_accuracy"]! }).count, 1)
        for row in rows {
            let values = perSeed.filter { $0["model"] == row["model"] }.map { Double($0["test_accuracy"]!)! }
            let s = Summary(values)
            XCTAssertEqual(row["test_accuracy"], String(format: "%.4f", s.mean))
            XCTAssertEqual(row["test_accuracy_std"], String(format: "%.4f", s.std!))
            XCTAssertEqual(row["test_accuracy_ci95_low"], String(format: "%.4f", max(0, s.ci95!.lowerBound)))
        }
        let pairs = try csvRows(out.appendingPathComponent("significance.csv"), header: ["model_a", "model_b", "seeds"])
        XCTAssertEqual(pairs.count, 1)
        XCTAssertEqual(pairs[0]["test"], "paired t across 3 seeds")
        XCTAssertEqual(pairs[0]["mcnemar_p_holm"]?.split(separator: " ").count, 3)
        // The learning curve keeps every seed's epochs.
        let curve = try csvRows(out.appendingPathComponent("learning-curve-mlp.csv"), header: ["seed", "epoch"])
        XCTAssertEqual(Set(curve.map { $0["seed"]! }), ["0", "1", "2"])
        let both = try run("digits", ["--quick", "--seed", "1", "--seeds", "0-2", "--models", "logreg", "--out", tmp.path])
        XCTAssertNotEqual(both.status, 0)
        XCTAssertTrue(both.err.contains("--seed and --seeds"), both.err)
    }

    func testBagOfWordsQuickWritesTheContract() throws {
        let r = try run("bovw", ["--quick", "--out", tmp.path])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = try csvRows(tmp.appendingPathComponent("sweep.csv"),
                               header: ["sweep", "descriptor", "encoding", "codebook_size", "patch_size", "pooling", "features", "n", "test_accuracy"])
        XCTAssertEqual(Set(rows.map { $0["sweep"]! }), ["codebook", "pooling", "patch", "ablation"])
        let sweeps = rows.filter { $0["sweep"] != "ablation" }, ablation = rows.filter { $0["sweep"] == "ablation" }
        XCTAssertEqual(Set(sweeps.map { $0["encoding"]! }), ["hard", "triangle"])
        XCTAssertEqual(Set(sweeps.map { $0["descriptor"]! }), ["patch"])
        assertFractions(rows, ["test_accuracy"])
        // features = words × pooling cells.
        for row in sweeps {
            let cells = row["pooling"]!.split(separator: "+").map { Int($0.prefix(while: \.isNumber))! }.map { $0 * $0 }.reduce(0, +)
            XCTAssertEqual(Int(row["features"]!), Int(row["codebook_size"]!)! * cells)
        }
        // The ablation crosses every descriptor with every encoding once, pooled 1×1 + 2×2 (5 cells):
        // K per cell for hard and triangle, KD for VLAD and 2KD for Fisher on the same PCA dimensions.
        XCTAssertEqual(ablation.count, 12)
        XCTAssertEqual(Set(ablation.map { "\($0["descriptor"]!)-\($0["encoding"]!)" }).count, 12)
        XCTAssertEqual(Set(ablation.map { $0["descriptor"]! }), ["patch", "hog", "sift"])
        XCTAssertEqual(Set(ablation.map { $0["encoding"]! }), ["hard", "triangle", "vlad", "fisher"])
        for row in ablation {
            XCTAssertEqual(row["pooling"], "1x1+2x2")
            let k = Int(row["codebook_size"]!)!, features = Int(row["features"]!)!
            switch row["encoding"]! {
            case "hard", "triangle": XCTAssertEqual(features, 5 * k)
            case "vlad": XCTAssertEqual(features % (5 * k), 0)
            default: XCTAssertEqual(features % (5 * 2 * k), 0)
            }
            // Every pipeline learned something: far above chance (10 %).
            XCTAssertGreaterThan(Double(row["test_accuracy"]!)!, 0.5, "\(row["descriptor"]!)-\(row["encoding"]!)")
        }
        exists(["ablation.png", "ablation.ppm"], in: tmp)
        exists(["sweep.md", "accuracy-vs-codebook.png", "codebook-hard.png", "codebook-triangle.ppm"], in: tmp)
    }

    func testCapacityQuickWritesTheContract() throws {
        let r = try run("capacity", ["--quick", "--out", tmp.path])
        XCTAssertEqual(r.status, 0, r.err)
        let rows = try csvRows(tmp.appendingPathComponent("capacity.csv"),
                               header: ["depth", "width", "activation", "parameters", "multiply_adds", "n", "test_accuracy"])
        XCTAssertEqual(rows.count, 2 * 2 * 3)
        assertFractions(rows, ["test_accuracy", "train_accuracy"])
        // One hidden layer of 16 units on 784 inputs and 10 classes: 784·16 + 16 + 16·10 + 10 values.
        XCTAssertEqual(rows.first { $0["depth"] == "1" && $0["width"] == "16" }?["parameters"], "12730")
        exists(["capacity.md", "accuracy-vs-parameters.png", "accuracy-vs-time.png", "accuracy-vs-time.svg", "command.txt", "mlp-first-layer.png", "lenet5-filters.png"], in: tmp)
    }

    func testBadInputExitsNonZeroWithOneSentenceAndKeepsEarlierResults() throws {
        let out = tmp.appendingPathComponent("digits")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let earlier = out.appendingPathComponent("comparison.csv")
        try "model,test_accuracy\nearlier,0.5\n".write(to: earlier, atomically: true, encoding: .utf8)
        let missing = try run("digits", ["--data", tmp.appendingPathComponent("no-such-folder").path, "--out", out.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("no-such-folder"), missing.err)
        XCTAssertEqual(missing.err.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").count, 1, missing.err)
        XCTAssertEqual(try String(contentsOf: earlier, encoding: .utf8), "model,test_accuracy\nearlier,0.5\n")
        let badOption = try run("bovw", ["--no-such-option"])
        XCTAssertNotEqual(badOption.status, 0)
        let badModel = try run("digits", ["--models", "svm"])
        XCTAssertNotEqual(badModel.status, 0)
        XCTAssertTrue(badModel.err.contains("svm"), badModel.err)
    }

    func testCommandLineTrainsSavesAndClassifies() throws {
        // A tiny image folder: 12 dark and 12 bright 8×8 gray images, with a little texture.
        let data = tmp.appendingPathComponent("images")
        for (name, level) in [("dark", 40), ("bright", 210)] {
            let folder = data.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for i in 0..<12 {
                var bytes = Array("P5\n8 8\n255\n".utf8)
                bytes += (0..<64).map { UInt8(level + ($0 * 7 + i * 3) % 30) }
                try Data(bytes).write(to: folder.appendingPathComponent("\(name)-\(i).pgm"))
            }
        }
        let model = tmp.appendingPathComponent("model")
        let train = try run("cvd", ["train", "--model", "logreg", "--data", data.path, "--out", model.path, "--size", "8"])
        XCTAssertEqual(train.status, 0, train.err)
        let classify = try run("cvd", ["classify", "--model", model.path, data.appendingPathComponent("bright").path, "--csv"])
        XCTAssertEqual(classify.status, 0, classify.err)
        let lines = classify.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "file,label,probability")
        XCTAssertEqual(lines.count, 13)
        for line in lines.dropFirst() {
            let cells = line.split(separator: ",")
            XCTAssertEqual(cells[1], "bright", line)
            XCTAssertTrue((0.5...1).contains(Double(cells[2])!), line)
        }
        let missing = try run("cvd", ["classify", "--model", tmp.appendingPathComponent("none").path, data.path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.err.contains("no saved model"), missing.err)
    }
}
