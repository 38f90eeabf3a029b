// The catalogue of the suite's models: one entry per model with its name, what it takes (pixel
// rows or images), its hyperparameters (name, type, default, valid range, help) and how it is
// built. `cvd models`, the command-line options, validation, the settings columns of the tables and
// the saved model cards all read it. Adding a classifier is its own file plus one entry here
// (saving and loading come from `PersistableClassifier`).
import BagOfWords
import Classifiers
import Datasets
import Descriptors
import NeuralNetworks
import Tensors

/// What a model takes.
public enum ModelInput: String, Sendable {
    /// Rows of features (pixels of an image, flattened, or any numbers).
    case features
    /// Images (channels × height × width).
    case images
}

/// What building a model needs besides its settings.
public struct BuildContext: Sendable {
    /// The geometry of the images (nil: plain feature rows).
    public var imageShape: ImageShape?
    public var seed: UInt64
    /// Networks: save the training state after every epoch, and resume from it.
    public var checkpoint: CheckpointSettings?
    /// Networks: hold out this share of the training data and stop early on it (nil: train on all of it).
    public var earlyStopping: EarlyStopping?
    /// Networks: measure the whole training set after every epoch for the learning curve (false:
    /// running means over the epoch's batches, a quarter of LeNet-5's training time cheaper).
    public var evaluateTrainingSet: Bool

    public init(imageShape: ImageShape?, seed: UInt64, checkpoint: CheckpointSettings? = nil, earlyStopping: EarlyStopping? = nil,
                evaluateTrainingSet: Bool = true) {
        self.imageShape = imageShape
        self.seed = seed
        self.checkpoint = checkpoint
        self.earlyStopping = earlyStopping
        self.evaluateTrainingSet = evaluateTrainingSet
    }

    /// The image geometry, or an error saying that `model` needs images.
    func requireImageShape(_ model: String) throws -> ImageShape {
        guard let imageShape else {
            throw ClassifierError.invalidData(model: model, reason: "needs images (channels × height × width), but the data are plain feature rows; use an image folder or IDX files")
        }
        return imageShape
    }
}

/// A network's final training after tuning: a validation share held out; the weights of the epoch
/// of best validation accuracy are kept, and training stops when `patience` epochs bring no better one.
public struct EarlyStopping: Sendable, Equatable {
    public var validationFraction: Double
    public var patience: Int
    public init(validationFraction: Double, patience: Int) {
        self.validationFraction = validationFraction
        self.patience = patience
    }
}

/// The RBF kernel's γ of a setting: 0 stands for scikit-learn's 'scale'.
func kernelGamma(_ s: ModelSettings) -> KernelSVM.Gamma {
    let g = s.real("gamma")
    return g == 0 ? .scale : .value(g)
}

/// The activation a network setting names (the setting's own check allows only these words).
func activationSetting(_ s: ModelSettings) throws -> Activation {
    let word = s.word("activation")
    guard let activation = Activation(rawValue: word) else {
        throw SettingError("--activation must be one of \(Activation.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(word)\"")
    }
    return activation
}

/// One model of the suite.
public struct ModelEntry: Sendable {
    /// The name on the command line and in saved models.
    public let name: String
    /// Other names accepted on the command line (earlier names).
    public let aliases: [String]
    /// One line for `cvd models`.
    public let summary: String
    public let input: ModelInput
    public let isNetwork: Bool
    /// Its settings, in the order they are listed.
    public let hyperparameters: [Hyperparameter]
    let defaults: [String: SettingValue]
    /// Defaults of the small version (`--quick`), on top of `defaults`.
    let quickDefaults: [String: SettingValue]
    let make: @Sendable (ModelSettings, BuildContext) throws -> any Classifier
    let row: @Sendable (ModelSettings) -> String
    /// The small grid the comparison tunes the model over (on a validation part of the training set).
    public var grid: TuningGrid = TuningGrid()

    /// The settings with every default filled in (`quick`: the small version's), then `given` on top
    /// (names without dashes; each checked against its range). A name the model does not have throws.
    public func settings(quick: Bool = false, given: [String: SettingValue] = [:]) throws -> ModelSettings {
        var s = ModelSettings(defaults)
        if quick { for (k, v) in quickDefaults { s[k] = v } }
        for (k, v) in given {
            guard let h = hyperparameters.first(where: { $0.name == k }) else {
                throw SettingError("--\(k) is not a setting of \(name); its settings are \(hyperparameters.map { "--" + $0.name }.joined(separator: ", "))")
            }
            try h.check(v)
            s[k] = v
        }
        return s
    }

    /// Checks settings read back from a file: exactly this model's names, each in its range.
    public func checkSaved(_ s: ModelSettings) throws {
        for h in hyperparameters {
            guard let v = s[h.name] else { throw SettingError("the setting \(h.name) of \(name) is missing") }
            try h.check(v)
        }
        if let extra = s.values.keys.sorted().first(where: { k in !hyperparameters.contains { $0.name == k } }) {
            throw SettingError("\(extra) is not a setting of \(name)")
        }
    }

    /// The model, unfitted, with `settings`.
    public func build(_ settings: ModelSettings, _ context: BuildContext) throws -> any Classifier {
        if input == .images && context.imageShape == nil {
            throw ClassifierError.invalidData(model: name, reason: "needs images (channels × height × width), but the data are plain feature rows; use an image folder or IDX files")
        }
        return try make(settings, context)
    }

    /// The model's name in tables and file names for `settings` (e.g. "knn5" for k-NN with k = 5).
    public func rowName(_ settings: ModelSettings) -> String { row(settings) }

    /// Every setting as "name=value", in catalogue order, for tables and logs.
    public func describe(_ settings: ModelSettings) -> String {
        settings.text(hyperparameters.map(\.name))
    }

    /// True when `name` is this entry's name or one of its aliases.
    public func answers(to name: String) -> Bool { name == self.name || aliases.contains(name) }
}

// MARK: - The hyperparameters (shared by the entries that have them)

public enum Setting {
    public static let c = Hyperparameter("c", .real(min: 0, minIncluded: false, max: 1e12),
                                         "inverse L2 regularization strength of the logistic regression (smaller: stronger)")
    public static let maxIterations = Hyperparameter("max-iter", .int(1...100_000), "L-BFGS iterations of the logistic regression")
    public static let k = Hyperparameter("k", .int(1...10_000), "neighbours that vote")
    public static let weighting = Hyperparameter("weighting", .choice(NeighborWeighting.allCases.map(\.rawValue)),
                                                 "how the neighbours vote (uniform; distance: 1/distance)")
    public static let codebookSize = Hyperparameter("codebook-size", .int(2...8192), "visual words (k-means centres)")
    public static let patchSize = Hyperparameter("patch-size", .int(2...32), "side of the square patches, in pixels")
    public static let patches = Hyperparameter("patches", .int(100...10_000_000), "random patches the codebook is learned from")
    public static let kmeansIterations = Hyperparameter("kmeans-iter", .int(1...10_000), "Lloyd iterations of the codebook's k-means")
    public static let epochs = Hyperparameter("epochs", .int(1...100_000), "passes over the training data")
    public static let batchSize = Hyperparameter("batch-size", .int(1...65_536), "images per mini-batch")
    public static let learningRate = Hyperparameter("lr", .real(min: 0, minIncluded: false, max: 100), "base learning rate")
    public static let optimizer = Hyperparameter("optimizer", .choice(["sgd", "momentum", "nesterov", "adam"]),
                                                 "sgd; momentum or nesterov (SGD with momentum 0.9); adam")
    public static let schedule = Hyperparameter("schedule", .choice(["constant", "cosine"]), "learning-rate schedule over the epochs")
    public static let weightDecay = Hyperparameter("weight-decay", .real(min: 0, minIncluded: true, max: 10), "L2 weight decay on the weights")
    public static let hidden = Hyperparameter("hidden", .ints(count: 1...16, each: 1...65_536), "sizes of the hidden layers, e.g. 100 or 256,128")
    public static let activation = Hyperparameter("activation", .choice(Activation.allCases.map(\.rawValue)), "activation of the hidden layers")
    public static let restarts = Hyperparameter("restarts", .int(0...5),
                                                "times a diverged training starts again at a third of the learning rate (0: stop with an error)")
    public static let shift = Hyperparameter("shift", .int(0...16), "training images moved by up to this many pixels (0: no augmentation)")
    public static let width = Hyperparameter("width", .int(1...512), "channels of the first block of convolutions (the second block has twice as many)")
    public static let components = Hyperparameter("components", .int(1...4096), "principal components kept (the directions of largest variance of the training part)")
    public static let whiten = Hyperparameter("whiten", .choice(["no", "yes"]), "scale each principal component to unit variance")
    public static let svmC = Hyperparameter("svm-c", .real(min: 0, minIncluded: false, max: 1e12),
                                            "C of the SVM: weight of the margin violations against the margin (larger: fits the training data more closely)")
    public static let loss = Hyperparameter("loss", .choice(["squared-hinge", "hinge"]), "loss of the linear SVM (squared hinge: LinearSVC's default)")
    public static let gamma = Hyperparameter("gamma", .real(min: 0, minIncluded: true, max: 1e6),
                                             "width γ of the RBF kernel exp(−γ‖x − y‖²) (0: 1/(features · variance), scikit-learn's 'scale')")
    public static let hogCell = Hyperparameter("hog-cell", .int(2...64), "side of HOG's cells, in pixels (blocks of 2 × 2 cells)")
    public static let orientations = Hyperparameter("orientations", .int(2...36), "HOG's orientation bins over 0–180°")
    public static let hogCoarseCell = Hyperparameter("hog-cell2", .int(0...64),
                                                     "side of the cells of a second, coarser HOG appended to the first (0: none)")
    public static let hogPixels = Hyperparameter("hog-pixels", .real(min: 0, minIncluded: true, max: 100),
                                                 "weight of the gray pixels (0–1) appended to the HOG features (0: HOG alone)")
    public static let siftStep = Hyperparameter("sift-step", .int(1...32), "pixels between neighbouring dense SIFT frames")
    public static let siftBins = Hyperparameter("sift-bins", .ints(count: 1...6, each: 1...64),
                                                "dense SIFT bin sizes in pixels, one scale each (a frame is 4 × 4 bins, 3·size + 1 pixels), e.g. 4,6")
    public static let pcaDims = Hyperparameter("pca-dims", .int(1...128), "dimensions the 128-D SIFT descriptors keep after PCA")
    public static let gmmComponents = Hyperparameter("gmm-components", .int(1...512), "Gaussians of the mixture the Fisher vectors are taken against")
    public static let descriptorSamples = Hyperparameter("descriptor-samples", .int(100...10_000_000),
                                                         "training descriptors (seeded draw) the PCA and the mixture are fitted on")
    public static let pyramid = Hyperparameter("pyramid", .ints(count: 1...4, each: 1...8),
                                               "spatial pyramid grid sides, one Fisher vector per cell, e.g. 1,2 for 1×1 + 2×2")
}

// MARK: - The catalogue

public enum ModelCatalog {
    /// Every model, in the order of the digits table.
    public static let entries: [ModelEntry] = [logisticRegression, pcaLogisticRegression, nearestNeighbors, linearSVM, rbfSVM, hogSVM,
                                               bagOfWords(hard: true), bagOfWords(hard: false), siftFisherSVM, mlp, lenet5, vggSmall]

    /// The names, for help texts.
    public static var names: [String] { entries.map(\.name) }

    /// The entry named `name` (or one of its aliases), or a sentence listing the names.
    public static func entry(_ name: String) throws -> ModelEntry {
        guard let e = entries.first(where: { $0.answers(to: name) }) else {
            throw SettingError("unknown model \"\(name)\"; choose one of \(names.joined(separator: ", "))")
        }
        return e
    }

    /// Every hyperparameter of every model, once each, in catalogue order.
    public static var allHyperparameters: [Hyperparameter] {
        var seen = Set<String>(), out: [Hyperparameter] = []
        for e in entries { for h in e.hyperparameters where seen.insert(h.name).inserted { out.append(h) } }
        return out
    }

    /// The models (of `among`) that have the setting `name`.
    public static func models(having name: String, among: [ModelEntry] = entries) -> [ModelEntry] {
        among.filter { $0.hyperparameters.contains { $0.name == name } }
    }

    static let logisticRegression = ModelEntry(
        name: "logreg", aliases: [], summary: "multinomial logistic regression on the pixels, L2-regularized, L-BFGS",
        input: .features, isNetwork: false, hyperparameters: [Setting.c, Setting.maxIterations],
        defaults: ["c": .real(1), "max-iter": .int(100)], quickDefaults: [:],
        make: { s, ctx in try LogisticRegression(c: s.real("c"), maxIterations: s.int("max-iter"), seed: ctx.seed, name: "logreg") },
        row: { _ in "logreg" },
        grid: TuningGrid([("c", [.real(0.1), .real(1), .real(10)])]))

    static let pcaLogisticRegression = ModelEntry(
        name: "pca-logreg", aliases: [], summary: "PCA of the pixels (fitted on the training part), then multinomial logistic regression on the components",
        input: .features, isNetwork: false, hyperparameters: [Setting.components, Setting.whiten, Setting.c, Setting.maxIterations],
        defaults: ["components": .int(50), "whiten": .word("no"), "c": .real(1), "max-iter": .int(100)], quickDefaults: [:],
        make: { s, ctx in
            Pipeline(name: "pca-logreg",
                     transforms: [try PCA(components: s.int("components"), whiten: s.word("whiten") == "yes", seed: ctx.seed)],
                     classifier: try LogisticRegression(c: s.real("c"), maxIterations: s.int("max-iter"), seed: ctx.seed, name: "logreg"))
        },
        row: { _ in "pca-logreg" },
        grid: TuningGrid([("components", [.int(50), .int(100)]), ("c", [.real(1), .real(10)])]))

    static let linearSVM = ModelEntry(
        name: "svm-linear", aliases: [], summary: "linear SVM on the pixels, one-vs-rest, L2-regularized, dual coordinate descent (LIBLINEAR's solver)",
        input: .features, isNetwork: false, hyperparameters: [Setting.svmC, Setting.loss],
        defaults: ["svm-c": .real(0.1), "loss": .word("squared-hinge")], quickDefaults: [:],
        make: { s, ctx in
            try LinearSVM(c: s.real("svm-c"), loss: s.word("loss") == "hinge" ? .hinge : .squaredHinge, seed: ctx.seed, name: "svm-linear")
        },
        row: { _ in "svm-linear" },
        grid: TuningGrid([("svm-c", [.real(0.01), .real(0.1), .real(1)])]))

    static let rbfSVM = ModelEntry(
        name: "svm-rbf", aliases: [], summary: "RBF-kernel SVM on the pixels, exact (one-vs-one SMO as LIBSVM, kernel blocks by matrix multiply), Platt-scaled probabilities",
        input: .features, isNetwork: false, hyperparameters: [Setting.svmC, Setting.gamma],
        defaults: ["svm-c": .real(10), "gamma": .real(0)], quickDefaults: [:],
        make: { s, _ in try KernelSVM(c: s.real("svm-c"), gamma: kernelGamma(s), name: "svm-rbf") },
        row: { _ in "svm-rbf" },
        grid: TuningGrid([("svm-c", [.real(3), .real(10), .real(30)])]))

    static let hogSVM = ModelEntry(
        name: "hog-svm", aliases: [], summary: "HOG (Dalal–Triggs: 9 orientations, 4×4-pixel cells, 2×2-cell blocks, L2-Hys) with the gray pixels appended (weight 0.5), then an RBF-kernel SVM",
        input: .images, isNetwork: false, hyperparameters: [Setting.hogCell, Setting.hogCoarseCell, Setting.orientations, Setting.hogPixels, Setting.svmC, Setting.gamma],
        defaults: ["hog-cell": .int(4), "hog-cell2": .int(0), "orientations": .int(9), "hog-pixels": .real(0.5), "svm-c": .real(10),
                   "gamma": .real(0)], quickDefaults: [:],
        make: { s, ctx in
            let shape = try ctx.requireImageShape("hog-svm")
            let cell = s.int("hog-cell")
            let hog = try HOG(orientations: s.int("orientations"), pixelsPerCell: HOG.Size(cell, cell))
            let coarseCell = s.int("hog-cell2")
            let coarse = coarseCell > 0 ? try HOG(orientations: s.int("orientations"), pixelsPerCell: HOG.Size(coarseCell, coarseCell)) : nil
            let transform = try HOGTransform(hog: hog, coarse: coarse, shape: shape, pixelWeight: Float(s.real("hog-pixels")))
            return Pipeline(name: "hog-svm", transforms: [transform],
                            classifier: try KernelSVM(c: s.real("svm-c"), gamma: kernelGamma(s), name: "svm-rbf"))
        },
        row: { _ in "hog-svm" },
        // With the pixels appended, scikit-learn's 'scale' γ is about 0.02 on digits and Fashion-MNIST.
        grid: TuningGrid([("svm-c", [.real(10), .real(30)]), ("gamma", [.real(0.02), .real(0.04)])]))

    static let siftFisherSVM = ModelEntry(
        name: "sift-fv-svm", aliases: [],
        summary: "dense SIFT at several scales (PHOW), PCA, diagonal GMM, improved Fisher vectors over a 1×1 + 2×2 pyramid, then a linear SVM (one-vs-rest)",
        input: .images, isNetwork: false,
        hyperparameters: [Setting.siftStep, Setting.siftBins, Setting.pcaDims, Setting.gmmComponents, Setting.descriptorSamples, Setting.pyramid, Setting.svmC],
        defaults: ["sift-step": .int(2), "sift-bins": .ints([3, 5]), "pca-dims": .int(64), "gmm-components": .int(16),
                   "descriptor-samples": .int(200_000), "pyramid": .ints([1, 2]), "svm-c": .real(0.1)],
        // Tuned on Fashion-MNIST, 20,000 training images against 10,000 others held out of the training
        // set: bins 4,6 with C 1 / 0.3 / 0.1 gave 0.900 / 0.903 / 0.902, bins 3,5 with C 1 / 0.3 / 0.1
        // 0.903 / 0.908 / 0.910 (C 0.03: 0.902; 32 components at C 0.1: 0.910 for twice the time); 4,6,8 0.889,
        // 32 components 0.902, 80 PCA dimensions 0.899 (C 1).
        // The quick version's one scale fits images from 13×13 up (the defaults' larger scale needs 16×16).
        quickDefaults: ["sift-bins": .ints([4]), "gmm-components": .int(8), "descriptor-samples": .int(20_000)],
        make: { s, ctx in
            let shape = try ctx.requireImageShape("sift-fv-svm")
            let transform = try SIFTFisherTransform(shape: shape, binSizes: s.ints("sift-bins"), step: s.int("sift-step"), pcaDimensions: s.int("pca-dims"),
                                                    componentCount: s.int("gmm-components"), sampleCount: s.int("descriptor-samples"),
                                                    pyramidLevels: s.ints("pyramid"), seed: ctx.seed)
            return Pipeline(name: "sift-fv-svm", transforms: [transform],
                            classifier: try LinearSVM(c: s.real("svm-c"), seed: ctx.seed, name: "svm-linear"))
        },
        row: { _ in "sift-fv-svm" },
        grid: TuningGrid([("svm-c", [.real(0.03), .real(0.1), .real(0.3)])]))

    static let nearestNeighbors = ModelEntry(
        name: "knn", aliases: ["knn5"], summary: "k-nearest neighbours on the pixels, Euclidean distance (the stored training set is the model)",
        input: .features, isNetwork: false, hyperparameters: [Setting.k, Setting.weighting],
        defaults: ["k": .int(5), "weighting": .word("uniform")], quickDefaults: [:],
        make: { s, _ in
            guard let weighting = NeighborWeighting(rawValue: s.word("weighting")) else {
                throw SettingError("--weighting \(s.word("weighting")) is not a neighbour weighting")
            }
            return try KNearestNeighbors(k: s.int("k"), weighting: weighting, name: "knn\(s.int("k"))")
        },
        row: { s in "knn\(s.int("k"))" },
        // k stays 5 (the row's name); the grid chooses how the five vote.
        grid: TuningGrid([("weighting", [.word("uniform"), .word("distance")])]))

    static func bagOfWords(hard: Bool) -> ModelEntry {
        let base = hard ? BagOfWordsSettings.histogram : BagOfWordsSettings.triangle
        let name = hard ? "bovw-hist" : "bovw-triangle"
        return ModelEntry(
            name: name, aliases: [],
            summary: hard ? "bag of visual words: contrast-normalized patches, k-means codebook, hard histograms over 1×1 + 2×2 grids, √, logistic regression"
                          : "bag of visual words (Coates & Ng): contrast-normalized, ZCA-whitened patches, k-means codebook, triangle code over 1×1 + 2×2 grids, √, logistic regression",
            input: .images, isNetwork: false,
            hyperparameters: [Setting.codebookSize, Setting.patchSize, Setting.patches, Setting.kmeansIterations, Setting.c],
            defaults: ["codebook-size": .int(base.codebookSize), "patch-size": .int(base.patchSize), "patches": .int(base.patchCount),
                       "kmeans-iter": .int(base.codebookIterations), "c": .real(base.c)],
            quickDefaults: ["patches": .int(10_000), "codebook-size": .int(64), "kmeans-iter": .int(10)],
            make: { s, ctx in
                let shape = try ctx.requireImageShape(name)
                return try BagOfVisualWords(imageHeight: shape.height, imageWidth: shape.width, channels: shape.channels,
                                            settings: bagOfWordsSettings(hard: hard, s), seed: ctx.seed, name: name)
            },
            row: { _ in name },
            grid: TuningGrid([("c", (hard ? [0.003, 0.01, 0.03] : [0.03, 0.1, 0.3]).map { .real($0) })]))
    }

    static let networkSettings = [Setting.epochs, Setting.batchSize, Setting.learningRate, Setting.optimizer, Setting.schedule,
                                  Setting.weightDecay, Setting.restarts]
    static let networkDefaults: [String: SettingValue] = [
        "batch-size": .int(32), "lr": .real(0.05), "optimizer": .word("momentum"), "schedule": .word("cosine"), "weight-decay": .real(0),
        "restarts": .int(2),
    ]

    static let mlp = ModelEntry(
        name: "mlp", aliases: [], summary: "multilayer perceptron on the pixels (hidden layers, activation), softmax output",
        input: .features, isNetwork: true, hyperparameters: networkSettings + [Setting.hidden, Setting.activation],
        // Inputs are standardized per channel: at the learning rate of raw [0, 1] pixels (0.05) the
        // MLP overfits colour folders below logistic regression; 0.02 learns them and MNIST alike.
        defaults: networkDefaults.merging(["epochs": .int(30), "lr": .real(0.02), "hidden": .ints([100]), "activation": .word("relu")]) { $1 },
        quickDefaults: ["epochs": .int(5)],
        make: { s, ctx in
            let hidden = s.ints("hidden"), activation = try activationSetting(s)
            return NeuralNetworkClassifier(name: "mlp", architecture: .mlp(hidden: hidden, activation: activation),
                                           imageShape: ctx.imageShape.map { [$0.channels, $0.height, $0.width] },
                                           options: trainingOptions(s, ctx), inputNormalization: inputNormalization(ctx))
        },
        row: { _ in "mlp" },
        grid: TuningGrid([("lr", [.real(0.01), .real(0.02), .real(0.05)])], trialEpochs: 5))

    static let lenet5 = ModelEntry(
        name: "lenet5", aliases: [], summary: "LeNet-5 as in the lectures' table: conv 20@5×5, pool, conv 50@5×5, pool, dense 500, softmax output",
        input: .images, isNetwork: true, hyperparameters: networkSettings + [Setting.activation, Setting.shift],
        // On standardized inputs, 0.05 leaves LeNet-5 dead at chance on colour shapes; 0.01 for 30
        // epochs reached 0.98 there and 0.979 on MNIST-5k (15 epochs: 0.955 on the shapes).
        defaults: networkDefaults.merging(["epochs": .int(30), "lr": .real(0.01), "activation": .word("relu"), "shift": .int(2)]) { $1 },
        quickDefaults: ["epochs": .int(2)],
        make: { s, ctx in
            let shape = try ctx.requireImageShape("lenet5")
            return NeuralNetworkClassifier(name: "lenet5", architecture: lenet5Architecture(try activationSetting(s)),
                                           imageShape: [shape.channels, shape.height, shape.width], options: trainingOptions(s, ctx),
                                           inputNormalization: inputNormalization(ctx))
        },
        row: { _ in "lenet5" },
        grid: TuningGrid([("lr", [.real(0.005), .real(0.01), .real(0.02)])], trialEpochs: 5))

    static let vggSmall = ModelEntry(
        name: "vgg-small", aliases: [],
        summary: "small VGG: conv \(VGGDefaults.width)@3×3, conv \(VGGDefaults.width)@3×3, pool, conv \(2 * VGGDefaults.width)@3×3, conv \(2 * VGGDefaults.width)@3×3, pool (padding 1, batch norm and ReLU after each conv; --width W: W, W, 2W, 2W channels), dense \(VGGDefaults.hidden), softmax output",
        input: .images, isNetwork: true, hyperparameters: networkSettings + [Setting.width, Setting.hidden, Setting.shift],
        defaults: networkDefaults.merging(["epochs": .int(VGGDefaults.epochs), "batch-size": .int(VGGDefaults.batchSize), "lr": .real(VGGDefaults.learningRate),
                                           "weight-decay": .real(VGGDefaults.weightDecay), "width": .int(VGGDefaults.width),
                                           "hidden": .ints([VGGDefaults.hidden]), "shift": .int(VGGDefaults.shift)]) { $1 },
        // Batch norm's running statistics need a few dozen batches to settle: the quick version keeps
        // small batches so that its evaluation-mode predictions are not those of half-updated statistics.
        quickDefaults: ["epochs": .int(2), "batch-size": .int(32), "width": .int(8), "hidden": .ints([64])],
        make: { s, ctx in
            let shape = try ctx.requireImageShape("vgg-small")
            return NeuralNetworkClassifier(name: "vgg-small", architecture: .cnn(stages: Models.vggStages(width: s.int("width")), hidden: s.ints("hidden")),
                                           imageShape: [shape.channels, shape.height, shape.width], options: trainingOptions(s, ctx),
                                           inputNormalization: inputNormalization(ctx))
        },
        row: { _ in "vgg-small" },
        grid: TuningGrid([("lr", [.real(0.02), .real(0.05), .real(0.1)])], trialEpochs: 3))
}

/// The defaults of the vgg-small entry, chosen on a validation part of Fashion-MNIST's training set
/// (54,000 images to train, 6,000 held out at random, never the test set): these settings reached
/// 0.9393 there after the 10 epochs (0.9273 after 5, 0.9337 after 8). Width 24, run side by side,
/// trained at about two thirds of the speed (280 against 440 images/s) and was stopped after its
/// first epoch (0.887 against 0.879). Width 16 (conv 16, 16, 32, 32) needs about a quarter of the
/// multiply-adds of width 32.
/// With them: Fashion-MNIST test accuracy 0.9314 (60,000 training images), MNIST-5k 0.973.
enum VGGDefaults {
    static let epochs = 10, batchSize = 128, width = 16, hidden = 128, shift = 1
    static let learningRate = 0.05, weightDecay = 5e-4
}

/// LeNet-5 of the lectures' table with `activation` between its layers (ReLU: `Models.lenet5`).
public func lenet5Architecture(_ activation: Activation) -> Architecture {
    .cnn(stages: [ConvolutionStage(channels: 20, kernelSize: 5, padding: 2, pool: 2),
                  ConvolutionStage(channels: 50, kernelSize: 5, padding: 2, pool: 2)],
         hidden: [500], activation: activation)
}

/// The bag-of-words pipeline of the histogram or triangle entry with `s`'s values.
func bagOfWordsSettings(hard: Bool, _ s: ModelSettings) -> BagOfWordsSettings {
    var b = hard ? BagOfWordsSettings.histogram : BagOfWordsSettings.triangle
    b.codebookSize = s.int("codebook-size")
    b.patchSize = s.int("patch-size")
    b.patchCount = s.int("patches")
    b.codebookIterations = s.int("kmeans-iter")
    b.c = s.real("c")
    return b
}

/// The optimizer of the setting `--optimizer` (sgd, momentum, nesterov, adam).
public func optimizerKind(_ word: String) -> OptimizerKind {
    switch word {
    case "sgd": return .sgd()
    case "nesterov": return .sgd(momentum: 0.9, nesterov: true)
    case "adam": return .adam()
    default: return .momentum
    }
}

/// The networks standardize their inputs with the training part's statistics: per channel for
/// images, per feature for plain feature rows.
func inputNormalization(_ ctx: BuildContext) -> InputNormalization {
    ctx.imageShape.map { .perChannel(channels: $0.channels) } ?? .perFeature
}

/// The training options of a network entry's settings.
func trainingOptions(_ s: ModelSettings, _ ctx: BuildContext) -> TrainingOptions {
    let optimizer = optimizerKind(s.word("optimizer"))
    let shift = s.values["shift"].map { _ in s.int("shift") } ?? 0
    var options = TrainingOptions(epochs: s.int("epochs"), batchSize: s.int("batch-size"), learningRate: Float(s.real("lr")), optimizer: optimizer,
                           weightDecay: Float(s.real("weight-decay")), schedule: s.word("schedule") == "cosine" ? .cosine() : .constant,
                           seed: ctx.seed, validationFraction: ctx.earlyStopping?.validationFraction ?? 0,
                           earlyStoppingPatience: ctx.earlyStopping?.patience,
                           augmentation: shift > 0 ? .randomShift(pixels: shift) : .none, checkpoint: ctx.checkpoint,
                           divergenceRestarts: s.int("restarts"))
    // Early stopping keeps the epoch of best validation accuracy: the validation loss of a network
    // that grows confident rises long before its accuracy stops improving.
    if ctx.earlyStopping != nil { options.earlyStoppingMetric = .accuracy }
    options.evaluateTrainingSet = ctx.evaluateTrainingSet
    return options
}

/// The number of values a fitted model learned or stores to predict: weights and biases for the
/// linear models and networks, codebook plus classifier for bag of words, the training set for k-NN.
public func learnedValueCount(_ model: any Classifier, trainingCount: Int, featureCount: Int) -> Int {
    switch model {
    case let m as LogisticRegression: return (m.weights?.count ?? 0) + m.intercepts.count
    case is KNearestNeighbors: return trainingCount * featureCount
    case let m as BagOfVisualWords:
        return (m.codebook?.count ?? 0) + learnedValueCount(m.classifier, trainingCount: trainingCount, featureCount: m.featureCount)
    case let m as NeuralNetworkClassifier: return m.model?.parameterCount ?? 0
    case let m as Pipeline:
        // What the transforms learned (the PCA's components and mean) plus the classifier's.
        let transformValues = m.transforms.reduce(0) { total, t in total + ((try? t.learnedState())?.values.reduce(0) { $0 + $1.count } ?? 0) }
        let inner = (try? m.features(Matrix(rows: 1, cols: featureCount)))?.cols ?? featureCount
        return transformValues + learnedValueCount(m.classifier, trainingCount: trainingCount, featureCount: inner)
    case let m as any PersistableClassifier: return (try? m.learnedStateValueCount()) ?? 0
    default: return 0
    }
}

/// Length of the feature vector the model's classifier sees for one image.
public func classifierFeatureCount(_ model: any Classifier, inputCount: Int) -> Int {
    if let m = model as? BagOfVisualWords { return m.featureCount }
    if let m = model as? Pipeline, let z = try? m.features(Matrix(rows: 1, cols: inputCount)) { return z.cols }
    return inputCount
}
