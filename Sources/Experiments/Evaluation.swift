// Fitting one model and measuring it the same way in every experiment: fit time, test predictions
// and their time, training and test accuracy, and what the model stores.
import Classifiers
import Datasets
import NeuralNetworks
import Tensors

/// What one fitted model measured.
public struct Evaluation {
    public var model: any Classifier
    /// Accuracy on the training part (nil when not measured).
    public var trainAccuracy: Double?
    public var testAccuracy: Double
    /// Wall-clock seconds of `fit`; for networks, the training epochs only (the per-epoch
    /// evaluation passes of the learning curve are left out).
    public var fitSeconds: Double
    /// Wall-clock seconds to predict the whole test part.
    public var predictSeconds: Double
    /// The predicted class of every test sample.
    public var testPredictions: [Int]
    /// The class probabilities of every test sample (the predictions are their row maxima).
    public var testProbabilities: Matrix
    /// Values the fitted model learned or stores (see `learnedValueCount`).
    public var parameters: Int
    /// The network's learning curve (train and test loss and accuracy per epoch), nil for others.
    public var learningCurve: LearningCurve?
}

/// Fits `model` on `data.train` and measures it on both parts. Networks also record their test
/// loss and accuracy after every epoch; `onEpoch` sees each epoch as it finishes, `onResume` hears
/// when a network continues from its checkpoint (after the given epoch). `scoreTraining`
/// false skips predicting the training part (sweeps that only compare test accuracy).
/// `progress` shows a live report of the fit (and is finished when it returns).
public func evaluate(_ model: any Classifier, on train: Dataset, _ test: Dataset, scoreTraining: Bool = true,
                     progress: ProgressReporter? = nil,
                     onEpoch: ((EpochMetrics) -> Void)? = nil, onResume: ((_ epoch: Int, _ of: Int) -> Void)? = nil) throws -> Evaluation {
    defer { progress?.finish() }
    var model = model
    let clock = Stopwatch()
    var curve: LearningCurve?
    if var network = model as? NeuralNetworkClassifier {
        network.progress = { event in
            progress?.training(event)
            switch event {
            case let .epochFinished(m): onEpoch?(m)
            case let .resumed(epoch, of): onResume?(epoch, of)
            default: break
            }
        }
        try network.fit(train.features, train.labels, classCount: train.classCount, test: (test.features, test.labels))
        network.progress = nil
        curve = network.learningCurve
        model = network
    } else if let progress, var reporting = model as? any ProgressReportingClassifier {
        reporting.progress = { progress.fit($0) }
        try reporting.fit(train.features, train.labels, classCount: train.classCount)
        model = reporting
    } else {
        try model.fit(train.features, train.labels, classCount: train.classCount)
    }
    let fitSeconds = curve?.trainSeconds ?? clock.seconds
    progress?.stage("predicting \(test.count) test samples")
    let predictClock = Stopwatch()
    // One pass gives both: every model of the suite predicts the most probable class (ties: the lower label).
    let probabilities = try model.probabilities(test.features)
    let predicted = probabilities.rowArgmax()
    let predictSeconds = predictClock.seconds
    let trainAccuracy = scoreTraining ? try model.score(train.features, train.labels) : nil
    return Evaluation(model: model, trainAccuracy: trainAccuracy,
                      testAccuracy: accuracy(predicted: predicted, actual: test.labels),
                      fitSeconds: fitSeconds, predictSeconds: predictSeconds, testPredictions: predicted, testProbabilities: probabilities,
                      parameters: learnedValueCount(model, trainingCount: train.count, featureCount: train.featureCount),
                      learningCurve: curve)
}

/// The confusion matrix as a table: one row per true class, one column per predicted class.
public func confusionTable(_ counts: [[Int]], classNames: [String]) -> Table {
    var table = Table(columns: ["true_class"] + classNames.map { "predicted_\($0)" })
    for (i, row) in counts.enumerated() { table.append([.text(classNames[i])] + row.map { .int($0) }) }
    return table
}

/// Sentences about a fit that its user should read (a network's divergences and restarts).
public func trainingNotes(_ model: any Classifier) -> [String] {
    guard let network = model as? NeuralNetworkClassifier, !network.divergences.isEmpty else { return [] }
    var notes = network.divergences.map { d -> String in
        var named = d
        named.model = network.name
        return named.description
    }
    // Each restart trains from the start at a third of the base rate before.
    var rates = [network.options.learningRate]
    var rate = network.options.learningRate
    for _ in network.divergences { rate /= 3; rates.append(rate) }
    notes.append("\(network.name): restarted \(network.divergences.count == 1 ? "once" : "\(network.divergences.count) times"): \(learningRateHistory(rates)); the saved model is the run at \(network.learningRateUsed.map { String(format: "%.3g", $0) } ?? "?")")
    return notes
}
