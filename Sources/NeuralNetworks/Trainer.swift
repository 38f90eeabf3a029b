// Mini-batch training (the lectures' GD algorithm with seeded shuffling): forward, loss, backward,
// update for every batch; after each epoch the training and test mean loss and accuracy (lines
// 12–13) go to the learning curve. Progress goes to an optional callback; the library never prints.
import Foundation
import Tensors

/// Random changes to the training images of each batch (never to evaluation data).
public enum ImageAugmentation: Sendable, Equatable, CustomStringConvertible {
    /// Train on the images as they are.
    case none
    /// Move each training image by a random whole number of pixels in −pixels...pixels along each
    /// axis (independently per image and batch), filling the uncovered border with zeros: the
    /// classic augmentation of the MNIST papers. Needs a C×H×W input.
    case randomShift(pixels: Int)

    /// `image` (C×H×W) moved down by `dy` and right by `dx` pixels (negative: up, left), zeros
    /// where nothing moved in: what `.randomShift` does to a training image.
    public static func shifted(_ image: Tensor, dy: Int, dx: Int) throws -> Tensor {
        guard image.rank == 3 else {
            throw NeuralNetworkError.invalidData(reason: "A shift takes one C×H×W image; got a tensor of shape \(image.shape)")
        }
        var out = image
        var scratch = [Float](repeating: 0, count: image.count)
        out.data.withUnsafeMutableBufferPointer { o in
            scratch.withUnsafeMutableBufferPointer { s in
                guard let pixels = o.baseAddress, let s = s.baseAddress else { return }   // an empty image has nothing to move
                shiftImage(pixels, shape: image.shape, dy: dy, dx: dx, scratch: s)
            }
        }
        return out
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case let .randomShift(p): return "shift(±\(p))"
        }
    }
}

/// Options of `Trainer`, with the defaults used for the digits tables.
public struct TrainingOptions: Sendable {
    /// Passes over the training data.
    public var epochs: Int = 10
    /// Samples per mini-batch (the last batch of an epoch may be smaller).
    public var batchSize: Int = 64
    /// Base learning rate η.
    public var learningRate: Float = 0.05
    /// SGD with the lectures' momentum 0.9 by default.
    public var optimizer: OptimizerKind = .momentum
    /// L2 weight decay λ on weights (0: none).
    public var weightDecay: Float = 0
    /// Learning-rate schedule over the epochs.
    public var schedule: LearningRateSchedule = .constant
    /// The training loss (softmax cross-entropy on the network's raw outputs by default).
    public var loss: any Loss = SoftmaxCrossEntropy()
    /// Seed of the shuffling and of the validation split.
    public var seed: UInt64 = 0
    /// Fraction of the training data held out for validation (0: none).
    public var validationFraction: Double = 0
    /// Stop after this many epochs without a better validation loss (or accuracy), restoring the best weights
    /// (nil: never stop early). Needs `validationFraction > 0`.
    public var earlyStoppingPatience: Int? = nil
    /// What early stopping watches: the validation loss (lower is better) or the validation
    /// accuracy (higher is better; on a tie the later epoch is kept).
    public var earlyStoppingMetric: EarlyStoppingMetric = .loss
    /// Evaluate the whole training set after each epoch (the lectures' line 12). When false, the
    /// curve's training loss and accuracy are running means over the epoch's batches (cheaper).
    public var evaluateTrainingSet: Bool = true
    /// Batch size of the evaluation passes.
    public var evaluationBatchSize: Int = 256
    /// Random changes to each training batch (seeded by `seed`; off by default).
    public var augmentation: ImageAugmentation = .none
    /// Save the whole training state after every epoch, and optionally continue from it (nil: no
    /// checkpoints). It does not change the result: a resumed run ends with the same bits.
    public var checkpoint: CheckpointSettings? = nil
    /// How many times `NeuralNetworkClassifier.fit` starts again from a fresh network, at a third
    /// of the learning rate, when training diverges (0: never; the divergence is thrown).
    public var divergenceRestarts: Int = 2

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 0.05, optimizer: OptimizerKind = .momentum,
                weightDecay: Float = 0, schedule: LearningRateSchedule = .constant, loss: any Loss = SoftmaxCrossEntropy(),
                seed: UInt64 = 0, validationFraction: Double = 0, earlyStoppingPatience: Int? = nil,
                evaluateTrainingSet: Bool = true, augmentation: ImageAugmentation = .none, checkpoint: CheckpointSettings? = nil,
                divergenceRestarts: Int = 2) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.optimizer = optimizer
        self.weightDecay = weightDecay
        self.schedule = schedule
        self.loss = loss
        self.seed = seed
        self.validationFraction = validationFraction
        self.earlyStoppingPatience = earlyStoppingPatience
        self.evaluateTrainingSet = evaluateTrainingSet
        self.augmentation = augmentation
        self.checkpoint = checkpoint
        self.divergenceRestarts = divergenceRestarts
    }

    func validate() throws {
        if epochs < 1 { throw NeuralNetworkError.invalidOption(name: "epochs", reason: "must be at least 1, got \(epochs)") }
        if batchSize < 1 { throw NeuralNetworkError.invalidOption(name: "batch size", reason: "must be at least 1, got \(batchSize)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw NeuralNetworkError.invalidOption(name: "learning rate", reason: "must be a positive number, got \(learningRate)")
        }
        if divergenceRestarts < 0 {
            throw NeuralNetworkError.invalidOption(name: "divergence restarts", reason: "must be 0 (never restart) or more, got \(divergenceRestarts)")
        }
        if weightDecay < 0 { throw NeuralNetworkError.invalidOption(name: "weight decay", reason: "must be ≥ 0, got \(weightDecay)") }
        if !(validationFraction >= 0 && validationFraction < 1) {
            throw NeuralNetworkError.invalidOption(name: "validation fraction", reason: "must be in [0, 1), got \(validationFraction)")
        }
        if case let .randomShift(p) = augmentation, p < 0 {
            throw NeuralNetworkError.invalidOption(name: "random shift", reason: "must be at least 0 pixels, got \(p)")
        }
        if let p = earlyStoppingPatience {
            if p < 1 { throw NeuralNetworkError.invalidOption(name: "early-stopping patience", reason: "must be at least 1 epoch, got \(p)") }
            if validationFraction == 0 {
                throw NeuralNetworkError.invalidOption(name: "early-stopping patience", reason: "needs a validation split; set the validation fraction (e.g. 0.1)")
            }
        }
    }
}

/// The validation figure early stopping watches.
public enum EarlyStoppingMetric: String, Sendable, Equatable {
    case loss
    case accuracy
}

/// What one epoch measured (the lectures' lines 12–13, plus validation when held out).
public struct EpochMetrics: Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    public var learningRate: Float
    public var trainLoss: Double
    public var trainAccuracy: Double
    public var testLoss: Double?
    public var testAccuracy: Double?
    public var validationLoss: Double?
    public var validationAccuracy: Double?
    /// Wall-clock seconds of the epoch's training (without the evaluation passes).
    public var trainSeconds: Double

    public init(epoch: Int, learningRate: Float, trainLoss: Double, trainAccuracy: Double, testLoss: Double? = nil, testAccuracy: Double? = nil,
                validationLoss: Double? = nil, validationAccuracy: Double? = nil, trainSeconds: Double) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.trainLoss = trainLoss
        self.trainAccuracy = trainAccuracy
        self.testLoss = testLoss
        self.testAccuracy = testAccuracy
        self.validationLoss = validationLoss
        self.validationAccuracy = validationAccuracy
        self.trainSeconds = trainSeconds
    }
}

/// The learning curve of a training run.
public struct LearningCurve: Equatable, Sendable {
    public var epochs: [EpochMetrics] = []
    /// The epoch whose weights the model holds at the end (the best validation epoch when stopping early).
    public var bestEpoch: Int = 0
    /// True when early stopping ended the run before the last epoch.
    public var stoppedEarly = false
    /// Total training seconds (sum over epochs, without evaluation).
    public var trainSeconds: Double { epochs.reduce(0) { $0 + $1.trainSeconds } }

    /// CSV with header `epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy`
    /// (empty cells where a set was not given). Timing is left out so reruns diff cleanly.
    public var csv: String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.6f", $0) } ?? "" }
        let header = "epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy\n"
        return header + epochs.map { e in
            "\(e.epoch),\(String(format: "%.6g", e.learningRate)),\(f(e.trainLoss)),\(f(e.trainAccuracy)),\(f(e.testLoss)),\(f(e.testAccuracy)),\(f(e.validationLoss)),\(f(e.validationAccuracy))"
        }.joined(separator: "\n") + "\n"
    }

    /// Writes `csv` atomically to `path`.
    public func write(to path: String) throws { try writeFileAtomically(csv, to: path) }
}

/// Progress of a training run, for an optional reporter.
public enum TrainingEvent: Sendable {
    /// Continuing from a checkpoint written after `epoch` (the model and curve hold its state).
    case resumed(epoch: Int, of: Int)
    case epochStarted(epoch: Int, of: Int)
    /// After each mini-batch: its loss, how many batches of the epoch are done, and how many
    /// training samples of the epoch (`samples` of `ofSamples`) those batches held.
    case batchFinished(epoch: Int, batch: Int, of: Int, loss: Double, samples: Int, ofSamples: Int)
    case epochFinished(EpochMetrics)
    case stoppedEarly(epoch: Int, bestEpoch: Int)
    /// Training diverged; a classifier starts again from a fresh network at `restartLearningRate`
    /// (nil: no restart left, the divergence is thrown).
    case diverged(DivergenceReport, restartLearningRate: Float?)
}

/// Trains a `Sequential` with mini-batches.
public struct Trainer {
    public var options: TrainingOptions
    /// Extra entries written into every checkpoint's metadata (not compared when resuming).
    var checkpointNotes: [String: String] = [:]

    public init(options: TrainingOptions = TrainingOptions()) { self.options = options }

    /// Trains `model` on the rows of `x` (N × the model's inputs) with labels `y` in 0..<classes,
    /// reporting each epoch's training and (when given) test loss and accuracy.
    /// Throws `diverged` naming the epoch when the loss becomes NaN or infinite (checked after every
    /// batch), grows past 3 times its start, or sits at ln(classes) with chance accuracy for 3
    /// epochs (see `DivergenceWatch`).
    /// With `options.checkpoint`, writes the training state after every epoch and, when resuming
    /// from an existing checkpoint, continues after its epoch (throws `checkpointFile` when the file
    /// is damaged or was made with another network, other options or other data).
    public func fit(_ model: Sequential, x: Matrix, y: [Int], test: (x: Matrix, y: [Int])? = nil,
                    progress: ((TrainingEvent) -> Void)? = nil) throws -> LearningCurve {
        try options.validate()
        let run = try TrainingRun(model: model, options: options, x: x, y: y, test: test, progress: progress, notes: checkpointNotes)
        if try run.restoreCheckpoint() { return run.curve }
        for epoch in run.firstEpoch...options.epochs {
            let rate = run.startEpoch(epoch)
            let (lossSum, correct, seconds) = try run.trainBatches(epoch: epoch, rate: rate)
            let metrics = try run.measureEpoch(epoch, rate: rate, lossSum: lossSum, correct: correct, seconds: seconds)
            progress?(.epochFinished(metrics))
            try run.watch.check(curve: run.curve)
            let stop = run.applyEarlyStopping(after: metrics)
            try run.writeCheckpoint(epoch: epoch, finished: stop || epoch == options.epochs)
            if stop { break }
        }
        return run.curve
    }

    /// Mean loss and accuracy of `model` on `x`, `y` (inference mode).
    public func evaluate(_ model: Sequential, _ x: Matrix, _ y: [Int]) throws -> (loss: Double, accuracy: Double) {
        let width = model.outputCount
        try checkData(model, x, y, classes: width == 1 ? 2 : width, what: "evaluation")
        guard x.rows > 0 else { return (0, 0) }
        let out = try model.outputs(x, batchSize: options.evaluationBatchSize)
        let targets = options.loss.targets(labels: y, width: width)
        let loss = out.data.withUnsafeBufferPointer { o in
            targets.data.withUnsafeBufferPointer { t in
                guard let o = o.baseAddress, let t = t.baseAddress else { return 0.0 }   // no outputs: no loss
                return options.loss.evaluate(output: o, targets: t, batch: x.rows, width: width, gradient: nil)
            }
        }
        let correct = out.data.withUnsafeBufferPointer { o in
            guard let o = o.baseAddress else { return 0 }   // no outputs: nothing correct
            return countCorrect(o, labels: Array(0..<x.rows), offset: 0, n: x.rows, width: width, y: y)
        }
        return (loss, Double(correct) / Double(x.rows))
    }
}

/// Moves one C×H×W image by (dy, dx) pixels in place: out[c, y, x] = in[c, y − dy, x − dx], zero
/// where that falls outside.
func shiftImage(_ image: UnsafeMutablePointer<Float>, shape: [Int], dy: Int, dx: Int, scratch: UnsafeMutablePointer<Float>) {
    let c = shape[0], h = shape[1], w = shape[2]
    if dy == 0 && dx == 0 { return }
    scratch.update(from: image, count: c * h * w)
    image.update(repeating: 0, count: c * h * w)
    let x0 = max(0, dx), x1 = min(w, w + dx), y0 = max(0, dy), y1 = min(h, h + dy)
    guard x1 > x0, y1 > y0 else { return }
    for ch in 0..<c {
        for y in y0..<y1 {
            (image + (ch * h + y) * w + x0).update(from: scratch + (ch * h + y - dy) * w + x0 - dx, count: x1 - x0)
        }
    }
}

/// Number of rows whose predicted class (argmax, or p > 0.5 for one output) equals its label.
func countCorrect(_ out: UnsafePointer<Float>, labels order: [Int], offset: Int, n: Int, width: Int, y: [Int]) -> Int {
    var correct = 0
    for i in 0..<n {
        let row = out + i * width
        var best = 0
        if width == 1 {
            best = row[0] > 0.5 ? 1 : 0
        } else {
            var top = -Float.infinity
            for j in 0..<width where row[j] > top { top = row[j]; best = j }
        }
        if best == y[order[offset + i]] { correct += 1 }
    }
    return correct
}
