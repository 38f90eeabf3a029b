// Benchmark of the classical models: logistic-regression fit, k-NN (k = 5) prediction, k-means
// (K = 256 on 20,000 images, 50 iterations), the two bag-of-visual-words pipelines and the linear
// and RBF SVMs, with their accuracies, the triangle bag of words on MNIST-5k whatever the data, and
// HOG extraction over the training images (all threads, then one), dense SIFT extraction and Fisher
// encoding on one core. Writes `task,unit,value`; benchmarks/reference/sklearn_reference.py,
// svm_reference.py, bovw_reference.py, hog_reference.py and vlfeat_reference.py write the same task
// names for scikit-learn (bovw_reference.py: numpy + scikit-learn), scikit-image and VLFeat, and
// `make compare` puts them side by side.
import ArgumentParser
import BagOfWords
import Classifiers
import Datasets
import Descriptors
import Experiments
import Foundation
import Tensors

// MARK: - Constants of the benchmark (the reference script uses the same)

let mnistSplitSeed: UInt64 = 0
let mnistTestCount = 1_000
let kmeansPoints = 20_000
let kmeansClusters = 256
let kmeansIterations = 50
let fashionBagOfWordsTrain = 10_000
// SVMs on pixels: LinearSVC's C = 0.1 (squared hinge, dual coordinate descent, its defaults
// otherwise) and SVC's C = 10 with gamma = 'scale'.
let linearSVMC = 0.1
let rbfSVMC = 10.0

struct BenchClassical: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvd-bench-classical",
        abstract: "Time and score the classical models; write a CSV of task,unit,value.")

    @Option(help: "Data: fashion (Fashion-MNIST 60k/10k) or mnist5k (embedded digits, 4,000/1,000 stratified, seed 0).")
    var data: String = "fashion"

    @Option(help: "Output CSV file.")
    var out: String = "results/bench/classical-suite.csv"

    @Option(help: "Comma-separated tasks: logreg, knn, kmeans, bovw-hist, bovw-triangle, bovw-triangle-mnist5k (the triangle pipeline on MNIST-5k whatever --data is), svm-linear, svm-rbf, svm-linear-sgd, hog, dsift (dense SIFT and Fisher vectors) (default: all that apply but svm-linear-sgd).")
    var tasks: String = "logreg,knn,kmeans,bovw-hist,bovw-triangle,bovw-triangle-mnist5k,svm-linear,svm-rbf,hog,dsift"

    @Option(help: "RBF SVM: fit on the first N training images (0: all); the task names then end in <data><N/1000>k.")
    var rbfTrain: Int = 0

    @Option(help: "Bag of words: C of the logistic regression on the pooled features (default: each pipeline's own).")
    var bovwC: Double?

    @Option(help: "Bag of words: ZCA epsilon of the triangle pipeline (0 turns whitening off).")
    var zcaEpsilon: Float?

    @Option(help: "Bag of words: contrast-normalization epsilon.")
    var contrastEpsilon: Float?

    @Option(help: "Bag of words: pooling grids, e.g. 1,2.")
    var grids: String?

    @Option(help: "Bag of words: random patches for the codebook.")
    var patches: Int?

    @Option(help: "Bag of words: feature normalization (none, l1, l2, squareRoot).")
    var normalization: String?

    @Option(help: "Time every step this many times and keep the shortest (for a shared machine).")
    var repeats: Int = 1

    @Option(help: "Folder of the embedded MNIST-5k IDX files.")
    var mnistFolder: String = "data/mnist5k"

    @Option(help: "Folder of the Fashion-MNIST IDX files.")
    var fashionFolder: String = "/usr/share/datasets/fashion-mnist"

    func run() throws {
        log("BLAS: \(BLAS.description); threads: \(Parallel.threadCount)")
        let (train, test) = try loadData()
        log("\(data): \(train.count) train, \(test.count) test, \(train.featureCount) features")
        let wanted = Set(tasks.split(separator: ",").map { String($0) })
        var rows: [(String, String, Double)] = []
        func record(_ task: String, _ unit: String, _ value: Double) {
            rows.append((task, unit, value))
            log(String(format: "%@,%@,%.4f", task, unit, value))
        }
        let classes = train.classCount

        if wanted.contains("logreg") {
            // The digits table's models, with the model catalogue's default settings.
            func make() throws -> LogisticRegression { try catalogueModel("logreg", train.imageShape, as: LogisticRegression.self) }
            var model = try make()
            let fit = try bestTime { model = try make(); try model.fit(train.features, train.labels, classCount: classes) }
            var predicted: [Int] = []
            let predict = try bestTime { predicted = try model.predict(test.features) }
            record("logreg_fit_\(data)", "seconds", fit)
            record("logreg_predict_\(data)", "seconds", predict)
            record("logreg_accuracy_\(data)", "accuracy", accuracy(predicted: predicted, actual: test.labels))
            log("  iterations \(model.iterations), final loss \(model.lossHistory.last ?? .nan)")
        }
        if wanted.contains("knn") {
            func make() throws -> KNearestNeighbors { try catalogueModel("knn", train.imageShape, as: KNearestNeighbors.self) }
            var model = try make()
            let fit = try bestTime { model = try make(); try model.fit(train.features, train.labels, classCount: classes) }
            var predicted: [Int] = []
            let seconds = try bestTime { predicted = try model.predict(test.features) }
            record("knn5_fit_\(data)", "seconds", fit)
            record("knn5_predict_\(data)", "seconds", seconds)
            record("knn5_predict_throughput_\(data)", "images_per_s", Double(test.count) / seconds)
            record("knn5_accuracy_\(data)", "accuracy", accuracy(predicted: predicted, actual: test.labels))
            log("  exact 8-bit kernel: \(model.usesEightBitKernel)")
        }
        if wanted.contains("kmeans") && data == "fashion" {
            let points = train.features.rows(0..<min(kmeansPoints, train.count))
            let kmeans = try KMeans(clusterCount: kmeansClusters, maxIterations: kmeansIterations, tolerance: 0, seed: 0)
            var fitted: KMeansResult?
            let seconds = try bestTime { fitted = try kmeans.fit(points) }
            guard let result = fitted else { throw BenchmarkError(description: "k-means was timed without running a fit") }
            record("kmeans_fit", "seconds", seconds)
            record("kmeans_iteration", "seconds", seconds / Double(result.iterations))
            record("kmeans_inertia", "inertia", result.inertia)
            log("  iterations \(result.iterations)")
        }
        for (task, encoding) in [("bovw-hist", VisualWordEncoding.hard), ("bovw-triangle", .triangle)] where wanted.contains(task) {
            let fitSet = data == "fashion" ? train.subset(Array(0..<min(fashionBagOfWordsTrain, train.count))) : train
            var model = try bagOfWords(encoding, train.imageShape)
            let fitSeconds = try bestTime {
                model = try bagOfWords(encoding, train.imageShape)
                try model.fit(fitSet.features, fitSet.labels, classCount: classes)
            }
            var predicted: [Int] = []
            let predictSeconds = try bestTime { predicted = try model.predict(test.features) }
            let name = task.replacingOccurrences(of: "-", with: "_")
            record("\(name)_fit_\(data)", "seconds", fitSeconds)
            record("\(name)_predict_\(data)", "seconds", predictSeconds)
            record("\(name)_accuracy_\(data)", "accuracy", accuracy(predicted: predicted, actual: test.labels))
        }
        // The triangle pipeline on MNIST-5k's 4,000/1,000 split (seed 0) whatever --data is, beside
        // benchmarks/reference/bovw_reference.py (numpy + scikit-learn on the same images). With
        // --data mnist5k the bovw-triangle task above already records these rows.
        if wanted.contains("bovw-triangle-mnist5k") && !(data == "mnist5k" && wanted.contains("bovw-triangle")) {
            let (mTrain, mTest) = data == "mnist5k" ? (train, test) : try loadMNIST5k()
            log("mnist5k: \(mTrain.count) train (pixel sum \(String(format: "%.1f", pixelSum(mTrain.features)))), \(mTest.count) test (pixel sum \(String(format: "%.1f", pixelSum(mTest.features))))")
            var model = try bagOfWords(.triangle, mTrain.imageShape)
            let fitSeconds = try bestTime {
                model = try bagOfWords(.triangle, mTrain.imageShape)
                try model.fit(mTrain.features, mTrain.labels, classCount: mTrain.classCount)
            }
            var predicted: [Int] = []
            let predictSeconds = try bestTime { predicted = try model.predict(mTest.features) }
            record("bovw_triangle_fit_mnist5k", "seconds", fitSeconds)
            record("bovw_triangle_predict_mnist5k", "seconds", predictSeconds)
            record("bovw_triangle_accuracy_mnist5k", "accuracy", accuracy(predicted: predicted, actual: mTest.labels))
        }
        // svm-linear: LinearSVC's solver (dual coordinate descent, squared hinge); svm-linear-sgd (not
        // in the default list; scikit-learn has no matching estimator): the lecture's one-vs-all
        // hinge SVM trained by SGD (Pegasos) with the same C.
        for task in ["svm-linear", "svm-linear-sgd"] where wanted.contains(task) {
            func make() throws -> LinearSVM {
                task == "svm-linear" ? try LinearSVM(c: linearSVMC) : try LinearSVM(c: linearSVMC, loss: .hinge, solver: .sgd, tolerance: 1e-4, maxIterations: 30)
            }
            var model = try make()
            let fit = try bestTime { model = try make(); try model.fit(train.features, train.labels, classCount: classes) }
            var predicted: [Int] = []
            let predict = try bestTime { predicted = try model.predict(test.features) }
            let name = task.replacingOccurrences(of: "-", with: "_")
            record("\(name)_fit_\(data)", "seconds", fit)
            record("\(name)_predict_\(data)", "seconds", predict)
            record("\(name)_accuracy_\(data)", "accuracy", accuracy(predicted: predicted, actual: test.labels))
            log("  epochs per class \(model.iterations), converged \(model.converged)")
            let logLoss = meanLogLoss(try model.probabilities(test.features), test.labels)
            log("  probabilities: temperature \(String(format: "%.4g", 1 / model.inverseTemperature)), test log-loss \(String(format: "%.4f", logLoss))")
        }
        if wanted.contains("svm-rbf") {
            let n = rbfTrain > 0 ? min(rbfTrain, train.count) : train.count
            let fitSet = n == train.count ? train : train.subset(Array(0..<n))
            let suffix = n == train.count ? data : "\(data)\(n / 1000)k"
            var model = try KernelSVM(c: rbfSVMC, gamma: .scale)
            let fit = try bestTime {
                model = try KernelSVM(c: rbfSVMC, gamma: .scale)
                try model.fit(fitSet.features, fitSet.labels, classCount: classes)
            }
            var predicted: [Int] = []
            let predict = try bestTime { predicted = try model.predict(test.features) }
            record("svm_rbf_fit_\(suffix)", "seconds", fit)
            record("svm_rbf_predict_\(suffix)", "seconds", predict)
            record("svm_rbf_accuracy_\(suffix)", "accuracy", accuracy(predicted: predicted, actual: test.labels))
            log("  gamma \(model.gammaValue), support vectors \(model.supportVectors?.rows ?? 0), SMO iterations \(model.iterations.reduce(0, +)), converged \(model.converged)")
            let logLoss = meanLogLoss(try model.probabilities(test.features), test.labels)
            let votes = try model.voteWinners(test.features)
            log("  test log-loss \(String(format: "%.4f", logLoss)); SVC's one-vs-one vote: test accuracy \(String(format: "%.4f", accuracy(predicted: votes, actual: test.labels))), agrees with predict on \(String(format: "%.4f", accuracy(predicted: votes, actual: predicted)))")
        }
        if wanted.contains("hog") {
            // The library's default HOG (9 orientations, 4×4-pixel cells, 2×2-cell blocks, L2-Hys),
            // as benchmarks/reference/hog_reference.py times scikit-image's.
            let shape = train.imageShape ?? ImageShape(channels: 1, height: 28, width: 28)
            let hog = try HOG()
            var features = Matrix(rows: 0, cols: 0)
            let all = try bestTime { features = try hog.features(of: train.features, height: shape.height, width: shape.width) }
            let saved = Parallel.threadCount
            Parallel.threadCount = 1
            defer { Parallel.threadCount = saved }
            let one = try bestTime { features = try hog.features(of: train.features, height: shape.height, width: shape.width) }
            record("hog_extract_\(data)", "seconds", all)
            record("hog_extract_1core_\(data)", "seconds", one)
            log("  \(hog): \(features.rows)×\(features.cols) features")
        }
        if wanted.contains("dsift") {
            // Dense SIFT (bin 4, step 2) over the training images, one core, Gaussian then flat
            // window, and improved Fisher vectors of each image's descriptors (first 64 of 128
            // dimensions) against a fixed 32-component GMM, one image after another: what
            // benchmarks/reference/vlfeat_reference.py timing measures with VLFeat on the same inputs.
            let shape = train.imageShape ?? ImageShape(channels: 1, height: 28, width: 28)
            let saved = Parallel.threadCount
            Parallel.threadCount = 1
            defer { Parallel.threadCount = saved }
            var perImage: [Matrix] = []
            for (task, window) in [("dsift_extract_1core_\(data)", DenseSIFT.Window.gaussian), ("dsift_flat_extract_1core_\(data)", .flat)] {
                let sift = try DenseSIFT(binSize: 4, step: 2, window: window)
                let seconds = try bestTime {
                    perImage = try (0..<train.count).map { i in try sift.descriptors(of: train.features.row(i), height: shape.height, width: shape.width) }
                }
                record(task, "seconds", seconds)
                log("  \(sift): \(train.count) images × \(perImage.first?.rows ?? 0) descriptors")
            }
            let (d, k) = (64, 32)
            let reduced = perImage.map { m in Matrix(rows: m.rows, cols: d, data: (0..<m.rows).flatMap { m.row($0).prefix(d) }) }
            let pool = Matrix.vstack(Array(reduced.prefix(200)))
            let means = Matrix(rows: k, cols: d, data: (0..<k).flatMap { pool.row((37 * $0) % pool.rows) })
            let poolMean = pool.data.reduce(0.0) { $0 + Double($1) } / Double(pool.count)
            let poolVariance = pool.data.reduce(0.0) { $0 + (Double($1) - poolMean) * (Double($1) - poolMean) } / Double(pool.count)
            let mixture = try GaussianMixtureModel(priors: [Float](repeating: 1 / Float(k), count: k), means: means,
                                                   variances: Matrix(rows: k, cols: d, repeating: Float(poolVariance)))
            let fisher = FisherVector(mixture: mixture)
            var checksum: Float = 0
            let seconds = try bestTime { checksum = try reduced.reduce(0) { $0 + (try fisher.encode($1)).reduce(0, +) } }
            record("fisher_encode_1core_\(data)", "seconds", seconds)
            log("  Fisher vectors: \(reduced.count) images, D \(d), K \(k), sum of all values \(checksum)")
        }
        let csv = "task,unit,value\n" + rows.map { "\($0.0),\($0.1),\(formatValue($0.2))" }.joined(separator: "\n") + "\n"
        try writeFileAtomically(csv, to: out)
        print(csv, terminator: "")
    }

    /// The catalogue's model `name` with its default settings.
    func catalogueModel(_ name: String, _ shape: ImageShape?) throws -> any Classifier {
        let entry = try ModelCatalog.entry(name)
        return try entry.build(try entry.settings(), BuildContext(imageShape: shape, seed: 0))
    }

    /// The catalogue's model `name` as the concrete type the benchmark measures.
    func catalogueModel<M: Classifier>(_ name: String, _ shape: ImageShape?, as type: M.Type) throws -> M {
        let model = try catalogueModel(name, shape)
        guard let typed = model as? M else {
            throw BenchmarkError(description: "the catalogue's \(name) builds a \(Swift.type(of: model)), not a \(M.self)")
        }
        return typed
    }

    /// The two pipelines of the digits table (the library's named settings), with any field the
    /// command line overrides.
    func bagOfWords(_ encoding: VisualWordEncoding, _ shape: ImageShape?) throws -> BagOfVisualWords {
        let s = shape ?? ImageShape(channels: 1, height: 28, width: 28)
        var settings = encoding == .hard ? BagOfWordsSettings.histogram : BagOfWordsSettings.triangle
        if let c = bovwC { settings.c = c }
        if let e = zcaEpsilon { settings.whiteningEpsilon = e > 0 ? e : nil }
        if let e = contrastEpsilon { settings.contrastEpsilon = e }
        if let g = grids { settings.poolingGrids = g.split(separator: ",").compactMap { Int($0) } }
        if let p = patches { settings.patchCount = p }
        if let n = normalization {
            guard let value = FeatureNormalization(rawValue: n) else {
                throw ValidationError("--normalization must be one of \(FeatureNormalization.allCases.map(\.rawValue))")
            }
            settings.normalization = value
        }
        log("  \(settings)")
        return try BagOfVisualWords(imageHeight: s.height, imageWidth: s.width, channels: s.channels, settings: settings)
    }

    /// The shortest of `repeats` runs of `body` (the machine may be shared; the minimum is the
    /// least disturbed run).
    func bestTime(_ body: () throws -> Void) throws -> Double {
        var best = Double.infinity
        for _ in 0..<max(1, repeats) {
            let t = Stopwatch()
            try body()
            best = min(best, t.seconds)
        }
        return best
    }

    func loadData() throws -> (train: Dataset, test: Dataset) {
        switch data {
        case "mnist5k":
            return try loadMNIST5k()
        case "fashion":
            return try loadIDXFolder(fashionFolder)
        default:
            throw ValidationError("--data must be fashion or mnist5k, not \(data)")
        }
    }

    /// The embedded MNIST-5k, split 4,000/1,000 (stratified, seed 0).
    func loadMNIST5k() throws -> (train: Dataset, test: Dataset) {
        let all = try loadIDX(images: mnistFolder + "/mnist5k-images-idx3-ubyte.gz",
                              labels: mnistFolder + "/mnist5k-labels-idx1-ubyte.gz", name: "mnist5k")
        return try stratifiedSplit(all, testCount: mnistTestCount, seed: mnistSplitSeed)
    }
}

/// Mean −log p(true class) over the rows (probabilities clipped at 1e-15).
func meanLogLoss(_ p: Matrix, _ labels: [Int]) -> Double {
    labels.indices.map { -log(Double(max(p[$0, labels[$0]], 1e-15))) }.reduce(0, +) / Double(labels.count)
}

/// Sum of every value (a check that two programs read the same images).
func pixelSum(_ m: Matrix) -> Double {
    m.data.reduce(0.0) { $0 + Double($1) }
}

func formatValue(_ v: Double) -> String {
    v.magnitude >= 1e6 ? String(format: "%.6g", v) : String(format: "%.4f", v)
}

/// A benchmark that cannot run as set up.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

func log(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

BenchClassical.main()
