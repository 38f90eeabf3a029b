// Fair tuning: every model of a comparison chooses its hyperparameters on data it is not scored
// on. A stratified validation part is held out of the training set; each point of the model's grid
// (declared in its catalogue entry) is fitted on (at most `trialCap` samples of) the rest and scored
// on the validation part; the best point wins (ties: the earlier point in grid order), unless the
// model's own settings score within one standard error of it (they stay). The test set
// never takes part. The final fit then uses the chosen values on the whole training set (as
// scikit-learn's GridSearchCV refits), networks for their epochs; on request (`EarlyStopping` in the
// build context) networks hold the validation part out again and keep the epoch of best validation
// accuracy, choosing their epochs on it.
import Classifiers
import Datasets
import Foundation
import Tensors

/// The grid a model chooses its settings from, and the budget of each trial.
public struct TuningGrid: Sendable {
    /// The settings tried, each with its candidate values, in grid order (the Cartesian product is tried).
    public var axes: [(name: String, values: [SettingValue])]
    /// Networks: epochs of each trial (at most the model's own); nil: the model's own.
    public var trialEpochs: Int?

    public init(_ axes: [(name: String, values: [SettingValue])] = [], trialEpochs: Int? = nil) {
        self.axes = axes
        self.trialEpochs = trialEpochs
    }

    public var isEmpty: Bool { axes.allSatisfy { $0.values.count < 2 } }

    /// The grid in words, e.g. "svm-c ∈ {1, 10, 100} × gamma ∈ {0}".
    public var text: String {
        axes.map { "\($0.name) ∈ {\($0.values.map(\.description).joined(separator: ", "))}" }.joined(separator: " × ")
    }

    /// Every point of the grid, the first axis varying slowest.
    var points: [[String: SettingValue]] {
        axes.reduce([[:]]) { partial, axis in
            partial.flatMap { point in axis.values.map { v in point.merging([axis.name: v]) { $1 } } }
        }
    }
}

/// How much of the training data tuning uses.
public struct TuningBudget: Sendable, Equatable {
    /// Share of the training set held out for validation ...
    public var validationFraction: Double
    /// ... but never more than this many samples.
    public var maxValidation: Int
    /// Each trial is fitted on at most this many of the remaining samples (stratified).
    public var trialCap: Int
    /// Networks' final training stops after this many epochs without a lower validation loss.
    public var patience: Int

    public init(validationFraction: Double = 0.1, maxValidation: Int = 5_000, trialCap: Int = 10_000, patience: Int = 10) {
        self.validationFraction = validationFraction
        self.maxValidation = maxValidation
        self.trialCap = trialCap
        self.patience = patience
    }

    /// Validation samples held out of `count` training samples.
    public func validationCount(of count: Int) -> Int {
        min(maxValidation, max(1, Int((Double(count) * validationFraction).rounded())))
    }
}

/// One point of a grid and what it scored.
public struct TuningTrial: Sendable {
    public var values: [String: SettingValue]
    public var validationAccuracy: Double
    public var seconds: Double
}

/// What tuning chose, and from what.
public struct TuningResult: Sendable {
    /// The settings of the final fit (the chosen grid point on top of the others).
    public var settings: ModelSettings
    public var grid: TuningGrid
    public var trials: [TuningTrial]
    public var chosen: Int
    /// Samples each trial was fitted on, and the validation samples it was scored on.
    public var trialCount: Int
    public var validationCount: Int
    /// Wall-clock seconds of all the trials.
    public var seconds: Double

    public var chosenTrial: TuningTrial { trials[chosen] }

    /// The chosen values in words, in grid order, e.g. "svm-c=10".
    public var chosenText: String {
        grid.axes.compactMap { a in chosenTrial.values[a.name].map { "\(a.name)=\($0)" } }.joined(separator: " ")
    }
}

/// The grid of `entry` without the settings fixed by `given` (a setting given on the command line is not tuned).
public func tuningGrid(_ entry: ModelEntry, fixing given: Set<String>) -> TuningGrid {
    var grid = entry.grid
    grid.axes = grid.axes.filter { !given.contains($0.name) && $0.values.count > 1 }
    return grid
}

/// Tries every point of `grid` for `entry` (on top of `base`): fitted on at most `budget.trialCap`
/// samples of `train` minus a stratified validation part, scored on that part. Nil when the grid has
/// nothing to choose. `note` hears one line per trial.
public func tune(_ entry: ModelEntry, grid: TuningGrid, base: ModelSettings, train: Dataset, context: BuildContext,
                 budget: TuningBudget = TuningBudget(), note: ((String) -> Void)? = nil) throws -> TuningResult? {
    guard !grid.isEmpty else { return nil }
    let validationCount = budget.validationCount(of: train.count)
    guard validationCount < train.count, train.count - validationCount >= train.classCount else {
        throw SettingError("\(entry.name): \(train.count) training samples are too few to hold out a validation part for tuning; run with the model's settings given")
    }
    let (rest, validation) = try stratifiedSplit(train, testCount: validationCount, seed: context.seed &+ 0x7475_6E65)
    let fitPart = try stratifiedSubset(rest, count: budget.trialCap, seed: context.seed &+ 0x7472_6961)
    let clock = Stopwatch()
    var trials: [TuningTrial] = []
    let points = grid.points
    for (i, point) in points.enumerated() {
        var s = base
        for (k, v) in point { s[k] = v }
        if let e = grid.trialEpochs, case let .int(own)? = s["epochs"] { s["epochs"] = .int(min(e, own)) }
        var trialContext = context
        trialContext.checkpoint = nil
        trialContext.earlyStopping = nil
        var model = try entry.build(s, trialContext)
        let trialClock = Stopwatch()
        try model.fit(fitPart.features, fitPart.labels, classCount: train.classCount)
        let score = try model.score(validation.features, validation.labels)
        trials.append(TuningTrial(values: point, validationAccuracy: score, seconds: trialClock.seconds))
        let words = grid.axes.compactMap { a in point[a.name].map { "\(a.name)=\($0)" } }.joined(separator: " ")
        note?(String(format: "%@: tuning %d/%d, %@: validation accuracy %.4f (%.1f s)", entry.name, i + 1, points.count, words, score,
                     trialClock.seconds))
    }
    // The best validation accuracy (ties: the earlier point), unless the model's own settings are in
    // the grid and score within one standard error of the best, √(p(1 − p)/n) on the n validation
    // samples: then they stay (the one-standard-error rule; no change without evidence).
    var chosen = 0
    for (i, t) in trials.enumerated() where t.validationAccuracy > trials[chosen].validationAccuracy { chosen = i }
    if let own = points.firstIndex(where: { p in p.allSatisfy { base[$0.key] == $0.value } }),
       trials[chosen].validationAccuracy - trials[own].validationAccuracy <= standardError(trials[chosen].validationAccuracy, validation.count) {
        chosen = own
    }
    var settings = base
    for (k, v) in trials[chosen].values { settings[k] = v }
    return TuningResult(settings: settings, grid: grid, trials: trials, chosen: chosen, trialCount: fitPart.count,
                        validationCount: validation.count, seconds: clock.seconds)
}

/// The standard error of an accuracy `p` measured on `n` samples.
func standardError(_ p: Double, _ n: Int) -> Double { (p * (1 - p) / Double(max(n, 1))).squareRoot() }

/// The tuning budget of a model in words, for the models table.
public func tuningBudgetText(_ result: TuningResult?, entry: ModelEntry, trainCount: Int, budget: TuningBudget,
                             earlyStopping: Bool = false) -> String {
    let final: String
    if entry.isNetwork && earlyStopping {
        final = "final: the whole training set less \(budget.validationCount(of: trainCount)) held out, the epoch of best validation accuracy kept (stopping after \(budget.patience) epochs without a better one)"
    } else {
        final = entry.isNetwork ? "final: all \(trainCount), every epoch" : "final: refit on all \(trainCount)"
    }
    guard let r = result else { return "not tuned (settings as given); " + final }
    let epochs = r.grid.trialEpochs.map { ", \($0) epochs each" } ?? ""
    return "\(r.trials.count) trials on \(r.trialCount) samples\(epochs), scored on \(r.validationCount) held out; \(final)"
}
