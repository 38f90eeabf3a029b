// cvd sweep, end to end on the built executables: plan → run → merge gives the tables of one run;
// the merge does not depend on the order the task folders are read in; a missing task is named and
// only it runs again; a bad grid is refused with a sentence.
import Experiments
import Foundation
import XCTest

final class SweepTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    var bin: String { ExperimentRunTests.productsFolder.path }

    @discardableResult
    func cvd(_ arguments: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> (out: String, err: String) {
        let r = try runExecutable("cvd", arguments)
        XCTAssertEqual(r.status, status, "cvd \(arguments.joined(separator: " ")): \(r.err)", file: file, line: line)
        return (r.out, r.err)
    }

    func path(_ name: String) -> String { tmp.appendingPathComponent(name).path }

    func text(_ p: String) throws -> String { try String(contentsOfFile: p, encoding: .utf8) }

    /// Every file under `folder`, relative, sorted.
    func files(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? [])
            .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: folder + "/" + $0, isDirectory: &d) && !d.boolValue }
            .sorted()
    }

    /// A CSV table's text without its timing columns (any column named *_seconds*).
    func withoutTimes(_ p: String) throws -> String {
        let t = try readCSVTable(p)
        let keep = t.columns.indices.filter { !t.columns[$0].contains("_seconds") }
        var out = Table(columns: keep.map { t.columns[$0] })
        for r in t.rows { out.append(keep.map { r[$0] }) }
        return out.csv
    }

    // MARK: -

    func testPlanRunMergeGivesTheTablesOfOneRun() throws {
        let sweep = path("sweep")
        try cvd(["sweep", "plan", "--out", sweep, "--experiment", "toy2d,digits", "--models", "logreg,knn", "--seeds", "0-1",
                 "--quick", "--threads", "1", "--bin", bin])
        let manifest = try text(sweep + "/manifest.txt").split(separator: "\n")
        XCTAssertEqual(manifest.count, 6)   // toy2d × 2 seeds, digits × 2 models × 2 seeds
        XCTAssertTrue(manifest.allSatisfy { $0.hasPrefix("/") }, "the commands start with an absolute path")
        XCTAssertTrue(manifest[2].contains("--checkpoints \(sweep)/tasks/0003/checkpoints"), String(manifest[2]))
        let run = try cvd(["sweep", "run", sweep, "--jobs", "2", "--engine", "xargs"])
        XCTAssertTrue(run.out.contains("ran 6 tasks: 6 succeeded, 0 failed"), run.out)
        try cvd(["sweep", "merge", sweep, "--no-times"])

        // The same seeds in one process each.
        let one = path("one")
        XCTAssertEqual(try runExecutable("toy2d", ["--quick", "--seeds", "0-1", "--threads", "1", "--out", one + "/toy2d"]).status, 0)
        XCTAssertEqual(try runExecutable("digits", ["--quick", "--models", "logreg,knn", "--seeds", "0-1", "--threads", "1", "--out", one + "/digits"]).status, 0)
        let merged = sweep + "/merged"
        for f in ["accuracy.csv", "accuracy.md", "significance.csv", "significance.md"] {
            XCTAssertEqual(try text(merged + "/toy2d/" + f), try text(one + "/toy2d/" + f), "toy2d \(f)")
        }
        for f in ["significance.csv", "significance.md"] {
            XCTAssertEqual(try text(merged + "/digits/mnist5k/" + f), try text(one + "/digits/mnist5k/" + f), "digits \(f)")
        }
        XCTAssertEqual(try text(merged + "/digits/mnist5k/comparison.csv"), try withoutTimes(one + "/digits/mnist5k/comparison.csv"))
        XCTAssertFalse(try text(merged + "/digits/mnist5k/comparison-seeds.csv").contains("_seconds"))
        // The per-seed rows in the same order too: model by model, each model's seeds in order.
        for (sub, stem) in [("toy2d", "accuracy"), ("digits/mnist5k", "comparison")] {
            XCTAssertEqual(try text(merged + "/\(sub)/\(stem)-seeds.csv"), try withoutTimes(one + "/\(sub)/\(stem)-seeds.csv"), sub)
            XCTAssertEqual(try text(merged + "/\(sub)/correct-seeds.csv"), try text(one + "/\(sub)/correct-seeds.csv"), sub)
        }
        // Without --no-times the timing columns are there.
        try cvd(["sweep", "merge", sweep, "--out", path("timed")])
        XCTAssertTrue(try text(path("timed") + "/digits/mnist5k/comparison-seeds.csv").hasPrefix(
            "model,family,seed,test_accuracy,train_accuracy,parameters,fit_seconds,predict_seconds,tune_seconds\n"))
    }

    func testMergeDoesNotDependOnTheOrderOfTheTasks() throws {
        // Two sweeps holding the same runs as tasks in different orders, each merged in three read orders.
        let a = path("a"), b = path("b")
        try cvd(["sweep", "plan", "--out", a, "--experiment", "toy2d,digits", "--models", "knn,logreg", "--seeds", "0-1",
                 "--quick", "--no-tuning", "--threads", "1", "--bin", bin])
        try cvd(["sweep", "plan", "--out", b, "--experiment", "digits,toy2d", "--models", "logreg,knn", "--seeds", "1,0",
                 "--quick", "--no-tuning", "--threads", "1", "--bin", bin])
        XCTAssertNotEqual(try text(a + "/manifest.txt").replacingOccurrences(of: a, with: ""),
                          try text(b + "/manifest.txt").replacingOccurrences(of: b, with: ""))
        try cvd(["sweep", "run", a, "--jobs", "2"])
        try cvd(["sweep", "run", b, "--jobs", "2"])
        var outputs: [String] = []
        for (sweep, order) in [(a, nil), (a, "reverse"), (a, "7"), (b, nil), (b, "3")] as [(String, String?)] {
            let out = path("merged-\(outputs.count)")
            try cvd(["sweep", "merge", sweep, "--no-times", "--out", out] + (order.map { ["--read-order", $0] } ?? []))
            outputs.append(out)
        }
        let names = files(outputs[0])
        XCTAssertEqual(names.count, 12, names.joined(separator: " "))   // six per folder: per-seed, summary (.csv, .md), correct answers, significance (.csv, .md)
        for out in outputs.dropFirst() {
            XCTAssertEqual(files(out), names)
            for f in names { XCTAssertEqual(try text(out + "/" + f), try text(outputs[0] + "/" + f), "\(out)/\(f)") }
        }
        // Models in catalogue order, seeds in order.
        let rows = try text(outputs[0] + "/digits/mnist5k/comparison-seeds.csv").split(separator: "\n").dropFirst().map { $0.split(separator: ",").prefix(3).joined(separator: ",") }
        XCTAssertEqual(rows, ["logreg,classical,0", "logreg,classical,1", "knn5,classical,0", "knn5,classical,1"])
    }

    func testMissingTaskIsNamedAndOnlyItRunsAgain() throws {
        let sweep = path("sweep")
        try cvd(["sweep", "plan", "--out", sweep, "--experiment", "toy2d", "--seeds", "0-2", "--quick", "--threads", "1", "--bin", bin])
        try cvd(["sweep", "run", sweep])
        try FileManager.default.removeItem(atPath: sweep + "/tasks/0002")
        let refused = try cvd(["sweep", "merge", sweep], expect: 1)
        XCTAssertTrue(refused.err.contains("task 0002 (toy2d seed 1)"), refused.err)
        XCTAssertFalse(refused.err.contains("task 0001"), refused.err)
        XCTAssertTrue(refused.err.contains("cvd sweep run"), refused.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sweep + "/merged"), "a refused merge writes nothing")
        // The job array lists only the missing task.
        try cvd(["sweep", "slurm", sweep, "--cpus-per-task", "1", "--mem", "1G", "--time", "00:10:00"])
        let script = try text(sweep + "/sweep.sbatch")
        XCTAssertTrue(script.contains("#SBATCH --array=2\n"), script)
        XCTAssertTrue(script.contains("#SBATCH --output=\(sweep)/logs/%4a.log\n"), script)
        // --partial merges the others and says what is left out.
        let partial = try cvd(["sweep", "merge", sweep, "--partial", "--out", path("partial")])
        XCTAssertTrue(partial.out.contains("left out 1 task"), partial.out)
        XCTAssertEqual(try readCSVTable(path("partial") + "/toy2d/accuracy-seeds.csv").rows.count, 2 * 42)
        // Running again runs task 2 only.
        let again = try cvd(["sweep", "run", sweep, "--jobs", "2"])
        XCTAssertTrue(again.out.contains("task 0002: done"), again.out)
        XCTAssertFalse(again.out.contains("task 0001") || again.out.contains("task 0003"), again.out)
        XCTAssertTrue(again.out.contains("ran 1 task: 1 succeeded, 0 failed"), again.out)
        try cvd(["sweep", "merge", sweep])
        XCTAssertEqual(try readCSVTable(sweep + "/merged/toy2d/accuracy-seeds.csv").rows.count, 3 * 42)
        let done = try cvd(["sweep", "slurm", sweep])
        XCTAssertTrue(done.out.contains("nothing to submit"), done.out)
        // The same plan again is fine; another plan in the same folder is refused.
        try cvd(["sweep", "plan", "--out", sweep, "--experiment", "toy2d", "--seeds", "0-2", "--quick", "--threads", "1", "--bin", bin])
        let other = try cvd(["sweep", "plan", "--out", sweep, "--experiment", "toy2d", "--seeds", "0-3", "--quick", "--bin", bin], expect: 1)
        XCTAssertTrue(other.err.contains("different sweep"), other.err)
    }

    func testFailedTaskIsNamedWithItsLog() throws {
        let sweep = path("sweep")
        try cvd(["sweep", "plan", "--out", sweep, "--experiment", "digits", "--data", path("no-such-data"), "--models", "logreg",
                 "--quick", "--bin", bin])
        let r = try cvd(["sweep", "run", sweep], expect: 1)
        XCTAssertTrue(r.out.contains("ran 1 task: 0 succeeded, 1 failed"), r.out)
        XCTAssertTrue(r.out.contains("task 0001 (digits \(path("no-such-data")) logreg seed 0): failed or unfinished; its log ends: digits:"), r.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: sweep + "/logs/0001.log"))
    }

    func testBadGridIsRefusedWithASentence() throws {
        let out = path("sweep")
        let cases: [([String], String)] = [
            (["--models", "logreg,lenet5", "--grid", "lr=0.01,abc"], "--grid lr=0.01,abc: --lr must be a number"),
            (["--models", "logreg,knn", "--grid", "lr=0.01"], "--grid lr: lr is a setting of"),
            (["--models", "logreg", "--grid", "nonsense=1"], "nonsense is not a setting of any model"),
            (["--models", "logreg", "--grid", "c"], "is not of the form name=v1,v2"),
            (["--models", "logreg", "--grid", "c=1,1"], "gives the value 1 twice"),
            (["--models", "nope"], "unknown model in --models"),
        ]
        for (arguments, expected) in cases {
            let r = try cvd(["sweep", "plan", "--out", out, "--experiment", "digits", "--bin", bin] + arguments, expect: 1)
            XCTAssertTrue(r.err.hasPrefix("cvd: ") && r.err.contains(expected), "\(arguments): \(r.err)")
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, r.err)
        }
        let toy = try cvd(["sweep", "plan", "--out", out, "--experiment", "toy2d", "--grid", "hidden=8", "--bin", bin], expect: 1)
        XCTAssertTrue(toy.err.contains("none of the chosen toy2d takes it"), toy.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "a refused plan writes nothing")
        // A good grid: one task per value (and seed), the values in the catalogue's form.
        try cvd(["sweep", "plan", "--out", out, "--experiment", "digits", "--models", "logreg,knn", "--grid", "k=3,5", "--grid", "c=0.10",
                 "--seeds", "0-1", "--bin", bin])
        let plan = try SweepPlan.load(out)
        XCTAssertEqual(plan.tasks.count, 2 + 4)
        XCTAssertEqual(plan.tasks.map(\.settingsText), ["c=0.1", "c=0.1", "k=3", "k=3", "k=5", "k=5"])
        XCTAssertEqual(SweepPlan.ranges([1, 2, 3, 5, 7, 8]), "1-3,5,7-8")
    }
}
