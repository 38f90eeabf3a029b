// Atomic writes: the previous file stays until the new one is whole, and temporary files of killed
// runs are removed by the next write of the same file.
import Foundation
import XCTest
import Tensors

final class AtomicFileTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testTemporaryFilesOfDeadRunsAreRemovedAndThoseOfLiveOnesKept() throws {
        // A killed run's temporary (no process has that id), one of a live process (init, pid 1),
        // one of another file, and one whose name only looks alike.
        let dead = folder + "/.model.json.2147483646.tmp", live = folder + "/.model.json.1.tmp"
        let other = folder + "/.table.csv.2147483646.tmp", alike = folder + "/.model.json.x1.tmp"
        for path in [dead, live, other, alike] { try "partial".write(toFile: path, atomically: false, encoding: .utf8) }
        try writeFileAtomically("{}", to: folder + "/model.json")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        XCTAssertEqual(left, ["model.json", ".model.json.1.tmp", ".table.csv.2147483646.tmp", ".model.json.x1.tmp"])
        XCTAssertEqual(try String(contentsOfFile: folder + "/model.json", encoding: .utf8), "{}")
    }

    func testAFailedWriteLeavesThePreviousFileAndNoTemporary() throws {
        let path = folder + "/table.csv"
        try writeFileAtomically("old\n", to: path)
        // A folder in the way of the temporary file's rename target makes the rename fail.
        let blocked = folder + "/blocked"
        try FileManager.default.createDirectory(atPath: blocked + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try writeFileAtomically("new\n", to: blocked)) { error in
            XCTAssertTrue("\(error)".hasPrefix("Cannot write \(blocked): "), "\(error)")
            XCTAssertFalse("\(error)".contains("NSCocoaErrorDomain"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n")
        XCTAssertFalse(try FileManager.default.contentsOfDirectory(atPath: folder).contains { $0.hasSuffix(".tmp") })
    }
}
