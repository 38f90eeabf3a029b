// Watching a training run for divergence: a NaN or infinite loss, a loss that grew far past where
// it started, or a loss that sits at ln(classes) with chance accuracy (a network whose units died,
// often after a blow-up). The trainer throws `NeuralNetworkError.diverged` with a report; the
// classifier restarts from a fresh network at a lower learning rate.
import Foundation

/// Why and where a training run was judged to have diverged.
public struct DivergenceReport: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The loss became NaN or infinite (in a batch, or over the epoch).
        case nonFinite
        /// The epoch's training loss grew past `DivergenceWatch.explosionFactor` times its start.
        case exploded
        /// The training loss sat at ln(classes) with chance accuracy for max(3, epochs / 10) epochs.
        case stuckAtChance
    }

    /// 1-based epoch in which the divergence was seen.
    public var epoch: Int
    /// The loss that gave it away (a batch's, or the epoch's training loss).
    public var loss: Double
    /// The learning rate of that epoch.
    public var learningRate: Float
    public var kind: Kind
    /// The limit the loss crossed (`.exploded`) or the chance-level loss ln(classes) (`.stuckAtChance`).
    public var limit: Double?
    /// The model, when a classifier reports it (put first in `description`).
    public var model: String?
    /// `.stuckAtChance`: the consecutive epochs the loss sat at chance level.
    public var epochsAtChance: Int?
    /// The base learning rates tried, in order, when a classifier gave up after restarts.
    public var learningRatesTried: [Float] = []

    public init(epoch: Int, loss: Double, learningRate: Float, kind: Kind, limit: Double? = nil) {
        self.epoch = epoch
        self.loss = loss
        self.learningRate = learningRate
        self.kind = kind
        self.limit = limit
    }

    /// Equal fields, where two NaN losses count as equal (a report read back from a checkpoint
    /// equals the one written).
    public static func == (a: DivergenceReport, b: DivergenceReport) -> Bool {
        (a.loss == b.loss || (a.loss.isNaN && b.loss.isNaN)) && a.epoch == b.epoch && a.learningRate == b.learningRate
            && a.kind == b.kind && a.limit == b.limit && a.model == b.model && a.learningRatesTried == b.learningRatesTried
    }

    /// One sentence: what happened in which epoch, the loss, and what to do about it.
    public var description: String {
        let lr = rateText(learningRate)
        var what: String
        switch kind {
        case .nonFinite:
            what = "the training loss became \(loss.isNaN ? "NaN" : "infinite") in epoch \(epoch) at learning rate \(lr)"
        case .exploded:
            what = "the training loss grew to \(lossText(loss)) in epoch \(epoch), above \(lossText(limit ?? 0)) "
                + "(\(Int(DivergenceWatch.explosionFactor)) times its start), at learning rate \(lr)"
        case .stuckAtChance:
            what = "the training loss sat at \(lossText(loss)) = ln(classes), chance level, with chance accuracy for "
                + "\(epochsAtChance.map { "\($0) epochs" } ?? "several epochs") up to epoch \(epoch) at learning rate \(lr)"
        }
        what = "training diverged: " + what
        if learningRatesTried.count > 1 {
            what += " (after restarts at learning rates " + learningRatesTried.map(rateText).joined(separator: " → ") + ")"
        }
        let sentence = what + "; lower the learning rate (--lr) or standardize the inputs."
        guard let model else { return sentence.prefix(1).uppercased() + sentence.dropFirst() }
        return "\(model): \(sentence)"
    }
}

/// The learning rates a restarted run went through, for a summary line:
/// "learning rate 0.05 → 0.0167 → 0.00556".
public func learningRateHistory(_ rates: [Float]) -> String {
    "learning rate " + rates.map(rateText).joined(separator: " → ")
}

/// A learning rate with three significant digits.
func rateText(_ rate: Float) -> String { String(format: "%.3g", Double(rate)) }

private func lossText(_ loss: Double) -> String { String(format: "%.4g", loss) }

/// The trainer's divergence checks, after every batch and every epoch.
struct DivergenceWatch {
    /// An epoch's training loss above this many times the starting loss is an explosion.
    static let explosionFactor = 3.0
    /// "At ln(classes)" means within this fraction of it.
    static let chanceTolerance = 0.01
    /// "Stuck" also means the training loss moved by at most this fraction of ln(classes) over the window.
    static let flatTolerance = 1e-4
    /// Consecutive epochs at chance level before the run counts as stuck: at least this many, and
    /// a tenth of the run (a network of saturating units may sit at chance for its first epochs
    /// before it learns; toy runs of hundreds of short epochs do).
    static let stuckEpochs = 3
    let stuckWindow: Int

    let classes: Int
    /// The accuracies of always answering one class (its share of the training rows): what a
    /// dead network, whose output no longer depends on its input, scores.
    let constantAccuracies: [Double]
    /// The loss of the run's first batch (the start the explosion check compares with).
    var firstBatchLoss: Double?

    init(classes: Int, labels: [Int], rows: [Int], epochs: Int) {
        self.classes = classes
        stuckWindow = max(Self.stuckEpochs, epochs / 10)
        var counts = [Int](repeating: 0, count: classes)
        for r in rows { counts[labels[r]] += 1 }
        constantAccuracies = counts.map { Double($0) / Double(max(rows.count, 1)) }
    }

    /// ln(classes): the cross-entropy of uniform predictions.
    var chanceLoss: Double { log(Double(classes)) }

    /// Checks one batch's loss (and remembers the run's first).
    mutating func check(batchLoss: Double, epoch: Int, learningRate: Float) throws {
        guard batchLoss.isFinite else {
            throw NeuralNetworkError.diverged(DivergenceReport(epoch: epoch, loss: batchLoss, learningRate: learningRate, kind: .nonFinite))
        }
        if firstBatchLoss == nil { firstBatchLoss = batchLoss }
    }

    /// Checks the curve after its last epoch was appended.
    func check(curve: LearningCurve) throws {
        guard let m = curve.epochs.last else { return }
        func report(_ kind: DivergenceReport.Kind, _ limit: Double? = nil) -> NeuralNetworkError {
            .diverged(DivergenceReport(epoch: m.epoch, loss: m.trainLoss, learningRate: m.learningRate, kind: kind, limit: limit))
        }
        guard m.trainLoss.isFinite else { throw report(.nonFinite) }
        // The start is the first batch's loss, but never below chance level: a lucky first batch
        // of a few samples must not make an ordinary epoch look like a blow-up.
        let start = max(firstBatchLoss ?? curve.epochs[0].trainLoss, chanceLoss)
        let limit = Self.explosionFactor * start
        if m.trainLoss > limit { throw report(.exploded, limit) }
        let recent = curve.epochs.suffix(stuckWindow)
        // Stuck means not moving at all (a dead network's loss is flat to four digits); a network that
        // is slowly leaving the plateau is still learning.
        let losses = recent.map(\.trainLoss)
        let flat = (losses.max() ?? 0) - (losses.min() ?? 0) <= Self.flatTolerance * chanceLoss
        if recent.count == stuckWindow, flat, recent.allSatisfy(atChance) {
            guard case var .diverged(r) = report(.stuckAtChance, chanceLoss) else { return }
            r.epochsAtChance = stuckWindow
            throw NeuralNetworkError.diverged(r)
        }
    }

    private func atChance(_ m: EpochMetrics) -> Bool {
        // A slowly learning network near ln(classes) still tells some samples apart; a dead one
        // gives every sample the same class, so its accuracy is exactly that class's share.
        abs(m.trainLoss - chanceLoss) <= Self.chanceTolerance * chanceLoss
            && constantAccuracies.contains { abs($0 - m.trainAccuracy) < 1e-9 }
    }
}
