// Output folders are written as a whole: one run at a time, the previous contents kept until the
// new run commits, and the staging folders of killed runs cleaned by the next run.
import Experiments
import Foundation
import XCTest

final class OutputFolderTests: XCTestCase {
    var tmp: URL!

    override func setUpWithError() throws {
        tmp = FileManager.default.temporaryDirectory.appendingPathComponent("output-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: tmp) }

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: tmp.path).sorted() }

    func testARunThatDoesNotCommitLeavesThePreviousContentsAndCommitReplacesThem() throws {
        let path = tmp.appendingPathComponent("results").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "old".write(toFile: path + "/table.csv", atomically: true, encoding: .utf8)
        do {
            let run = try OutputFolder(path)
            try "half".write(toFile: run.staging + "/table.csv", atomically: true, encoding: .utf8)
            // The run fails here: no commit.
        }
        XCTAssertEqual(try String(contentsOfFile: path + "/table.csv", encoding: .utf8), "old")
        XCTAssertFalse(try entries().contains { $0.contains("staging") })
        let run = try OutputFolder(path)
        try "new".write(toFile: run.staging + "/table.csv", atomically: true, encoding: .utf8)
        try run.commit()
        XCTAssertEqual(try String(contentsOfFile: path + "/table.csv", encoding: .utf8), "new")
        XCTAssertFalse(try entries().contains { $0.contains("staging") })
    }

    func testASecondRunIntoTheSameFolderIsRefusedWhileTheFirstHoldsIt() throws {
        let path = tmp.appendingPathComponent("results").path
        let first = try OutputFolder(path)
        XCTAssertThrowsError(try OutputFolder(path)) { XCTAssertTrue("\($0)".contains("another run is writing"), "\($0)") }
        try first.commit()
    }

    func testStagingFoldersOfKilledRunsAreRemovedAndBadPathsRefused() throws {
        let stale = tmp.appendingPathComponent(".results.staging-2147483646").path   // no such process
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        let run = try OutputFolder(tmp.appendingPathComponent("results").path)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale))
        try run.commit()
        XCTAssertThrowsError(try OutputFolder("")) { XCTAssertTrue("\($0)".contains("empty path"), "\($0)") }
        let file = tmp.appendingPathComponent("afile").path
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try OutputFolder(file)) { XCTAssertTrue("\($0)".contains("is a file"), "\($0)") }
    }
}
