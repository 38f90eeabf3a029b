// Stratified train/test splits: every class keeps its share of the samples in both parts, so a
// test accuracy is never skewed by a class that happened to land mostly on one side.
import Tensors

/// Splits `d` into a training and a test part with `testCount` test samples, drawn per class in
/// proportion to the class's size (largest remainders decide the rounding, so the counts add up
/// exactly). With 5,000 samples of 10 balanced classes and `testCount` 1,000, the test part holds
/// exactly 100 of each class. Both parts come out in a random order fixed by `seed`.
///
/// - Throws: `DatasetError.invalidParameter` unless 0 < testCount < d.count.
public func stratifiedSplit(_ d: Dataset, testCount: Int, seed: UInt64) throws -> (train: Dataset, test: Dataset) {
    guard testCount > 0, testCount < d.count else {
        let advice = testCount <= 0 ? "choose a larger test part" : "choose a smaller test part"
        throw DatasetError.invalidParameter(name: "test count", reason: "\(testCount) is not between 1 and \(d.count - 1) (data set \(d.name) has \(d.count) samples); \(advice)")
    }
    var rng = Xoshiro256(seed: seed)
    var members = [[Int]](repeating: [], count: d.classCount)
    for (i, y) in d.labels.enumerated() { members[y].append(i) }
    // Largest-remainder allocation of testCount over the classes.
    let n = d.count
    var quota = members.map { $0.count * testCount / n }
    let remainders = members.enumerated().map { (c, m) in (c, m.count * testCount % n) }
    var missing = testCount - quota.reduce(0, +)
    for (c, _) in remainders.sorted(by: { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }) where missing > 0 {
        if quota[c] < members[c].count { quota[c] += 1; missing -= 1 }
    }
    var train: [Int] = [], test: [Int] = []
    for c in 0..<d.classCount {
        var m = members[c]
        rng.shuffle(&m)
        test += m[0..<quota[c]]
        train += m[quota[c]...]
    }
    rng.shuffle(&train)
    rng.shuffle(&test)
    var trainPart = d.subset(train), testPart = d.subset(test)
    trainPart.name = d.name + "-train"
    testPart.name = d.name + "-test"
    return (trainPart, testPart)
}

/// `stratifiedSplit(_:testCount:seed:)` with the test part a fraction of the samples (rounded to
/// the nearest count).
///
/// - Throws: `DatasetError.invalidParameter` unless 0 < testFraction < 1 leaves both parts non-empty.
public func stratifiedSplit(_ d: Dataset, testFraction: Double, seed: UInt64) throws -> (train: Dataset, test: Dataset) {
    guard testFraction > 0, testFraction < 1 else {
        throw DatasetError.invalidParameter(name: "test fraction", reason: "\(testFraction) is not strictly between 0 and 1")
    }
    let count = Int((testFraction * Double(d.count)).rounded())
    guard count > 0, count < d.count else {
        let smallest = 0.5 / Double(max(d.count, 1)), largest = 1 - smallest
        throw DatasetError.invalidParameter(name: "test fraction", reason: "\(testFraction) of the \(d.count) samples of \(d.name) leaves "
            + (count <= 0 ? "no sample to test on; choose at least \(String(format: "%.3g", smallest))" : "no sample to train on; choose at most \(String(format: "%.3g", largest))"))
    }
    return try stratifiedSplit(d, testCount: count, seed: seed)
}
