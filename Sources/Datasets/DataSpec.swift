// One resolver for the experiments' `--data` option: a data set's name or a path, always answered
// with a training and a test part.
import Foundation
import Tensors

/// How `loadDataset(spec:options:)` treats sources without their own test part, and how it reads
/// image folders and CSV files.
public struct DataLoadOptions: Sendable {
    /// The stratified test share for sources without a standard split (MNIST-5k: 1,000 of 5,000);
    /// 0 puts every sample in the training part and leaves the test part empty.
    public var testFraction: Double = 0.2
    /// Seed of the stratified split.
    public var seed: UInt64 = 0
    /// Size and channels (1 gray, 3 RGB) every image of an image folder is converted to.
    public var imageWidth = 28
    public var imageHeight = 28
    public var imageChannels = 1
    /// The label column of a CSV file.
    public var csvLabelColumn: CSVLabelColumn = .index(0)

    public init(testFraction: Double = 0.2, seed: UInt64 = 0, imageWidth: Int = 28, imageHeight: Int = 28,
                imageChannels: Int = 1, csvLabelColumn: CSVLabelColumn = .index(0)) {
        self.testFraction = testFraction
        self.seed = seed
        self.imageWidth = imageWidth
        self.imageHeight = imageHeight
        self.imageChannels = imageChannels
        self.csvLabelColumn = csvLabelColumn
    }
}

/// A training and a test part, and where they came from.
public struct LoadedData: Sendable {
    public var train: Dataset
    public var test: Dataset
    /// One line for logs and tables, e.g. "MNIST-5k (embedded), stratified split 4000/1000, seed 0".
    public var source: String
    /// Non-image files passed over in an image folder (relative paths); empty for other sources.
    public var skippedFiles: [String] = []
}

/// Resolves the `--data` option of the experiments:
///
/// | spec | data |
/// |---|---|
/// | `mnist5k` | the embedded 5,000 MNIST digits, split stratified by `options` |
/// | `fashion` | Fashion-MNIST, its own 60,000 / 10,000 split |
/// | a folder with `train-images-idx3-ubyte[.gz]` ... `t10k-labels-idx1-ubyte[.gz]` | those, their own split |
/// | a folder with one `*images-idx3-ubyte[.gz]` and one `*labels-idx1-ubyte[.gz]` | that pair, split |
/// | a folder with `train/` and `test/`, each with one sub-folder per class | those images |
/// | a folder with one sub-folder of images per class | those images, split |
/// | a `.csv`, `.csv.gz` or `.tsv` file | label column + features, split |
///
/// - Throws: `DatasetError.invalidParameter` for a spec that is neither a name nor an existing path,
///   or any error of the loader it picks.
public func loadDataset(spec: String, options: DataLoadOptions = DataLoadOptions()) throws -> LoadedData {
    func split(_ d: Dataset, _ what: String) throws -> LoadedData {
        if options.testFraction == 0 {  // everything trains (the caller scores on data of its own)
            let none = try Dataset(name: d.name, features: Matrix(rows: 0, cols: d.featureCount), labels: [], classNames: d.classNames,
                                   imageShape: d.imageShape)
            return LoadedData(train: d, test: none, source: "\(what), all \(d.count) for training")
        }
        let parts = try stratifiedSplit(d, testFraction: options.testFraction, seed: options.seed)
        return LoadedData(train: parts.train, test: parts.test,
                          source: "\(what), stratified split \(parts.train.count)/\(parts.test.count), seed \(options.seed)")
    }
    switch spec.lowercased() {
    case "mnist5k", "mnist-5k":
        return try split(loadMNIST5k(), "MNIST-5k (embedded)")
    case "fashion", "fashion-mnist":
        let parts = try loadFashionMNIST()
        return LoadedData(train: parts.train, test: parts.test, source: "Fashion-MNIST, standard split 60000/10000")
    default:
        break
    }
    let fm = FileManager.default
    var isFolder: ObjCBool = false
    guard fm.fileExists(atPath: spec, isDirectory: &isFolder) else {
        throw DatasetError.invalidParameter(name: "data", reason: "\"\(spec)\" is neither a known data set (mnist5k, fashion) nor an existing file or folder")
    }
    if !isFolder.boolValue {
        let lower = spec.lowercased()
        guard [".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz"].contains(where: { lower.hasSuffix($0) }) else {
            throw DatasetError.invalidParameter(name: "data", reason: "\(spec) is a file but not a CSV file (.csv, .csv.gz, .tsv); pass a CSV file or a folder")
        }
        let separator: Character = lower.contains(".tsv") ? "\t" : ","
        return try split(loadCSV(spec, labelColumn: options.csvLabelColumn, separator: separator), "CSV \(spec)")
    }
    let entries = ((try? fm.contentsOfDirectory(atPath: spec)) ?? []).sorted()
    func has(_ prefix: String) -> Bool { entries.contains { $0.hasPrefix(prefix) } }
    if has("train-images") && has("t10k-images") {
        let parts = try loadIDXFolder(spec)
        return LoadedData(train: parts.train, test: parts.test, source: "IDX folder \(spec), its own split \(parts.train.count)/\(parts.test.count)")
    }
    let imageFiles = entries.filter { $0.hasSuffix("images-idx3-ubyte") || $0.hasSuffix("images-idx3-ubyte.gz") }
    let labelFiles = entries.filter { $0.hasSuffix("labels-idx1-ubyte") || $0.hasSuffix("labels-idx1-ubyte.gz") }
    if imageFiles.count == 1, labelFiles.count == 1 {
        let folder = spec as NSString
        let name = imageFiles[0].components(separatedBy: "-images").first ?? "idx"
        let d = try loadIDX(images: folder.appendingPathComponent(imageFiles[0]),
                            labels: folder.appendingPathComponent(labelFiles[0]), name: name)
        return try split(d, "IDX files in \(spec)")
    }
    func load(_ folder: String) throws -> ImageFolderContents {
        try loadImageFolder(folder, width: options.imageWidth, height: options.imageHeight, channels: options.imageChannels)
    }
    if entries.contains("train") && entries.contains("test") {
        let train = try load((spec as NSString).appendingPathComponent("train"))
        let test = try load((spec as NSString).appendingPathComponent("test"))
        guard train.dataset.classNames == test.dataset.classNames else {
            throw DatasetError.badFile(path: spec, reason: "train/ has the classes \(train.dataset.classNames) but test/ has \(test.dataset.classNames); both need the same class folders")
        }
        return LoadedData(train: train.dataset, test: test.dataset,
                          source: "image folders \(spec)/train and /test",
                          skippedFiles: train.skippedFiles.map { "train/" + $0 } + test.skippedFiles.map { "test/" + $0 })
    }
    let all = try load(spec)
    var result = try split(all.dataset, "image folder \(spec)")
    result.skippedFiles = all.skippedFiles
    return result
}
