// results/README.md: sections in the order the experiments run, the default data set before the
// others, toy problems in the lectures' order, models in catalogue order, numbers as numbers.
import Experiments
import Foundation
import XCTest

final class ResultsReadmeTests: XCTestCase {
    func testFilesComeInTheOrderAReaderExpects() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("readme-order-\(ProcessInfo.processInfo.processIdentifier)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = [
            "capacity/capacity.md", "bovw/sweep.md", "toy2d/accuracy.md",
            "toy2d/two-pockets-logreg.png", "toy2d/diagonal-band-mlp-h10.png", "toy2d/diagonal-band-mlp-h2.png",
            "toy2d/diagonal-band-knn5.png", "toy2d/diagonal-band-logreg.png",
            "digits/fashion-mnist/comparison.md", "digits/mnist5k/confusion-lenet5.md",
            "digits/mnist5k/confusion-logreg.md", "digits/mnist5k/comparison.md",
        ]
        for f in files {
            let path = root + "/" + f
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data((f.hasSuffix(".md") ? "| a |\n|---|\n| \(f) |\n" : "").utf8).write(to: URL(fileURLWithPath: path))
        }
        try writeResultsReadme(results: root)
        let text = try String(contentsOfFile: root + "/README.md", encoding: .utf8)
        func place(_ s: String) throws -> Int {
            let r = try XCTUnwrap(text.range(of: s), "\(s) is missing")
            return text.distance(from: text.startIndex, to: r.lowerBound)
        }
        let expected = ["## toy2d", "toy2d/accuracy.md", "toy2d/diagonal-band-logreg.png", "toy2d/diagonal-band-knn5.png",
                        "toy2d/diagonal-band-mlp-h2.png", "toy2d/diagonal-band-mlp-h10.png", "toy2d/two-pockets-logreg.png",
                        "## digits", "digits/mnist5k/comparison.md", "digits/mnist5k/confusion-logreg.md",
                        "digits/mnist5k/confusion-lenet5.md", "digits/fashion-mnist/comparison.md", "## bovw", "## capacity"]
        let places = try expected.map(place)
        for (i, (a, b)) in zip(places, places.dropFirst()).enumerated() {
            XCTAssertLessThan(a, b, "\(expected[i]) should come before \(expected[i + 1])")
        }
    }

    func testFirstLineNamesTheCommandsAndWarnsOfQuickRuns() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("readme-commands-\(ProcessInfo.processInfo.processIdentifier)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runs = ["toy2d": "toy2d --seeds 0-4", "digits/mnist5k": "digits --quick", "digits/fashion-mnist": "digits --data fashion", "bovw": "bovw"]
        for (folder, command) in runs {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            try Data("\(command)\n".utf8).write(to: URL(fileURLWithPath: root + "/" + folder + "/command.txt"))
            try Data("| a |\n|---|\n| 1 |\n".utf8).write(to: URL(fileURLWithPath: root + "/" + folder + "/table.md"))
        }
        try writeResultsReadme(results: root)
        let lines = try String(contentsOfFile: root + "/README.md", encoding: .utf8).split(separator: "\n")
        let first = String(lines[1])
        // In the order the page shows them: the default data set (MNIST-5k) before Fashion-MNIST.
        XCTAssertTrue(first.contains("`toy2d --seeds 0-4` → toy2d; `digits --quick` → digits/mnist5k; `digits --data fashion` → digits/fashion-mnist; `bovw` → bovw"), first)
        XCTAssertTrue(first.contains("**digits/mnist5k is from a `--quick` run**"), first)
        // Without a quick run there is no warning; without any record the page still says what makes it.
        try FileManager.default.removeItem(atPath: root + "/digits")
        try writeResultsReadme(results: root)
        XCTAssertFalse(try String(contentsOfFile: root + "/README.md", encoding: .utf8).contains("--quick` run"))
    }

    func testRecordedCommandLeavesOutWhereAndHowTheResultsAreMade() {
        XCTAssertEqual(recordedCommand(["/x/.build/release/digits", "--seeds", "0-4", "--out", "/tmp/a", "--threads=2", "--resume",
                                        "--checkpoints", "c", "--data", "my folder/x"]),
                       "digits --seeds 0-4 --data 'my folder/x'")
        XCTAssertEqual(recordedCommand(["toy2d"]), "toy2d")
    }
}
