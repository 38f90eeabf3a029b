// Neural networks under the suite's classifier contract: hyperparameters (architecture, image
// shape, training options) in the initializer, `fit` builds a fresh seeded network and trains it.
import Foundation
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
/// `imageShape` (C×H×W) each row is viewed as one image in C×H×W order. With an
/// `inputNormalization`, the inputs are standardized with statistics of the training rows, kept
/// with the model and applied to every later input. When training diverges, `fit` starts again
/// from a fresh network at a third of the learning rate (`options.divergenceRestarts` times at most).
public struct NeuralNetworkClassifier: Classifier {
    public let name: String
    public let architecture: Architecture
    /// [C, H, W] for images; nil to take each row as a flat vector.
    public let imageShape: [Int]?
    /// Training options; `options.seed` also seeds the weight initialization.
    public let options: TrainingOptions
    /// How inputs are standardized before the network sees them.
    public let inputNormalization: InputNormalization
    /// Optional progress callback used by `fit` (e.g. `TerminalProgressReporter().report`).
    public var progress: ((TrainingEvent) -> Void)?
    /// Optional callback after every training epoch with the epoch and the class probabilities of
    /// the network as it is then (raw inputs in, as `probabilities`): for pictures of how the
    /// decision boundary evolves while training. It must not keep the function past the call.
    public var epochObserver: ((_ epoch: Int, _ probabilities: (Matrix) throws -> Matrix) -> Void)?

    /// The fitted network and its learning curve (nil before `fit`).
    public private(set) var model: Sequential?
    public private(set) var learningCurve: LearningCurve?
    /// The training inputs' mean and standard deviation per channel (or feature); empty for `.none`.
    public private(set) var inputMean: [Float] = []
    public private(set) var inputStd: [Float] = []
    /// The divergences of the last `fit`, in order (empty when the first run trained through).
    public private(set) var divergences: [DivergenceReport] = []
    /// The base learning rate of the run that gave the model (below `options.learningRate` after restarts).
    public private(set) var learningRateUsed: Float?

    public init(name: String, architecture: Architecture, imageShape: [Int]? = nil, options: TrainingOptions = TrainingOptions(),
                inputNormalization: InputNormalization = .none, progress: ((TrainingEvent) -> Void)? = nil) {
        self.name = name
        self.architecture = architecture
        self.imageShape = imageShape
        self.options = options
        self.inputNormalization = inputNormalization
        self.progress = progress
    }

    /// A fitted classifier from saved state, without training: `network` and the input statistics
    /// of its training (as `inputMean`/`inputStd` gave them).
    ///
    /// - Throws: `ClassifierError.invalidData` when the network does not take the image shape, or
    ///   the statistics are of the wrong count, not finite, or not positive.
    public static func restored(name: String, architecture: Architecture, imageShape: [Int]? = nil,
                                inputNormalization: InputNormalization = .none, options: TrainingOptions = TrainingOptions(),
                                network: Sequential, inputMean: [Float] = [], inputStd: [Float] = []) throws -> NeuralNetworkClassifier {
        func failure(_ reason: String) -> ClassifierError { .invalidData(model: name, reason: reason) }
        if let shape = imageShape, shape.reduce(1, *) != network.inputCount {
            throw failure("the image shape \(shapeText(shape)) has \(shape.reduce(1, *)) values but the network takes \(network.inputCount)")
        }
        let count: Int
        do { count = try inputNormalization.statisticsCount(featureCount: network.inputCount) } catch { throw failure("\(error)".dropLast().description) }
        guard inputMean.count == count, inputStd.count == count else {
            throw failure("input normalization \(inputNormalization) needs \(count) means and standard deviations, got \(inputMean.count) and \(inputStd.count)")
        }
        guard inputMean.allSatisfy(\.isFinite), inputStd.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw failure("the saved input statistics hold NaN, infinite or non-positive values (means \(inputMean), standard deviations \(inputStd)); the saved model is damaged")
        }
        var c = NeuralNetworkClassifier(name: name, architecture: architecture, imageShape: imageShape, options: options,
                                        inputNormalization: inputNormalization)
        (c.model, c.inputMean, c.inputStd) = (network, inputMean, inputStd)
        return c
    }

    /// MLP with hidden sizes `hidden` (the digits table's "mlp" is `hidden: [100]`).
    public static func mlp(hidden: [Int] = [100], activation: Activation = .relu, options: TrainingOptions = TrainingOptions(),
                           inputNormalization: InputNormalization = .none, name: String? = nil) -> NeuralNetworkClassifier {
        NeuralNetworkClassifier(name: name ?? "mlp" + hidden.map(String.init).joined(separator: "-"),
                                architecture: .mlp(hidden: hidden, activation: activation), options: options,
                                inputNormalization: inputNormalization)
    }

    /// LeNet-5 on images of `imageShape` (1×28×28 for MNIST).
    public static func lenet5(imageShape: [Int] = [1, 28, 28], options: TrainingOptions = TrainingOptions(),
                              inputNormalization: InputNormalization = .none, name: String = "lenet5") -> NeuralNetworkClassifier {
        NeuralNetworkClassifier(name: name, architecture: .lenet5, imageShape: imageShape, options: options, inputNormalization: inputNormalization)
    }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try fit(x, y, classCount: classCount, test: nil)
    }

    /// `fit` that also records the test loss and accuracy after each epoch in `learningCurve`.
    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int, test: (x: Matrix, y: [Int])?) throws {
        guard classCount >= 2 else {
            throw ClassifierError.invalidData(model: name, reason: "needs at least 2 classes, got \(classCount)")
        }
        let shape = try inputShape(featureCount: x.cols)
        let (mean, std) = try inputNormalization.statistics(of: x)
        let xs = try inputNormalization.apply(x, mean: mean, std: std)
        let ts = try test.map { (x: try inputNormalization.apply($0.x, mean: mean, std: std), y: $0.y) }
        (model, learningCurve, inputMean, inputStd) = (nil, nil, mean, std)
        try trainWithRestarts(xs, y, classCount: classCount, test: ts, shape: shape)
    }

    /// The per-sample input shape, checked against the data and the normalization.
    private func inputShape(featureCount: Int) throws -> [Int] {
        let shape = imageShape ?? [featureCount]
        guard shape.reduce(1, *) == featureCount else {
            throw ClassifierError.invalidHyperparameter(model: name, name: "image shape",
                reason: "\(shapeText(shape)) has \(shape.reduce(1, *)) values but each sample has \(featureCount)")
        }
        if case let .perChannel(channels) = inputNormalization, let image = imageShape, image.count == 3, image[0] != channels {
            throw ClassifierError.invalidHyperparameter(model: name, name: "input normalization",
                reason: "it standardizes \(channels) channels but the images have \(image[0])")
        }
        do { _ = try inputNormalization.statisticsCount(featureCount: featureCount) } catch {
            throw ClassifierError.invalidHyperparameter(model: name, name: "input normalization", reason: "\(error)".dropLast().description)
        }
        return shape
    }

    /// Trains a fresh network; on divergence, reports it and starts again at a third of the
    /// learning rate while restarts remain (each restart overwrites the checkpoint).
    private mutating func trainWithRestarts(_ x: Matrix, _ y: [Int], classCount: Int, test: (x: Matrix, y: [Int])?, shape: [Int]) throws {
        var (rates, reports) = try RestartHistory.resumed(options)
        divergences = reports
        var resume = options.checkpoint?.resume ?? false
        while true {
            var o = options
            let rate = rates.last ?? options.learningRate
            o.learningRate = rate
            o.checkpoint?.resume = resume
            var trainer = Trainer(options: o)
            trainer.checkpointNotes = RestartHistory.notes(rates: rates, reports: reports)
            let network = try architecture.build(inputShape: shape, classes: classCount, seed: options.seed)
            do {
                var events = progress
                if let observe = epochObserver {
                    let report = progress, mean = inputMean, std = inputStd
                    events = { [self] event in
                        report?(event)
                        if case let .epochFinished(m) = event {
                            observe(m.epoch) { x in try probabilities(of: network, x, mean: mean, std: std) }
                        }
                    }
                }
                learningCurve = try trainer.fit(network, x: x, y: y, test: test, progress: events)
                (model, learningRateUsed) = (network, o.learningRate)
                return
            } catch let NeuralNetworkError.diverged(report) {
                reports.append(report)
                divergences = reports
                let next: Float? = rates.count <= options.divergenceRestarts ? rate / 3 : nil
                progress?(.diverged(report, restartLearningRate: next))
                guard let next else {
                    var final = report
                    (final.model, final.learningRatesTried) = (name, rates)
                    throw NeuralNetworkError.diverged(final)
                }
                rates.append(next)
                // The restart starts afresh: a later resume must not continue the diverged run.
                if let path = options.checkpoint?.path { try? FileManager.default.removeItem(atPath: path) }
                resume = false
            }
        }
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        guard let model else { throw ClassifierError.notFitted(model: name) }
        return try probabilities(of: model, x, mean: inputMean, std: inputStd)
    }

    /// The activations of the fitted network's layer `layers − 1` (its first `layers` layers run)
    /// for the rows of `x`: N × that layer's size. For an MLP, `layers: 2` gives the first hidden
    /// layer after its activation, one column per hidden unit.
    public func activations(_ x: Matrix, throughLayers layers: Int) throws -> Matrix {
        guard let model else { throw ClassifierError.notFitted(model: name) }
        guard x.cols == model.inputCount else {
            throw ClassifierError.invalidData(model: name, reason: "samples have \(x.cols) values but the network was fitted on \(model.inputCount)")
        }
        let xs = try inputNormalization.apply(x, mean: inputMean, std: inputStd)
        return try model.outputs(xs, throughLayers: layers, batchSize: options.evaluationBatchSize)
    }

    private func probabilities(of model: Sequential, _ x: Matrix, mean inputMean: [Float], std inputStd: [Float]) throws -> Matrix {
        guard x.cols == model.inputCount else {
            throw ClassifierError.invalidData(model: name, reason: "samples have \(x.cols) values but the network was fitted on \(model.inputCount)")
        }
        let xs = try inputNormalization.apply(x, mean: inputMean, std: inputStd)
        let out = try model.outputs(xs, batchSize: options.evaluationBatchSize)
        let p = try out.data.withUnsafeBufferPointer { buffer -> Matrix in
            guard let base = buffer.baseAddress else { return Matrix(rows: x.rows, cols: out.cols) }
            return options.loss.probabilities(output: base, batch: x.rows, width: out.cols)
        }
        // Finite inputs and finite weights can still overflow (weights of 1e30 from a damaged file):
        // say so rather than hand out NaN probabilities.
        if let (row, _) = p.firstNonFinite() {
            throw ClassifierError.numericalFailure(model: name, reason: "the network's outputs overflow for sample \(row) (its weights are far larger than training gives); the model is damaged")
        }
        return p
    }
}

/// The learning rates and divergences of a restarted run, as notes in its checkpoint, so that a
/// resumed run continues at the rate it had reached.
enum RestartHistory {
    static let ratesKey = "restarts.learning_rates", reportsKey = "restarts.divergences"

    static func notes(rates: [Float], reports: [DivergenceReport]) -> [String: String] {
        guard !reports.isEmpty else { return [:] }
        let lines = reports.map { r in "\(r.epoch),\(r.loss),\(r.learningRate),\(r.kind.rawValue),\(r.limit.map { "\($0)" } ?? "")" }
        return [ratesKey: rates.map { "\($0)" }.joined(separator: ","), reportsKey: lines.joined(separator: "\n")]
    }

    /// The rates to go through (the last is the one to train at) and the divergences so far: from
    /// the checkpoint a resumed run continues, else just the base rate.
    static func resumed(_ options: TrainingOptions) throws -> (rates: [Float], reports: [DivergenceReport]) {
        let start: ([Float], [DivergenceReport]) = ([options.learningRate], [])
        guard let settings = options.checkpoint, settings.resume, let meta = TrainingCheckpoint.metadata(at: settings.path),
              let rateText = meta[ratesKey] else { return start }
        let rates = rateText.split(separator: ",").compactMap { Float(String($0)) }
        var chain = [options.learningRate], rate = options.learningRate
        while chain.count < rates.count { rate /= 3; chain.append(rate) }
        // A checkpoint of another base rate: the trainer names the difference when it reads it.
        guard rates == chain else { return start }
        guard rates.count - 1 <= options.divergenceRestarts else {
            throw NeuralNetworkError.checkpointFile(path: settings.path, reason: "was written after \(rates.count - 1) restarts for divergence (\(learningRateHistory(rates))), more than the \(options.divergenceRestarts) allowed now; allow at least \(rates.count - 1) divergence restarts or delete it to start afresh")
        }
        let reports = (meta[reportsKey] ?? "").split(separator: "\n").compactMap { line -> DivergenceReport? in
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5, let epoch = Int(f[0]), let loss = Double(f[1]), let rate = Float(f[2]),
                  let kind = DivergenceReport.Kind(rawValue: f[3]) else { return nil }
            return DivergenceReport(epoch: epoch, loss: loss, learningRate: rate, kind: kind, limit: Double(f[4]))
        }
        return (rates, reports)
    }
}
