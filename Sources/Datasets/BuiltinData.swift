// The data sets the suite knows by name: the MNIST-5k subset embedded in the repository, and
// Fashion-MNIST as installed by the Debian package dataset-fashion-mnist.
import Foundation

/// The class names of Fashion-MNIST, by label.
public let fashionMNISTClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                     "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]

/// Where the Debian package dataset-fashion-mnist installs the four IDX files.
public let fashionMNISTSystemFolder = "/usr/share/datasets/fashion-mnist"

private let mnist5kImages = "mnist5k-images-idx3-ubyte.gz"
private let mnist5kLabels = "mnist5k-labels-idx1-ubyte.gz"

/// The folder holding the embedded MNIST-5k files, looked for in this order:
/// 1. the environment variable `CVD_DATA_DIR` (the repository's `data` folder, or `mnist5k` itself);
/// 2. `data/mnist5k` in the current folder and each of its parents;
/// 3. `data/mnist5k` above the location of this source file (the package root when run from a
///    checkout).
///
/// - Throws: `DatasetError.missingData` listing where it looked.
public func locateMNIST5kFolder() throws -> String {
    let fm = FileManager.default
    func holdsFiles(_ folder: String) -> Bool {
        fm.fileExists(atPath: (folder as NSString).appendingPathComponent(mnist5kImages))
            && fm.fileExists(atPath: (folder as NSString).appendingPathComponent(mnist5kLabels))
    }
    if let root = ProcessInfo.processInfo.environment["CVD_DATA_DIR"], !root.isEmpty {
        for folder in [(root as NSString).appendingPathComponent("mnist5k"), root] where holdsFiles(folder) {
            return folder
        }
        throw DatasetError.missingData(name: "mnist5k", message: "The embedded MNIST-5k data were not found: CVD_DATA_DIR is \(root), but neither it nor its mnist5k folder holds \(mnist5kImages) and \(mnist5kLabels); point CVD_DATA_DIR at the repository's data folder or unset it.")
    }
    var looked: [String] = []
    func search(upFrom start: URL) -> String? {
        var dir = start.standardizedFileURL
        while true {
            let candidate = dir.appendingPathComponent("data").appendingPathComponent("mnist5k").path
            looked.append(candidate)
            if holdsFiles(candidate) { return candidate }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path || dir.path == "/" { return nil }
            dir = parent
        }
    }
    if let found = search(upFrom: URL(fileURLWithPath: fm.currentDirectoryPath, isDirectory: true)) { return found }
    let sourceFile = #filePath
    if let found = search(upFrom: URL(fileURLWithPath: sourceFile).deletingLastPathComponent()) { return found }
    let shown = looked.count > 4 ? Array(looked.prefix(2)) + ["…"] + Array(looked.suffix(1)) : looked
    throw DatasetError.missingData(name: "mnist5k", message: "The embedded MNIST-5k data (data/mnist5k/\(mnist5kImages)) were not found (looked in \(shown.joined(separator: ", "))); run from inside the repository or set CVD_DATA_DIR to its data folder.")
}

/// The 5,000 MNIST digits embedded in the repository (500 per class, 1×28×28, pixels in [0, 1],
/// sorted by class); see `data/README.md` for provenance and license (CC BY-SA 3.0).
///
/// - Throws: `DatasetError.missingData` when the folder is not found (see `locateMNIST5kFolder`),
///   or a `loadIDX` error when its files are damaged.
public func loadMNIST5k() throws -> Dataset {
    let folder = try locateMNIST5kFolder()
    let d = try loadIDX(images: (folder as NSString).appendingPathComponent(mnist5kImages),
                        labels: (folder as NSString).appendingPathComponent(mnist5kLabels), name: "mnist5k")
    guard d.count == 5000, d.classCounts == [Int](repeating: 500, count: 10) else {
        throw DatasetError.badFile(path: folder, reason: "the MNIST-5k files hold \(d.count) digits with class counts \(d.classCounts), not 5000 with 500 per class; restore them from the repository")
    }
    return d
}

/// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017; 60,000 training and 10,000 test images of clothing,
/// 1×28×28, MIT license) from `folder`: by default `$CVD_DATA_DIR/fashion-mnist` when that exists,
/// else where the Debian package dataset-fashion-mnist installs it.
///
/// - Throws: `DatasetError.missingData` ("Fashion-MNIST is not installed: run `make data-fashion` ...")
///   when the files are not there, or a `loadIDX` error when they are damaged.
public func loadFashionMNIST(folder: String? = nil) throws -> (train: Dataset, test: Dataset) {
    var path = folder ?? fashionMNISTSystemFolder
    if folder == nil, let root = ProcessInfo.processInfo.environment["CVD_DATA_DIR"], !root.isEmpty {
        let candidate = (root as NSString).appendingPathComponent("fashion-mnist")
        if FileManager.default.fileExists(atPath: candidate) { path = candidate }
    }
    let trainImages = (path as NSString).appendingPathComponent("train-images-idx3-ubyte.gz")
    guard FileManager.default.fileExists(atPath: trainImages) else {
        throw DatasetError.missingData(name: "fashion", message: "Fashion-MNIST is not installed: run `make data-fashion` (installs the Debian package dataset-fashion-mnist).")
    }
    var parts = try loadIDXFolder(path, classNames: fashionMNISTClassNames)
    parts.train.name = "fashion-train"
    parts.test.name = "fashion-test"
    return parts
}
