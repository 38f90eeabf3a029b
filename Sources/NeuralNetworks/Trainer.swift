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
            scratch.withUnsafeMutableBufferPointer { s in shiftImage(o.baseAddress!, shape: image.shape, dy: dy, dx: dx, scratch: s.baseAddress!) }
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
    /// Stop after this many epochs without a lower validation loss, restoring the best weights
    /// (nil: never stop early). Needs `validationFraction > 0`.
    public var earlyStoppingPatience: Int? = nil
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

    public init(epochs: Int = 10, batchSize: Int = 64, learningRate: Float = 0.05, optimizer: OptimizerKind = .momentum,
                weightDecay: Float = 0, schedule: LearningRateSchedule = .constant, loss: any Loss = SoftmaxCrossEntropy(),
                seed: UInt64 = 0, validationFraction: Double = 0, earlyStoppingPatience: Int? = nil,
                evaluateTrainingSet: Bool = true, augmentation: ImageAugmentation = .none, checkpoint: CheckpointSettings? = nil) {
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
    }

    func validate() throws {
        if epochs < 1 { throw NeuralNetworkError.invalidOption(name: "epochs", reason: "must be at least 1, got \(epochs)") }
        if batchSize < 1 { throw NeuralNetworkError.invalidOption(name: "batch size", reason: "must be at least 1, got \(batchSize)") }
        if !(learningRate > 0) || !learningRate.isFinite {
            throw NeuralNetworkError.invalidOption(name: "learning rate", reason: "must be a positive number, got \(learningRate)")
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
    /// After each mini-batch: its loss and how many batches of the epoch are done.
    case batchFinished(epoch: Int, batch: Int, of: Int, loss: Double)
    case epochFinished(EpochMetrics)
    case stoppedEarly(epoch: Int, bestEpoch: Int)
}

/// Trains a `Sequential` with mini-batches.
public struct Trainer {
    public var options: TrainingOptions

    public init(options: TrainingOptions = TrainingOptions()) { self.options = options }

    /// Trains `model` on the rows of `x` (N × the model's inputs) with labels `y` in 0..<classes,
    /// reporting each epoch's training and (when given) test loss and accuracy.
    /// Throws `nonFiniteLoss` naming the epoch when the loss becomes NaN or infinite.
    /// With `options.checkpoint`, writes the training state after every epoch and, when resuming
    /// from an existing checkpoint, continues after its epoch (throws `checkpointFile` when the file
    /// is damaged or was made with another network, other options or other data).
    public func fit(_ model: Sequential, x: Matrix, y: [Int], test: (x: Matrix, y: [Int])? = nil,
                    progress: ((TrainingEvent) -> Void)? = nil) throws -> LearningCurve {
        try options.validate()
        let width = model.outputCount
        let classes = width == 1 ? 2 : width
        try checkData(model, x, y, classes: classes, what: "training")
        if let t = test { try checkData(model, t.x, t.y, classes: classes, what: "test") }

        var rng = Xoshiro256(seed: options.seed)
        var trainRows = Array(0..<x.rows)
        var validationRows: [Int] = []
        if options.validationFraction > 0 {
            let order = rng.permutation(x.rows)
            let v = max(1, Int((Double(x.rows) * options.validationFraction).rounded()))
            guard v < x.rows else { throw NeuralNetworkError.invalidOption(name: "validation fraction", reason: "leaves no training data") }
            validationRows = Array(order[0..<v]).sorted()
            trainRows = Array(order[v...]).sorted()
        }
        let validation = validationRows.isEmpty ? nil : (x: x.rows(validationRows), y: validationRows.map { y[$0] })

        let loss = options.loss
        let d = model.inputCount
        let targets = loss.targets(labels: y, width: width)
        guard let optimizer = options.optimizer.make(weightDecay: options.weightDecay) as? CheckpointableOptimizer else {
            throw NeuralNetworkError.invalidOption(name: "optimizer", reason: "\(options.optimizer) cannot be checkpointed")
        }
        let parameters = model.parameters
        let batchSize = min(options.batchSize, trainRows.count)
        let xBatch = FloatBuffer(capacity: batchSize * d)
        let tBatch = FloatBuffer(capacity: batchSize * width)
        let gradient = FloatBuffer(capacity: batchSize * width)
        let batches = (trainRows.count + batchSize - 1) / batchSize
        // Augmentation draws from its own stream, so turning it on leaves the batch order unchanged.
        var shiftRNG = Xoshiro256(seed: options.seed ^ 0x5348_4946_5421)
        var maxShift = 0
        if case let .randomShift(p) = options.augmentation, p > 0 {
            guard model.inputShape.count == 3 else {
                throw NeuralNetworkError.invalidOption(name: "random shift", reason: "needs image input (C×H×W), but the network takes \(shapeText(model.inputShape)); give the classifier an image shape")
            }
            maxShift = p
        }
        let shiftScratch = FloatBuffer(capacity: maxShift > 0 ? d : 1)

        var curve = LearningCurve()
        var best: (loss: Double, epoch: Int, values: [[Float]])?
        var firstEpoch = 1
        let checkpoint = options.checkpoint.map { TrainingCheckpoint(settings: $0, model: model, options: options, x: x, y: y, test: test) }
        if let checkpoint, checkpoint.settings.resume, FileManager.default.fileExists(atPath: checkpoint.settings.path) {
            let saved = try checkpoint.restore(into: optimizer)
            (curve, best, rng, shiftRNG) = (saved.curve, saved.best, saved.shuffle, saved.augmentation)
            progress?(.resumed(epoch: saved.epoch, of: options.epochs))
            if saved.finished { return curve }
            firstEpoch = saved.epoch + 1
        }
        for epoch in firstEpoch...options.epochs {
            progress?(.epochStarted(epoch: epoch, of: options.epochs))
            let rate = options.schedule.rate(base: options.learningRate, epoch: epoch - 1, epochs: options.epochs)
            var order = trainRows
            rng.shuffle(&order)
            let clock = Stopwatch()
            var lossSum = 0.0, correct = 0
            try x.data.withUnsafeBufferPointer { xs in
                try targets.data.withUnsafeBufferPointer { ts in
                    for b in 0..<batches {
                        let lo = b * batchSize, n = min(batchSize, order.count - lo)
                        let xb = xBatch.pointer, tb = tBatch.pointer
                        // Gather the batch's rows (parallel over rows when they are long).
                        order.withUnsafeBufferPointer { idx in
                            parallelElements(n, grain: max(1, 32_768 / d)) { r in
                                for i in r { (xb + i * d).update(from: xs.baseAddress! + idx[lo + i] * d, count: d) }
                            }
                            for i in 0..<n { (tb + i * width).update(from: ts.baseAddress! + idx[lo + i] * width, count: width) }
                        }
                        if maxShift > 0 {
                            for i in 0..<n {
                                let dy = shiftRNG.int(below: 2 * maxShift + 1) - maxShift, dx = shiftRNG.int(below: 2 * maxShift + 1) - maxShift
                                shiftImage(xb + i * d, shape: model.inputShape, dy: dy, dx: dx, scratch: shiftScratch.pointer)
                            }
                        }
                        let out = model.forward(xb, batch: n, training: true)
                        let batchLoss = loss.evaluate(output: out, targets: tb, batch: n, width: width, gradient: gradient.pointer)
                        guard batchLoss.isFinite else {
                            throw NeuralNetworkError.nonFiniteLoss(epoch: epoch, batch: b + 1, learningRate: rate)
                        }
                        if !options.evaluateTrainingSet {
                            lossSum += batchLoss * Double(n)
                            correct += countCorrect(out, labels: order, offset: lo, n: n, width: width, y: y)
                        }
                        model.backward(gradient.pointer)
                        optimizer.step(parameters, learningRate: rate)
                        progress?(.batchFinished(epoch: epoch, batch: b + 1, of: batches, loss: batchLoss))
                    }
                }
            }
            var metrics = EpochMetrics(epoch: epoch, learningRate: rate, trainLoss: lossSum / Double(trainRows.count),
                                       trainAccuracy: Double(correct) / Double(trainRows.count), trainSeconds: clock.seconds)
            if options.evaluateTrainingSet {
                let trainSet = validationRows.isEmpty ? (x, y) : (x.rows(trainRows), trainRows.map { y[$0] })
                (metrics.trainLoss, metrics.trainAccuracy) = try evaluate(model, trainSet.0, trainSet.1)
            }
            guard metrics.trainLoss.isFinite else {
                throw NeuralNetworkError.nonFiniteLoss(epoch: epoch, batch: batches, learningRate: rate)
            }
            if let t = test { (metrics.testLoss, metrics.testAccuracy) = try evaluate(model, t.x, t.y) }
            if let v = validation { (metrics.validationLoss, metrics.validationAccuracy) = try evaluate(model, v.x, v.y) }
            curve.epochs.append(metrics)
            curve.bestEpoch = epoch
            progress?(.epochFinished(metrics))

            var stop = false
            if let patience = options.earlyStoppingPatience, let vLoss = metrics.validationLoss {
                if best == nil || vLoss < best!.loss {
                    best = (vLoss, epoch, parameters.map(\.values))
                } else if epoch - best!.epoch >= patience {
                    for (p, values) in zip(parameters, best!.values) { p.values = values }
                    curve.bestEpoch = best!.epoch
                    curve.stoppedEarly = epoch < options.epochs
                    progress?(.stoppedEarly(epoch: epoch, bestEpoch: best!.epoch))
                    stop = true
                }
            }
            if epoch == options.epochs, let b = best, options.earlyStoppingPatience != nil, curve.bestEpoch != b.epoch {
                // Finished all epochs without running out of patience: still hand back the best weights.
                for (p, values) in zip(parameters, b.values) { p.values = values }
                curve.bestEpoch = b.epoch
            }
            try checkpoint?.write(epoch: epoch, finished: stop || epoch == options.epochs, curve: curve, best: best,
                                  shuffle: rng, augmentation: shiftRNG, optimizer: optimizer)
            if stop { break }
        }
        return curve
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
                options.loss.evaluate(output: o.baseAddress!, targets: t.baseAddress!, batch: x.rows, width: width, gradient: nil)
            }
        }
        let correct = out.data.withUnsafeBufferPointer { o in
            countCorrect(o.baseAddress!, labels: Array(0..<x.rows), offset: 0, n: x.rows, width: width, y: y)
        }
        return (loss, Double(correct) / Double(x.rows))
    }

    private func checkData(_ model: Sequential, _ x: Matrix, _ y: [Int], classes: Int, what: String) throws {
        guard x.cols == model.inputCount else {
            throw NeuralNetworkError.invalidData(reason: "The \(what) data has \(x.cols) values per sample but the network takes \(model.inputCount) (\(shapeText(model.inputShape)))")
        }
        guard x.rows == y.count else {
            throw NeuralNetworkError.invalidData(reason: "The \(what) data has \(x.rows) samples but \(y.count) labels")
        }
        if let bad = y.first(where: { $0 < 0 || $0 >= classes }) {
            throw NeuralNetworkError.invalidData(reason: "The \(what) label \(bad) is outside 0..<\(classes), the classes the network's \(model.outputCount) outputs can give")
        }
        guard what != "training" || x.rows > 0 else { throw NeuralNetworkError.invalidData(reason: "The training data is empty") }
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

/// A ready-made progress reporter for executables: a progress bar with the running loss on a
/// terminal (redrawn at most ten times a second), one line per finished epoch; silent when the
/// stream is not a terminal.
public final class TerminalProgressReporter: @unchecked Sendable {
    private let fd: Int32
    private let enabled: Bool
    private var lastDraw = 0.0
    private let clock = Stopwatch()
    private var runningLoss = 0.0
    private var epochs = 0

    /// - Parameters: fileDescriptor (2 = standard error); force: report even when not a terminal.
    public init(fileDescriptor: Int32 = 2, force: Bool = false) {
        fd = fileDescriptor
        enabled = force || isatty(fileDescriptor) != 0
    }

    /// Pass this as the trainer's `progress` callback.
    public func report(_ event: TrainingEvent) {
        guard enabled else { return }
        switch event {
        case let .resumed(epoch, of):
            write("resumed from the checkpoint of epoch \(epoch)/\(of)\n")
        case let .epochStarted(_, of):
            epochs = of
            runningLoss = 0
        case let .batchFinished(epoch, batch, of, loss):
            runningLoss = batch == 1 ? loss : 0.98 * runningLoss + 0.02 * loss
            let now = clock.seconds
            guard batch == of || now - lastDraw > 0.1 else { return }
            lastDraw = now
            let width = 30, done = width * batch / of
            let bar = String(repeating: "█", count: done) + String(repeating: "·", count: width - done)
            write("\r\u{1B}[2Kepoch \(epoch)/\(epochs) \(bar) \(batch)/\(of)  loss \(String(format: "%.4f", runningLoss))")
        case let .epochFinished(m):
            var line = String(format: "\r\u{1B}[2Kepoch %d/%d  lr %.4g  train loss %.4f acc %.4f", m.epoch, epochs, m.learningRate, m.trainLoss, m.trainAccuracy)
            if let l = m.testLoss, let a = m.testAccuracy { line += String(format: "  test loss %.4f acc %.4f", l, a) }
            if let l = m.validationLoss, let a = m.validationAccuracy { line += String(format: "  val loss %.4f acc %.4f", l, a) }
            line += String(format: "  (%.1f s)\n", m.trainSeconds)
            write(line)
        case let .stoppedEarly(epoch, bestEpoch):
            write("stopped early after epoch \(epoch); keeping the weights of epoch \(bestEpoch)\n")
        }
    }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { _ = Foundation.write(fd, $0.baseAddress, $0.count) }
    }
}
