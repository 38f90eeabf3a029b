// Neural networks under the suite's classifier contract: hyperparameters (architecture, image
// shape, training options) in the initializer, `fit` builds a fresh seeded network and trains it.
import Tensors
import Classifiers

/// Which network a `NeuralNetworkClassifier` builds for a problem with `classes` classes.
public enum Architecture: Sendable {
    /// Multilayer perceptron over the flattened input.
    case mlp(hidden: [Int], activation: Activation = .relu)
    /// LeNet-5 as in the lectures (needs an image shape).
    case lenet5
    /// A CNN from `Models.cnn` (needs an image shape).
    case cnn(stages: [ConvolutionStage], hidden: [Int], activation: Activation = .relu)
    /// Any network: given the per-sample input shape, the number of classes and a seed.
    case custom(@Sendable (_ inputShape: [Int], _ classes: Int, _ seed: UInt64) throws -> Sequential)

    func build(inputShape: [Int], classes: Int, seed: UInt64) throws -> Sequential {
        switch self {
        case let .mlp(hidden, activation):
            return try Models.mlp(inputs: inputShape.reduce(1, *), hidden: hidden, activation: activation, outputs: classes, seed: seed)
        case .lenet5:
            return try Models.lenet5(inputShape: inputShape, classes: classes, seed: seed)
        case let .cnn(stages, hidden, activation):
            return try Models.cnn(inputShape: inputShape, stages: stages, hidden: hidden, classes: classes, activation: activation, seed: seed)
        case let .custom(make):
            return try make(inputShape, classes, seed)
        }
    }
}

/// A neural network that meets the `Classifier` contract. Each row of `x` is one sample; with an
/// `imageShape` (C×H×W) each row is viewed as one image in C×H×W order.
public struct NeuralNetworkClassifier: Classifier {
    public let name: String
    public let architecture: Architecture
    /// [C, H, W] for images; nil to take each row as a flat vector.
    public let imageShape: [Int]?
    /// Training options; `options.seed` also seeds the weight initialization.
    public let options: TrainingOptions
    /// Optional progress callback used by `fit` (e.g. `TerminalProgressReporter().report`).
    public var progress: ((TrainingEvent) -> Void)?

    /// The fitted network and its learning curve (nil before `fit`).
    public private(set) var model: Sequential?
    public private(set) var learningCurve: LearningCurve?

    public init(name: String, architecture: Architecture, imageShape: [Int]? = nil, options: TrainingOptions = TrainingOptions(),
                progress: ((TrainingEvent) -> Void)? = nil) {
        self.name = name
        self.architecture = architecture
        self.imageShape = imageShape
        self.options = options
        self.progress = progress
    }

    /// MLP with hidden sizes `hidden` (the digits table's "mlp" is `hidden: [100]`).
    public static func mlp(hidden: [Int] = [100], activation: Activation = .relu, options: TrainingOptions = TrainingOptions(),
                           name: String? = nil) -> NeuralNetworkClassifier {
        NeuralNetworkClassifier(name: name ?? "mlp" + hidden.map(String.init).joined(separator: "-"),
                                architecture: .mlp(hidden: hidden, activation: activation), options: options)
    }

    /// LeNet-5 on images of `imageShape` (1×28×28 for MNIST).
    public static func lenet5(imageShape: [Int] = [1, 28, 28], options: TrainingOptions = TrainingOptions(),
                              name: String = "lenet5") -> NeuralNetworkClassifier {
        NeuralNetworkClassifier(name: name, architecture: .lenet5, imageShape: imageShape, options: options)
    }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try fit(x, y, classCount: classCount, test: nil)
    }

    /// `fit` that also records the test loss and accuracy after each epoch in `learningCurve`.
    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int, test: (x: Matrix, y: [Int])?) throws {
        guard classCount >= 2 else {
            throw ClassifierError.invalidData(model: name, reason: "needs at least 2 classes, got \(classCount)")
        }
        let shape = imageShape ?? [x.cols]
        guard shape.reduce(1, *) == x.cols else {
            throw ClassifierError.invalidHyperparameter(model: name, name: "image shape",
                reason: "\(shapeText(shape)) has \(shape.reduce(1, *)) values but each sample has \(x.cols)")
        }
        let network = try architecture.build(inputShape: shape, classes: classCount, seed: options.seed)
        let curve = try Trainer(options: options).fit(network, x: x, y: y, test: test, progress: progress)
        model = network
        learningCurve = curve
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        guard let model else { throw ClassifierError.notFitted(model: name) }
        guard x.cols == model.inputCount else {
            throw ClassifierError.invalidData(model: name, reason: "samples have \(x.cols) values but the network was fitted on \(model.inputCount)")
        }
        let out = try model.outputs(x, batchSize: options.evaluationBatchSize)
        return out.data.withUnsafeBufferPointer { options.loss.probabilities(output: $0.baseAddress!, batch: x.rows, width: out.cols) }
    }
}
