// The suite's image classifiers by name, with the settings of the digits table: one place builds
// them for the digits experiment and for the umbrella CLI, so "lenet5" means the same network in both.
import BagOfWords
import Classifiers
import Datasets
import NeuralNetworks
import Tensors

/// The models of the digits comparison, in table order.
public enum SuiteModel: String, CaseIterable, Sendable {
    case logreg
    case knn5
    case bovwHist = "bovw-hist"
    case bovwTriangle = "bovw-triangle"
    case mlp
    case lenet5

    /// True for the models that need the data as images (C×H×W), not just feature rows.
    public var needsImages: Bool { self == .bovwHist || self == .bovwTriangle || self == .lenet5 }

    /// True for the neural networks (they have learning curves and weights files).
    public var isNetwork: Bool { self == .mlp || self == .lenet5 }

    /// The settings in one line, for tables and `--help`.
    public func settings(quick: Bool = false) -> String {
        switch self {
        case .logreg: return "multinomial logistic regression on the pixels, L2 with C = 1, L-BFGS, at most 100 iterations"
        case .knn5: return "k-NN, k = 5, Euclidean distance, uniform vote"
        case .bovwHist, .bovwTriangle: return bagOfWordsSettings(self, quick: quick).description
        case .mlp, .lenet5:
            let o = networkOptions(self, seed: 0, quick: quick)
            let net = self == .mlp ? "MLP, one hidden layer of 100 ReLU units" : "LeNet-5 (lectures' table: conv 20@5×5, pool, conv 50@5×5, pool, dense 500, ReLU)"
            let decay = (o.weightDecay > 0 ? ", weight decay \(o.weightDecay)" : "") + (o.augmentation == .none ? "" : ", training images augmented by \(o.augmentation)")
            return "\(net); optimizer \(o.optimizer), batch \(o.batchSize), learning rate \(o.learningRate), \(o.schedule) schedule\(decay), \(o.epochs) epochs"
        }
    }
}

/// The bag-of-words pipeline of `model` with the classical module's named settings (`.histogram`,
/// `.triangle`); `quick` shrinks the codebook and its sample.
public func bagOfWordsSettings(_ model: SuiteModel, quick: Bool = false) -> BagOfWordsSettings {
    var s = model == .bovwHist ? BagOfWordsSettings.histogram : BagOfWordsSettings.triangle
    if quick { s.patchCount = 10_000; s.codebookSize = 64; s.codebookIterations = 10 }
    return s
}

/// Training options of the digits table's networks (`quick`: a few epochs; `checkpoint`: save the
/// training state after every epoch, and resume from it, without changing the result).
public func networkOptions(_ model: SuiteModel, seed: UInt64, quick: Bool = false, epochs: Int? = nil,
                           checkpoint: CheckpointSettings? = nil) -> TrainingOptions {
    let full = model == .lenet5 ? 15 : 30
    let n = epochs ?? (quick ? (model == .lenet5 ? 2 : 5) : full)
    // LeNet-5 trains on randomly shifted digits (±2 pixels), the neural module's setting that reaches its goal.
    return TrainingOptions(epochs: n, batchSize: 32, learningRate: 0.05, schedule: .cosine(), seed: seed,
                           augmentation: model == .lenet5 ? .randomShift(pixels: 2) : .none, checkpoint: checkpoint)
}

/// Builds `model` for data of `imageShape` (nil: flat feature rows, which the image models reject).
/// `checkpoint` applies to the networks only (the other models train in one step).
public func makeSuiteModel(_ model: SuiteModel, imageShape: ImageShape?, seed: UInt64, quick: Bool = false,
                           epochs: Int? = nil, checkpoint: CheckpointSettings? = nil) throws -> any Classifier {
    if model.needsImages && imageShape == nil {
        throw ClassifierError.invalidData(model: model.rawValue, reason: "needs images (channels × height × width), but the data are plain feature rows; use an image folder or IDX files")
    }
    switch model {
    case .logreg: return try LogisticRegression(c: 1, seed: seed, name: "logreg")
    case .knn5: return try KNearestNeighbors(k: 5, name: "knn5")
    case .bovwHist, .bovwTriangle:
        let shape = imageShape!
        return try BagOfVisualWords(imageHeight: shape.height, imageWidth: shape.width, channels: shape.channels,
                                    settings: bagOfWordsSettings(model, quick: quick), seed: seed, name: model.rawValue)
    case .mlp, .lenet5:
        let shape = imageShape.map { [$0.channels, $0.height, $0.width] }
        return NeuralNetworkClassifier(name: model.rawValue,
                                       architecture: .custom { inputShape, classes, seed in try suiteNetwork(model, inputShape: inputShape, classes: classes, seed: seed) },
                                       imageShape: model == .lenet5 ? shape : nil,
                                       options: networkOptions(model, seed: seed, quick: quick, epochs: epochs, checkpoint: checkpoint))
    }
}

/// The network of `model` (.mlp: 100 ReLU units; .lenet5: the lectures' LeNet-5), built and seeded.
public func suiteNetwork(_ model: SuiteModel, inputShape: [Int], classes: Int, seed: UInt64) throws -> Sequential {
    switch model {
    case .mlp: return try Models.mlp(inputs: inputShape.reduce(1, *), hidden: [100], activation: .relu, outputs: classes, seed: seed)
    case .lenet5: return try Models.lenet5(inputShape: inputShape, classes: classes, seed: seed)
    default: throw ClassifierError.invalidData(model: model.rawValue, reason: "is not a neural network")
    }
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
    default: return 0
    }
}

/// Length of the feature vector the model's classifier sees for one image.
public func classifierFeatureCount(_ model: any Classifier, inputCount: Int) -> Int {
    (model as? BagOfVisualWords)?.featureCount ?? inputCount
}
