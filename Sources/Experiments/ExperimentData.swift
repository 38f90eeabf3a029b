// The data of the image experiments: the `--data` option resolved to a training and a test part,
// the name of its results folder, and the smaller stratified parts of `--quick` runs and sweeps.
import Datasets
import Foundation
import Tensors

/// A training and a test part, with the name the results folder takes and a line on their origin.
public struct ExperimentData: Sendable {
    public var train: Dataset
    public var test: Dataset
    /// `mnist5k`, `fashion-mnist`, or the last component of the path given to `--data`.
    public var name: String
    public var source: String
}

/// Resolves `--data` (mnist5k: the embedded 5,000 digits split 4,000 / 1,000 stratified with
/// `seed`; fashion; an IDX folder, an image folder or a CSV file) and, with `quick`, keeps
/// stratified subsets of `quickSizes` so the run takes seconds.
public func loadExperimentData(_ spec: String, seed: UInt64, quick: Bool,
                               quickSizes: (train: Int, test: Int) = (1000, 300)) throws -> ExperimentData {
    let loaded = try loadDataset(spec: spec, options: DataLoadOptions(testFraction: 0.2, seed: seed))
    var data = ExperimentData(train: loaded.train, test: loaded.test, name: dataFolderName(spec), source: loaded.source)
    if quick {
        data.train = try stratifiedSubset(data.train, count: quickSizes.train, seed: seed)
        data.test = try stratifiedSubset(data.test, count: quickSizes.test, seed: seed &+ 1)
        data.source += "; quick run: \(data.train.count) training and \(data.test.count) test samples of it"
    }
    return data
}

/// The results sub-folder for a `--data` value.
public func dataFolderName(_ spec: String) -> String {
    switch spec.lowercased() {
    case "mnist5k", "mnist-5k": return "mnist5k"
    case "fashion", "fashion-mnist": return "fashion-mnist"
    default:
        let last = URL(fileURLWithPath: spec).standardizedFileURL.deletingPathExtension().lastPathComponent
        let cleaned = String(last.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        return cleaned.isEmpty ? "data" : cleaned
    }
}

/// `count` samples of `d` drawn per class in proportion (all of `d` when it has no more).
public func stratifiedSubset(_ d: Dataset, count: Int, seed: UInt64) throws -> Dataset {
    guard count < d.count else { return d }
    var part = try stratifiedSplit(d, testCount: count, seed: seed).test
    part.name = d.name
    return part
}
