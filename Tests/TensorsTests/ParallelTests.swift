// Parallel loops: every index visited once, and reductions identical on 1 and 2 threads.
import XCTest
import Foundation
import Tensors

final class ParallelTests: XCTestCase {
    func testForRangeVisitsEveryIndexOnce() {
        var hits = [Int](repeating: 0, count: 10_007)
        hits.withUnsafeMutableBufferPointer { h in
            let base = h.baseAddress!
            Parallel.forRange(0..<10_007, grain: 100) { r in for i in r { base[i] += 1 } }
        }
        XCTAssertTrue(hits.allSatisfy { $0 == 1 })
    }

    func testReductionDoesNotDependOnThreadCount() {
        var g = Xoshiro256(seed: 11)
        let xs = (0..<100_003).map { _ in g.normal() }
        func total() -> Float {
            Parallel.mapChunks(0..<xs.count, grain: 4096) { r in r.reduce(Float(0)) { $0 + xs[$1] } }.reduce(0, +)
        }
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = total()
        Parallel.threadCount = 2
        let two = total()
        XCTAssertEqual(one.bitPattern, two.bitPattern)
    }

    func testMultiplyIsIdenticalOnOneAndTwoThreads() {
        var g = Xoshiro256(seed: 12)
        let a = Matrix(rows: 300, cols: 200, data: (0..<60_000).map { _ in g.uniform(-1, 1) })
        let b = Matrix(rows: 200, cols: 250, data: (0..<50_000).map { _ in g.uniform(-1, 1) })
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        Parallel.threadCount = 1
        let one = a.matmul(b)
        Parallel.threadCount = 2
        let two = a.matmul(b)
        XCTAssertEqual(one, two)
    }

    /// The worker pool: many short loops back to back (a worker must never miss a job or run a
    /// stale one), loops nested inside a chunk, loops from several threads at once, and a change
    /// of thread count between loops; every index is visited exactly once each time.
    func testPoolRunsEveryChunkOnceUnderNestingConcurrencyAndResizing() {
        let saved = Parallel.threadCount
        defer { Parallel.threadCount = saved }
        func countVisits(_ chunks: Int, nested: Int = 0) -> [Int] {
            var hits = [Int](repeating: 0, count: chunks * max(nested, 1))
            hits.withUnsafeMutableBufferPointer { h in
                let base = h.baseAddress!
                Parallel.forEachChunk(chunks) { c in
                    if nested > 0 {
                        Parallel.forEachChunk(nested) { d in base[c * nested + d] += 1 }
                    } else {
                        base[c] += 1
                    }
                }
            }
            return hits
        }
        for threads in [2, 3, 2] {
            Parallel.threadCount = threads
            for round in 0..<2_000 {
                let hits = countVisits(1 + round % 7)
                XCTAssertTrue(hits.allSatisfy { $0 == 1 }, "threads \(threads), round \(round): \(hits)")
                if hits.contains(where: { $0 != 1 }) { return }
            }
            XCTAssertTrue(countVisits(5, nested: 9).allSatisfy { $0 == 1 })
        }
        Parallel.threadCount = 2
        let group = DispatchGroup()
        let failures = NSLock()
        var failed = 0
        for _ in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for round in 0..<300 where !countVisits(3 + round % 5).allSatisfy({ $0 == 1 }) {
                    failures.lock(); failed += 1; failures.unlock()
                }
            }
        }
        group.wait()
        XCTAssertEqual(failed, 0)
    }

    func testAtomicWriteReplacesWholeFileAndLeavesNoTemporary() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/sub/table.csv"
        try writeFileAtomically("a,b\n1,2\n", to: path)
        try writeFileAtomically("a,b\n3,4\n", to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "a,b\n3,4\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir + "/sub"), ["table.csv"])
        XCTAssertThrowsError(try writeFileAtomically("x", to: "/proc/forbidden/table.csv"))
    }
}
