// The multi-seed statistics against SciPy and statsmodels (fixture written by
// benchmarks/reference/stats_reference.py), and the seed tables built on them.
import Experiments
import Foundation
import XCTest

final class StatisticsTests: XCTestCase {
    struct Fixture: Decodable {
        struct Quantile: Decodable { var p: Double; var df: Double; var t: Double }
        struct PValue: Decodable { var t: Double; var df: Double; var p: Double }
        struct Interval: Decodable { var values: [Double]; var mean: Double; var std: Double; var low: Double; var high: Double }
        struct Paired: Decodable { var a: [Double]; var b: [Double]; var t: Double; var p: Double }
        struct McNemar: Decodable { var b: Int; var c: Int; var p: Double }
        struct Holm: Decodable { var p: [Double]; var adjusted: [Double] }
        var quantiles: [Quantile]
        var pvalues: [PValue]
        var intervals: [Interval]
        var paired: [Paired]
        var mcnemar: [McNemar]
        var holm: [Holm]
    }

    static let fixture: Fixture = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/statistics.json")
        return try! JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }()

    func testStudentTQuantilesAndPValuesMatchSciPy() {
        for q in Self.fixture.quantiles {
            XCTAssertEqual(Statistics.studentTQuantile(q.p, df: q.df), q.t, accuracy: 1e-9 * max(1, abs(q.t)), "t_\(q.p), df \(q.df)")
        }
        for v in Self.fixture.pvalues {
            XCTAssertEqual(Statistics.studentTTwoSidedP(v.t, df: v.df), v.p, accuracy: 1e-12 + 1e-9 * v.p, "t \(v.t), df \(v.df)")
        }
    }

    func testConfidenceIntervalsMatchSciPy() throws {
        for c in Self.fixture.intervals {
            let s = Summary(c.values)
            XCTAssertEqual(s.n, c.values.count)
            XCTAssertEqual(s.mean, c.mean, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(s.std), c.std, accuracy: 1e-12)
            XCTAssertEqual(try XCTUnwrap(s.ci95).lowerBound, c.low, accuracy: 1e-9)
            XCTAssertEqual(try XCTUnwrap(s.ci95).upperBound, c.high, accuracy: 1e-9)
        }
        // One value: a mean, no spread, no interval.
        let one = Summary([0.9])
        XCTAssertEqual(one.mean, 0.9)
        XCTAssertNil(one.std)
        XCTAssertNil(one.ci95)
    }

    func testPairedTTestMcNemarAndHolmMatchTheReference() throws {
        for c in Self.fixture.paired {
            let r = try XCTUnwrap(Statistics.pairedTTest(c.a, c.b))
            XCTAssertEqual(r.t, c.t, accuracy: 1e-8 * max(1, abs(c.t)))
            XCTAssertEqual(r.p, c.p, accuracy: 1e-9)
        }
        for c in Self.fixture.mcnemar {
            XCTAssertEqual(Statistics.mcnemarExactP(b: c.b, c: c.c), c.p, accuracy: 1e-12, "b \(c.b), c \(c.c)")
        }
        for c in Self.fixture.holm {
            let got = Statistics.holm(c.p)
            for (g, w) in zip(got, c.adjusted) { XCTAssertEqual(g, w, accuracy: 1e-12) }
        }
        XCTAssertNil(Statistics.pairedTTest([0.9], [0.8]), "one pair has no spread")
        XCTAssertEqual(Statistics.pairedTTest([0.9, 0.8], [0.9, 0.8])?.p, 1)
    }

    func testSeedListsAndTheirErrors() throws {
        XCTAssertEqual(try parseSeeds("0-4"), [0, 1, 2, 3, 4])
        XCTAssertEqual(try parseSeeds("3"), [3])
        XCTAssertEqual(try parseSeeds("0-2,10"), [0, 1, 2, 10])
        for bad in ["", "a", "4-2", "1,,2", "-3", "0-5000", "1,1"] {
            XCTAssertThrowsError(try parseSeeds(bad), bad) { e in
                XCTAssertTrue(String(describing: e).contains("--seeds"), String(describing: e))
            }
        }
        let bits = [true, false, false, true, true, true, false]
        XCTAssertEqual(CorrectBits.encode(bits), "9c")
        XCTAssertEqual(CorrectBits.decode("9c", count: 7), bits)
        XCTAssertNil(CorrectBits.decode("9z", count: 7))
        XCTAssertNil(CorrectBits.decode("9e0", count: 7))
    }

    /// Two models on four seeds of a 40-image test set: the summary, the significance verdict and the
    /// headline, and the same tables from the files written and read back.
    func testSeedTablesSummaryAndSignificance() throws {
        var results = Table(columns: ["model", "family", "seed", "test_accuracy", "fit_seconds"])
        var correct = Table(columns: ["model", "family", "seed", "test_count", "test_fingerprint", "correct"])
        let rightA = [36, 37, 36, 38], rightB = [30, 31, 29, 30]
        for seed in 0..<4 {
            for (name, family, right) in [("svm", "classical", rightA[seed]), ("cnn", "deep", rightB[seed])] {
                // The first `right` images right; the deep model's mistakes are a superset of the classical one's.
                let bits = (0..<40).map { $0 < right }
                results.append([.text(name), .text(family), .int(seed), .fraction(Double(right) / 40), .seconds(Double(seed) + 0.5)])
                correct.append([.text(name), .text(family), .int(seed), .int(40), .text("f\(seed)"), .text(CorrectBits.encode(bits))])
            }
        }
        let runs = SeedRuns(results: results, correct: correct)
        let (csv, md) = runs.summary()
        XCTAssertEqual(csv.columns, ["model", "family", "n", "test_accuracy", "test_accuracy_std", "test_accuracy_ci95_low", "test_accuracy_ci95_high",
                                     "fit_seconds", "fit_seconds_std", "fit_seconds_ci95_low", "fit_seconds_ci95_high"])
        let svm = csv.rows[0].map(\.csv)
        XCTAssertEqual(svm[0], "svm")
        XCTAssertEqual(svm[2], "4")
        let accuracies = rightA.map { Double($0) / 40 }
        let s = Summary(accuracies)
        XCTAssertEqual(svm[3], String(format: "%.4f", s.mean))
        XCTAssertEqual(svm[4], String(format: "%.4f", s.std!))
        XCTAssertTrue(md.markdown.contains("±"), md.markdown)

        let sig = try XCTUnwrap(try runs.significance())
        XCTAssertEqual(sig.table.rows.count, 1)
        let row = Dictionary(uniqueKeysWithValues: zip(sig.table.columns, sig.table.rows[0].map(\.csv)))
        XCTAssertEqual(row["model_a"], "svm")
        XCTAssertEqual(row["seeds"], "4")
        // b = 6–8 images only the SVM got right, c = 0: McNemar's p = 2 · 0.5^b per seed.
        XCTAssertEqual(row["mcnemar_significant"], "4 of 4")
        let t = try XCTUnwrap(Statistics.pairedTTest(accuracies, rightB.map { Double($0) / 40 }))
        XCTAssertEqual(row["paired_t"], String(format: "%.3f", t.t))
        XCTAssertTrue(row["verdict"]!.hasPrefix("svm better"), row["verdict"]!)
        XCTAssertEqual(sig.headline.count, 1)
        XCTAssertTrue(sig.headline[0].contains("best classical svm against best deep cnn"), sig.headline[0])

        // Written and read back: the same bytes again.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("seed-tables-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try runs.write(to: folder, stem: "comparison")
        let first = try ["comparison.csv", "comparison.md", "significance.csv", "significance.md"].map {
            try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)
        }
        let back = try SeedRuns.read(folder: folder, stem: "comparison")
        // Combined from two halves given in either order: the same tables.
        let halves = [0, 1].map { half -> SeedRuns in
            var r = Table(columns: back.results.columns), c = Table(columns: back.correct!.columns)
            for row in back.results.rows where (Int(row[2].csv)! % 2) == half { r.append(row) }
            for row in back.correct!.rows where (Int(row[2].csv)! % 2) == half { c.append(row) }
            return SeedRuns(results: r, correct: c)
        }
        let order: ([String], [String]) -> Bool = { a, b in (a[0] == "svm" ? 0 : 1) < (b[0] == "svm" ? 0 : 1) }
        for parts in [halves, halves.reversed()] {
            let merged = try SeedRuns.combine(parts, source: "test", keyOrder: order)
            try merged.write(to: folder, stem: "comparison")
            let again = try ["comparison.csv", "comparison.md", "significance.csv", "significance.md"].map {
                try String(contentsOfFile: folder + "/" + $0, encoding: .utf8)
            }
            XCTAssertEqual(again, first)
        }
        // The same run twice is refused, naming the row.
        XCTAssertThrowsError(try SeedRuns.combine([halves[0], halves[0]], source: "test", keyOrder: order)) { e in
            XCTAssertTrue(String(describing: e).contains("twice"), String(describing: e))
        }
    }

    func testOneSeedFallsBackToMcNemar() throws {
        var results = Table(columns: ["model", "seed", "test_accuracy"])
        var correct = Table(columns: ["model", "seed", "test_count", "test_fingerprint", "correct"])
        for (name, right) in [("a", 90), ("b", 88)] {
            results.append([.text(name), .int(0), .fraction(Double(right) / 100)])
            correct.append([.text(name), .int(0), .int(100), .text("x"), .text(CorrectBits.encode((0..<100).map { $0 < right }))])
        }
        let sig = try XCTUnwrap(try SeedRuns(results: results, correct: correct).significance())
        let row = Dictionary(uniqueKeysWithValues: zip(sig.table.columns, sig.table.rows[0].map(\.csv)))
        XCTAssertEqual(row["test"], "McNemar exact (1 seed)")
        // b = 2, c = 0: p = 0.5.
        XCTAssertEqual(row["p_holm"], "0.500")
        XCTAssertTrue(row["verdict"]!.hasPrefix("no significant difference"), row["verdict"]!)
        let summary = SeedRuns(results: results, correct: correct).summary().csv
        XCTAssertEqual(summary.rows[0].map(\.csv), ["a", "1", "0.9000", "", "", ""])
    }
}
