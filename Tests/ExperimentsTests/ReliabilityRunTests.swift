// Reliability of whole runs: the digits and bovw experiments give the same tables and pictures on 1
// and 2 threads, and a run stopped by SIGTERM or SIGINT exits 143/130, leaves the previous table byte for
// byte and leaves no temporary file behind.
import Foundation
import XCTest

extension ExperimentRunTests {
    /// Every file under `folder` (relative path → bytes).
    func contents(of folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let base = folder.standardizedFileURL.path
        let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = walker?.nextObject() as? URL {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), !isFolder.boolValue else { continue }
            let path = url.standardizedFileURL.path
            files[String(path.dropFirst(base.count + 1))] = try Data(contentsOf: url)
        }
        return files
    }

    /// The comparison table without its timing columns.
    func deterministicColumns(_ table: Data, count: Int = 4) -> String {
        String(decoding: table, as: UTF8.self).split(separator: "\n")
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).prefix(count).joined(separator: ",") }
            .joined(separator: "\n")
    }

    func testDigitsQuickIsIdenticalOnOneAndTwoThreads() throws {
        var runs: [[String: Data]] = []
        for threads in [1, 2] {
            let out = tmp.appendingPathComponent("threads-\(threads)")
            let r = try run("digits", ["--quick", "--threads", "\(threads)", "--out", out.path])
            XCTAssertEqual(r.status, 0, r.err)
            runs.append(try contents(of: out))
        }
        let (one, two) = (runs[0], runs[1])
        XCTAssertEqual(one.keys.sorted(), two.keys.sorted())
        let table = "mnist5k/comparison.csv"
        XCTAssertNotNil(one[table])
        XCTAssertEqual(deterministicColumns(one[table] ?? Data()), deterministicColumns(two[table] ?? Data()))
        // The tuning trials: every choice and validation score alike, only the seconds may differ.
        let trials = "mnist5k/tuning.csv"
        XCTAssertNotNil(one[trials])
        XCTAssertEqual(deterministicColumns(one[trials] ?? Data(), count: 5), deterministicColumns(two[trials] ?? Data(), count: 5))
        // Everything else but the timing-bearing tables must match byte for byte:
        // confusion matrices, learning curves, model descriptions and every picture.
        var compared = 0
        let seeds = "mnist5k/comparison-seeds.csv"
        XCTAssertEqual(deterministicColumns(one[seeds] ?? Data(), count: 6), deterministicColumns(two[seeds] ?? Data(), count: 6))
        for (name, bytes) in one where !name.hasPrefix("mnist5k/comparison") && !name.hasPrefix("mnist5k/tuning.") {
            XCTAssertEqual(bytes, two[name], "\(name) differs between 1 and 2 threads")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 20)
    }

    func testBagOfWordsQuickIsIdenticalOnOneAndTwoThreads() throws {
        var runs: [[String: Data]] = []
        for threads in [1, 2] {
            let out = tmp.appendingPathComponent("bovw-threads-\(threads)")
            let r = try run("bovw", ["--quick", "--threads", "\(threads)", "--out", out.path])
            XCTAssertEqual(r.status, 0, r.err)
            runs.append(try contents(of: out))
        }
        let (one, two) = (runs[0], runs[1])
        XCTAssertEqual(one.keys.sorted(), two.keys.sorted())
        // The table up to test_accuracy (the seconds may differ), and every picture byte for byte.
        XCTAssertNotNil(one["sweep.csv"])
        // Summary: keys, n, the accuracy's mean, sd and interval; per-seed rows: keys, seed, accuracy.
        XCTAssertEqual(deterministicColumns(one["sweep.csv"] ?? Data(), count: 12), deterministicColumns(two["sweep.csv"] ?? Data(), count: 12))
        XCTAssertEqual(deterministicColumns(one["sweep-seeds.csv"] ?? Data(), count: 9), deterministicColumns(two["sweep-seeds.csv"] ?? Data(), count: 9))
        var compared = 0
        for (name, bytes) in one where !name.hasPrefix("sweep.") && !name.hasPrefix("sweep-seeds.") {
            XCTAssertEqual(bytes, two[name], "\(name) differs between 1 and 2 threads")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 5)
    }

    /// Starts a second digits run over the results of a first, stops it with `signal` after a
    /// second (the quick run takes several), and checks what it leaves.
    func checkStoppedRun(signal: Int32, expectedStatus: Int32) throws {
        let out = tmp.appendingPathComponent("stopped")
        let first = try run("digits", ["--quick", "--out", out.path])
        XCTAssertEqual(first.status, 0, first.err)
        let before = try contents(of: out)
        XCTAssertNotNil(before["mnist5k/comparison.csv"])

        let process = Process()
        process.executableURL = Self.productsFolder.appendingPathComponent("digits")
        // Another seed: a table rewritten by the stopped run would differ from the first one.
        process.arguments = ["--quick", "--seed", "7", "--out", out.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.0)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, expectedStatus, "the stopped run should exit \(expectedStatus)")

        let after = try contents(of: out)
        XCTAssertEqual(after["mnist5k/comparison.csv"], before["mnist5k/comparison.csv"], "the previous table changed")
        let temporary = after.keys.filter { $0.hasSuffix(".tmp") || $0.contains("/.") || $0.hasPrefix(".") }
        XCTAssertEqual(temporary, [], "temporary files left behind")
        // Files that were rewritten are whole files of the second run, never half-written ones.
        for (name, bytes) in after where name.hasSuffix(".csv") {
            XCTAssertEqual(bytes.last, UInt8(ascii: "\n"), "\(name) is cut short")
        }
    }

    func testSIGTERMStopsCleanlyAndKeepsThePreviousTable() throws {
        try checkStoppedRun(signal: SIGTERM, expectedStatus: 143)
    }

    func testSIGINTStopsCleanlyAndKeepsThePreviousTable() throws {
        try checkStoppedRun(signal: SIGINT, expectedStatus: 130)
    }
}
