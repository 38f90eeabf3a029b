// The seeded generators: reproducible sequences, correct ranges and moments, sampling without
// replacement.
import XCTest
import Tensors

final class RandomTests: XCTestCase {
    func testSplitMix64KnownValues() {
        // Reference outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var g = SplitMix64(seed: 0)
        XCTAssertEqual(g.next(), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(g.next(), 0x6E78_9E6A_A1B9_65F4)
    }

    func testSameSeedSameSequenceDifferentSeedDifferent() {
        var a = Xoshiro256(seed: 42), b = Xoshiro256(seed: 42), c = Xoshiro256(seed: 43)
        let sa = (0..<100).map { _ in a.next() }
        XCTAssertEqual(sa, (0..<100).map { _ in b.next() })
        XCTAssertNotEqual(sa, (0..<100).map { _ in c.next() })
    }

    func testUniformRangeAndMean() {
        var g = Xoshiro256(seed: 1)
        let xs = (0..<100_000).map { _ in g.uniform() }
        XCTAssertTrue(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = xs.reduce(0, +) / Float(xs.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.01)
    }

    func testNormalMoments() {
        var g = Xoshiro256(seed: 2)
        let xs = (0..<100_000).map { _ in Double(g.normal(mean: 1, std: 2)) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        XCTAssertEqual(mean, 1, accuracy: 0.03)
        XCTAssertEqual(variance.squareRoot(), 2, accuracy: 0.03)
    }

    func testIntBelowIsUniform() {
        var g = Xoshiro256(seed: 3)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[g.int(below: 7)] += 1 }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 400) }
    }

    func testShuffleIsPermutationAndDeterministic() {
        var g1 = Xoshiro256(seed: 9), g2 = Xoshiro256(seed: 9)
        let p1 = g1.permutation(1000), p2 = g2.permutation(1000)
        XCTAssertEqual(p1, p2)
        XCTAssertEqual(p1.sorted(), Array(0..<1000))
        XCTAssertNotEqual(p1, Array(0..<1000))
    }

    func testSampleWithoutReplacement() {
        var g = Xoshiro256(seed: 5)
        for (k, n) in [(0, 10), (10, 10), (3, 1000), (500, 1000), (50, 100_000)] {
            let s = g.sample(k, from: n)
            XCTAssertEqual(s.count, k)
            XCTAssertEqual(Set(s).count, k, "sample(\(k), from: \(n)) repeated an index")
            XCTAssertTrue(s.allSatisfy { $0 >= 0 && $0 < n })
        }
        // Every index equally likely: 20,000 draws of 5 from 10.
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<20_000 { for i in g.sample(5, from: 10) { counts[i] += 1 } }
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 400) }
    }
}
