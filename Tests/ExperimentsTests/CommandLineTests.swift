// The command-line contract of `cvd` and the experiments: every setting of the catalogue is an
// option, bad values are one sentence naming the option and its range, `cvd run -- OPTIONS` passes
// options through, `cvd train --test` / `cvd evaluate` / `classify --top --json` report, and a
// save killed at any moment leaves one consistent model.
import Experiments
import Foundation
import XCTest

final class SettingsCatalogueTests: XCTestCase {
    func testEveryCatalogueSettingIsAnOptionWithItsDefault() throws {
        for entry in ModelCatalog.entries {
            let defaults = try entry.settings()
            for h in entry.hyperparameters {
                let text = defaults[h.name]!.description
                let options = try SettingOptions.parse(["--\(h.name)", text])
                XCTAssertEqual(options.given.map(\.name), [h.name], "--\(h.name) is not an option")
                XCTAssertEqual(try options.settings(for: entry), defaults, "\(entry.name) --\(h.name) \(text)")
            }
        }
    }

    func testBadValuesNameTheOptionAndItsRange() throws {
        let lenet = try ModelCatalog.entry("lenet5")
        for (option, value, expected) in [("lr", "-1", "a number > 0"), ("batch-size", "0", "1...65536"),
                                          ("optimizer", "rmsprop", "one of sgd, momentum, nesterov, adam"), ("epochs", "two", "whole number")] {
            let options = try SettingOptions.parse(["--\(option)", value])
            XCTAssertThrowsError(try options.settings(for: lenet)) { error in
                XCTAssertTrue("\(error)".contains("--\(option)") && "\(error)".contains(expected), "\(error)")
            }
        }
        // A setting of another model is refused, naming the models that have it.
        let k = try SettingOptions.parse(["--k", "3"])
        XCTAssertThrowsError(try k.check(against: [lenet], context: "--model lenet5")) { XCTAssertTrue("\($0)".contains("knn"), "\($0)") }
        XCTAssertEqual(try k.settings(for: try ModelCatalog.entry("knn")).int("k"), 3)
        XCTAssertEqual(try ModelCatalog.entry("knn").rowName(try k.settings(for: try ModelCatalog.entry("knn"))), "knn3")
    }

    func testSavedSettingsAreCheckedAgainstTheCatalogue() throws {
        let mlp = try ModelCatalog.entry("mlp")
        var s = try mlp.settings()
        XCTAssertNoThrow(try mlp.checkSaved(s))
        s["hidden"] = .ints([0])
        XCTAssertThrowsError(try mlp.checkSaved(s)) { XCTAssertTrue("\($0)".contains("--hidden"), "\($0)") }
        s["hidden"] = .ints([10])
        s["k"] = .int(3)
        XCTAssertThrowsError(try mlp.checkSaved(s)) { XCTAssertTrue("\($0)".contains("k"), "\($0)") }
    }
}

final class CommandLineTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("cvd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    @discardableResult
    func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runExecutable(name, arguments)
    }

    /// `count` dark and `count` bright 8×8 gray images per class folder under `folder`.
    func makeFolder(_ folder: URL, count: Int, offset: Int = 0) throws {
        for (name, level) in [("dark", 40), ("bright", 200)] {
            let sub = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
            for i in 0..<count {
                var bytes = Array("P5\n8 8\n255\n".utf8)
                bytes += (0..<64).map { UInt8(level + ($0 * 7 + (i + offset) * 3) % 40) }
                try Data(bytes).write(to: sub.appendingPathComponent("\(name)-\(i).pgm"))
            }
        }
    }

    func testHelpListsEverySettingAndBadOptionsAreOneSentence() throws {
        let help = try run("cvd", ["train", "--help"])
        for h in ModelCatalog.allHyperparameters { XCTAssertTrue(help.out.contains("--\(h.name) "), "cvd train --help lacks --\(h.name)") }
        XCTAssertTrue(try run("digits", ["--help"]).out.contains("--lr"))
        let data = tmp.appendingPathComponent("images")
        try makeFolder(data, count: 6)
        let bad = try run("cvd", ["train", "--model", "lenet5", "--data", data.path, "--out", tmp.appendingPathComponent("m").path, "--lr", "0"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--lr") && bad.err.contains("> 0"), bad.err)
        XCTAssertEqual(bad.err.split(separator: "\n").count, 1, bad.err)
        let other = try run("cvd", ["train", "--model", "logreg", "--data", data.path, "--out", tmp.appendingPathComponent("m").path, "--k", "3"])
        XCTAssertNotEqual(other.status, 0)
        XCTAssertTrue(other.err.contains("--k") && other.err.contains("knn"), other.err)
        // A file where the model folder should go is refused before any training.
        let file = tmp.appendingPathComponent("afile")
        try Data("x".utf8).write(to: file)
        let onFile = try run("cvd", ["train", "--model", "logreg", "--data", data.path, "--out", file.path, "--size", "8"])
        XCTAssertNotEqual(onFile.status, 0)
        XCTAssertTrue(onFile.err.contains("is a file"), onFile.err)
        let empty = try run("cvd", ["train", "--model", "logreg", "--data", data.path, "--out", ""])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.err.contains("--out"), empty.err)
        let digitsEmpty = try run("digits", ["--quick", "--models", "logreg", "--out", ""])
        XCTAssertNotEqual(digitsEmpty.status, 0)
        XCTAssertTrue(digitsEmpty.err.contains("--out must name a folder"), digitsEmpty.err)
        let folderAsCheckpoint = tmp.appendingPathComponent("checkpoint.safetensors")
        try FileManager.default.createDirectory(at: folderAsCheckpoint, withIntermediateDirectories: true)
        let onFolder = try run("cvd", ["train", "--model", "mlp", "--data", data.path, "--out", tmp.appendingPathComponent("m").path,
                                       "--size", "8", "--checkpoint", folderAsCheckpoint.path, "--resume"])
        XCTAssertNotEqual(onFolder.status, 0)
        XCTAssertTrue(onFolder.err.contains("--checkpoint") && onFolder.err.contains("is a folder"), onFolder.err)
        let digitsOnFile = try run("digits", ["--quick", "--models", "logreg", "--out", file.path])
        XCTAssertNotEqual(digitsOnFile.status, 0)
        XCTAssertTrue(digitsOnFile.err.contains("is a file") && !digitsOnFile.err.contains("[digits 1/1"), digitsOnFile.err)
    }

    /// Numbers on the command line: a negative seed or epoch count is refused with the option's
    /// range, a test part too small to hold one image names the smallest that does, and no
    /// message carries a Foundation error code.
    func testNumbersOutOfRangeNameTheRange() throws {
        let data = tmp.appendingPathComponent("images")
        try makeFolder(data, count: 6)
        let out = tmp.appendingPathComponent("m").path
        let train = ["train", "--model", "logreg", "--data", data.path, "--out", out, "--size", "8"]
        var messages: [String] = []
        for (name, arguments, expected) in [
            ("cvd", train + ["--seed", "-1"], "--seed must be a whole number in 0...18446744073709551615, got \"-1\""),
            ("digits", ["--quick", "--models", "logreg", "--seed", "-1", "--out", out], "--seed must be a whole number in 0..."),
            ("cvd", ["train", "--model", "mlp", "--data", data.path, "--out", out, "--epochs", "-3"], "--epochs must be a whole number in 1...100000, got \"-3\""),
            ("cvd", train + ["--test-fraction", "1e-300"], "leaves no sample to test on; choose at least 0.0417"),
        ] {
            let r = try run(name, arguments)
            XCTAssertNotEqual(r.status, 0, r.err)
            XCTAssertTrue(r.err.contains(expected), r.err)
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
            messages.append(r.err)
        }
        // The lower edge of the seed's range is accepted.
        XCTAssertEqual(try run("cvd", train + ["--seed", "0"]).status, 0)
        // An unreadable data folder and an output below a file: the system's reason, no Foundation code.
        let blocked = tmp.appendingPathComponent("afile")
        try Data("x".utf8).write(to: blocked)
        messages.append(try run("cvd", train.map { $0 == out ? blocked.appendingPathComponent("m").path : $0 }).err)
        messages.append(try run("cvd", ["classify", "--model", out, blocked.path]).err)
        for m in messages { XCTAssertFalse(m.contains("NSCocoaErrorDomain") || m.contains("error 5"), m) }
    }

    /// A disk that fills up while the tables are written (simulated with a file-size limit, the
    /// signal it raises ignored, so every write past the limit fails as on a full disk): the run
    /// fails with a sentence and the folder keeps the previous run's tables, byte for byte.
    func testAFullDiskLeavesThePreviousTables() throws {
        let out = tmp.appendingPathComponent("out")
        let digits = ExperimentRunTests.productsFolder.appendingPathComponent("digits").path
        XCTAssertEqual(try run("digits", ["--quick", "--models", "logreg", "--out", out.path]).status, 0)
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            let walker = FileManager.default.enumerator(atPath: out.path)
            while let name = walker?.nextObject() as? String {
                var isFolder: ObjCBool = false
                let path = out.appendingPathComponent(name).path
                if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                    files[name] = try Data(contentsOf: URL(fileURLWithPath: path))
                }
            }
            return files
        }
        let before = try snapshot()
        XCTAssertFalse(before.isEmpty)
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        // 4 blocks: the small tables fit, the first picture does not.
        shell.arguments = ["-c", "ulimit -f 4 && trap '' XFSZ && exec \"$0\" --quick --models logreg --seed 1 --out \"$1\"", digits, out.path]
        let err = Pipe()
        shell.standardError = err
        shell.standardOutput = FileHandle.nullDevice
        try shell.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        XCTAssertNotEqual(shell.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("File too large"), text)
        XCTAssertEqual(try snapshot(), before)
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: tmp.path).contains { $0.contains(".staging-") })
    }

    /// Two runs into one output folder: the second is refused with a sentence while the first
    /// writes, and the first's tables are whole.
    func testASecondRunIntoTheSameFolderIsRefused() throws {
        let out = tmp.appendingPathComponent("out")
        let first = Process()
        first.executableURL = ExperimentRunTests.productsFolder.appendingPathComponent("digits")
        first.arguments = ["--quick", "--models", "logreg,knn,mlp", "--out", out.path]
        let err = Pipe()
        first.standardError = err
        first.standardOutput = FileHandle.nullDevice
        try first.run()
        var seen = ""
        while !seen.contains("training, ") {   // the data are loaded: the folder is held
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        DispatchQueue.global().async { _ = err.fileHandleForReading.readDataToEndOfFile() }  // never a full pipe
        let second = try run("digits", ["--quick", "--models", "logreg", "--out", out.path])
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.err.contains("another run is writing"), second.err)
        let table = try String(contentsOf: out.appendingPathComponent("mnist5k/comparison.csv"), encoding: .utf8)
        XCTAssertEqual(table.split(separator: "\n").count, 4, table)
    }

    func testRunPassesOptionsThroughToTheExperiments() throws {
        let results = tmp.appendingPathComponent("results")
        let r = try run("cvd", ["run", "toy2d", "--results", results.path, "--", "--quick", "--seed", "1", "--k", "3"])
        XCTAssertEqual(r.status, 0, r.err)
        let table = try String(contentsOf: results.appendingPathComponent("toy2d/accuracy-seeds.csv"), encoding: .utf8)
        XCTAssertTrue(table.contains(",knn3,"), table)
        XCTAssertTrue(table.contains(",knn3,1,") && !table.contains(",knn3,0,"), "seed 1 (alone) did not reach toy2d: \(table)")
        let refused = try run("cvd", ["run", "bovw", "--results", results.path, "--", "--quick", "--hidden", "10"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("--hidden"), refused.err)
    }

    func testTrainWithATestFolderEvaluateAndClassifyTopJSON() throws {
        let train = tmp.appendingPathComponent("train"), test = tmp.appendingPathComponent("test")
        try makeFolder(train, count: 12)
        try makeFolder(test, count: 5, offset: 100)
        let model = tmp.appendingPathComponent("model")
        let r = try run("cvd", ["train", "--model", "mlp", "--data", train.path, "--test", test.path, "--test-fraction", "0",
                                "--size", "8", "--epochs", "5", "--hidden", "8", "--out", model.path])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("on 24 images"), r.out)
        for name in ["model.json", "learning-curve.csv", "learning-curve.png", "evaluation/summary.json", "evaluation/confusion.csv",
                     "evaluation/confusion.png", "evaluation/per-class.csv", "evaluation/mistakes.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: model.appendingPathComponent(name).path), "missing \(name)")
        }
        let card = try readModelCard(model.path)
        XCTAssertEqual(card.heldOutSamples, 10)
        XCTAssertEqual(card.settings.ints("hidden"), [8])

        let e = try run("cvd", ["evaluate", "--model", model.path, test.path, "--json", "--out", tmp.appendingPathComponent("report").path])
        XCTAssertEqual(e.status, 0, e.err)
        let summary = try JSONDecoder().decode(EvaluationSummary.self, from: Data(e.out.utf8))
        XCTAssertEqual(summary.images, 10)
        XCTAssertEqual(summary.confusion.flatMap { $0 }.reduce(0, +), 10)
        XCTAssertEqual(summary.classes.map(\.name), card.classNames)

        let c = try run("cvd", ["classify", "--model", model.path, test.appendingPathComponent("dark").path, "--top", "2", "--json"])
        XCTAssertEqual(c.status, 0, c.err)
        let rows = try JSONSerialization.jsonObject(with: Data(c.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(rows.count, 5)
        for row in rows {
            let classes = row["classes"] as! [[String: Any]]
            XCTAssertEqual(classes.count, 2)
            let p = classes.map { $0["probability"] as! Double }
            XCTAssertGreaterThanOrEqual(p[0], p[1])
            XCTAssertEqual(p[0] + p[1], 1, accuracy: 1e-4)
        }
    }

    /// SIGKILL at many moments of a `cvd train` that saves over an existing model: afterwards the
    /// folder always holds one model that loads (the old or the new one), never a mix.
    func testAKilledSaveLeavesTheOldModelOrTheNewOne() throws {
        let data = tmp.appendingPathComponent("images")
        try makeFolder(data, count: 40)
        let model = tmp.appendingPathComponent("model")
        func train(seed: Int) -> [String] {
            ["train", "--model", "knn", "--k", "3", "--data", data.path, "--out", model.path, "--size", "16", "--seed", String(seed)]
        }
        XCTAssertEqual(try run("cvd", train(seed: 1)).status, 0)
        let old = try readModelCard(model.path)
        // How long a whole run takes, to spread the kills over it.
        let clock = Date()
        XCTAssertEqual(try run("cvd", train(seed: 2)).status, 0)
        let duration = Date().timeIntervalSince(clock)
        var seen = Set<UInt64>()
        for attempt in 0..<12 {
            let process = Process()
            process.executableURL = ExperimentRunTests.productsFolder.appendingPathComponent("cvd")
            process.arguments = train(seed: 3 + attempt % 2)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(duration * 1e6 * (0.3 + 0.7 * Double(attempt) / 11)))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let loaded = try loadModel(model.path)
            XCTAssertEqual(loaded.card.classNames, old.classNames)
            seen.insert(loaded.card.seed)
            let learned = try FileManager.default.contentsOfDirectory(atPath: model.path).filter { $0.hasPrefix("learned-") }
            XCTAssertTrue(learned.contains(loaded.card.learnedFile))
        }
        XCTAssertFalse(seen.isEmpty)
    }
}
