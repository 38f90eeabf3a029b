// The steps of one `Trainer.fit`, named as in the training loop: prepare the split and the batch
// buffers, restore a checkpoint, run one epoch of batches, measure the epoch, stop early, write
// the checkpoint. The state they share lives here.
import Foundation
import Tensors

/// One training run in progress.
final class TrainingRun {
    let model: Sequential
    let options: TrainingOptions
    let x: Matrix, y: [Int], test: (x: Matrix, y: [Int])?
    let progress: ((TrainingEvent) -> Void)?
    let width: Int, d: Int
    let targets: Matrix
    let optimizer: CheckpointableOptimizer
    let parameters: [Parameter]
    let trainRows: [Int], validationRows: [Int]
    let validation: (x: Matrix, y: [Int])?
    let batchSize: Int, batches: Int
    let xBatch: FloatBuffer, tBatch: FloatBuffer, gradient: FloatBuffer
    /// Random shifts of at most this many pixels (0: no augmentation).
    let maxShift: Int
    let shiftScratch: FloatBuffer
    let checkpoint: TrainingCheckpoint?
    let notes: [String: String]

    var shuffleRNG: Xoshiro256
    /// Augmentation draws from its own stream, so turning it on leaves the batch order unchanged.
    var shiftRNG: Xoshiro256
    var curve = LearningCurve()
    var best: (loss: Double, epoch: Int, values: [[Float]])?
    var firstEpoch = 1
    var watch: DivergenceWatch

    /// Prepares the run: checks the data, holds out the validation rows, allocates the batch buffers.
    init(model: Sequential, options: TrainingOptions, x: Matrix, y: [Int], test: (x: Matrix, y: [Int])?,
         progress: ((TrainingEvent) -> Void)?, notes: [String: String]) throws {
        (self.model, self.options, self.x, self.y, self.test, self.progress, self.notes) = (model, options, x, y, test, progress, notes)
        width = model.outputCount
        d = model.inputCount
        let classes = width == 1 ? 2 : width
        try checkData(model, x, y, classes: classes, what: "training")
        if let t = test { try checkData(model, t.x, t.y, classes: classes, what: "test") }
        shuffleRNG = Xoshiro256(seed: options.seed)
        (trainRows, validationRows) = try Self.split(rows: x.rows, fraction: options.validationFraction, rng: &shuffleRNG)
        validation = validationRows.isEmpty ? nil : (x: x.rows(validationRows), y: validationRows.map { y[$0] })
        targets = options.loss.targets(labels: y, width: width)
        guard let optimizer = options.optimizer.make(weightDecay: options.weightDecay) as? CheckpointableOptimizer else {
            throw NeuralNetworkError.invalidOption(name: "optimizer", reason: "\(options.optimizer) cannot be checkpointed")
        }
        self.optimizer = optimizer
        parameters = model.parameters
        batchSize = min(options.batchSize, trainRows.count)
        batches = (trainRows.count + batchSize - 1) / batchSize
        (xBatch, tBatch, gradient) = (FloatBuffer(capacity: batchSize * d), FloatBuffer(capacity: batchSize * width), FloatBuffer(capacity: batchSize * width))
        shiftRNG = Xoshiro256(seed: options.seed ^ 0x5348_4946_5421)
        maxShift = try Self.shiftPixels(options.augmentation, inputShape: model.inputShape)
        shiftScratch = FloatBuffer(capacity: maxShift > 0 ? d : 1)
        checkpoint = options.checkpoint.map { TrainingCheckpoint(settings: $0, model: model, options: options, x: x, y: y, test: test) }
        watch = DivergenceWatch(classes: classes, labels: y, rows: trainRows, epochs: options.epochs)
    }

    /// The training and validation rows (sorted): a seeded random `fraction` held out for validation.
    private static func split(rows: Int, fraction: Double, rng: inout Xoshiro256) throws -> (train: [Int], validation: [Int]) {
        guard fraction > 0 else { return (Array(0..<rows), []) }
        let order = rng.permutation(rows)
        let v = max(1, Int((Double(rows) * fraction).rounded()))
        guard v < rows else { throw NeuralNetworkError.invalidOption(name: "validation fraction", reason: "leaves no training data") }
        return (Array(order[v...]).sorted(), Array(order[0..<v]).sorted())
    }

    /// The largest random shift of `augmentation` (0: none); a shift needs image input.
    private static func shiftPixels(_ augmentation: ImageAugmentation, inputShape: [Int]) throws -> Int {
        guard case let .randomShift(p) = augmentation, p > 0 else { return 0 }
        guard inputShape.count == 3 else {
            throw NeuralNetworkError.invalidOption(name: "random shift", reason: "needs image input (C×H×W), but the network takes \(shapeText(inputShape)); give the classifier an image shape")
        }
        return p
    }

    // MARK: - Checkpoints

    /// Continues from the checkpoint when asked to and it exists. Returns true when it holds a
    /// finished run (the model then has its final weights and `curve` its learning curve).
    func restoreCheckpoint() throws -> Bool {
        guard let checkpoint, checkpoint.settings.resume, FileManager.default.fileExists(atPath: checkpoint.settings.path) else { return false }
        let saved = try checkpoint.restore(into: optimizer)
        (curve, best, shuffleRNG, shiftRNG) = (saved.curve, saved.best, saved.shuffle, saved.augmentation)
        watch.firstBatchLoss = saved.metadata[Self.firstBatchLossKey].flatMap(Double.init)
        progress?(.resumed(epoch: saved.epoch, of: options.epochs))
        firstEpoch = saved.epoch + 1
        return saved.finished
    }

    /// The metadata entry with the run's first batch loss (the divergence watch's start).
    static let firstBatchLossKey = "watch.first_batch_loss"

    /// Saves the state at the end of `epoch` (when checkpoints are on).
    func writeCheckpoint(epoch: Int, finished: Bool) throws {
        guard let checkpoint else { return }
        var notes = self.notes
        if let first = watch.firstBatchLoss { notes[Self.firstBatchLossKey] = "\(first)" }
        try checkpoint.write(epoch: epoch, finished: finished, curve: curve, best: best, shuffle: shuffleRNG,
                             augmentation: shiftRNG, optimizer: optimizer, notes: notes)
    }

    // MARK: - One epoch

    /// Announces `epoch` and returns its learning rate.
    func startEpoch(_ epoch: Int) -> Float {
        progress?(.epochStarted(epoch: epoch, of: options.epochs))
        return options.schedule.rate(base: options.learningRate, epoch: epoch - 1, epochs: options.epochs)
    }

    /// One pass over the shuffled training rows: forward, loss, backward and update per batch.
    /// Returns the batch-loss sum and correct count (only when the training set is not evaluated
    /// afterwards) and the seconds it took.
    func trainBatches(epoch: Int, rate: Float) throws -> (lossSum: Double, correct: Int, seconds: Double) {
        var order = trainRows
        shuffleRNG.shuffle(&order)
        let clock = Stopwatch()
        var lossSum = 0.0, correct = 0, done = 0
        for b in 0..<batches {
            let lo = b * batchSize, n = min(batchSize, order.count - lo)
            gatherBatch(order, from: lo, count: n)
            shiftBatch(count: n)
            let out = model.forward(xBatch.pointer, batch: n, training: true)
            let batchLoss = options.loss.evaluate(output: out, targets: tBatch.pointer, batch: n, width: width, gradient: gradient.pointer)
            try watch.check(batchLoss: batchLoss, epoch: epoch, learningRate: rate)
            if !options.evaluateTrainingSet {
                lossSum += batchLoss * Double(n)
                correct += countCorrect(out, labels: order, offset: lo, n: n, width: width, y: y)
            }
            model.backward(gradient.pointer)
            optimizer.step(parameters, learningRate: rate)
            done += n
            progress?(.batchFinished(epoch: epoch, batch: b + 1, of: batches, loss: batchLoss, samples: done, ofSamples: order.count))
        }
        return (lossSum, correct, clock.seconds)
    }

    /// Copies the inputs and targets of rows `order[lo..<lo + n]` into the batch buffers (parallel
    /// over rows when they are long).
    private func gatherBatch(_ order: [Int], from lo: Int, count n: Int) {
        let xb = xBatch.pointer, tb = tBatch.pointer, d = d, width = width
        x.data.withUnsafeBufferPointer { xs in
            targets.data.withUnsafeBufferPointer { ts in
                order.withUnsafeBufferPointer { idx in
                    guard let xsb = xs.baseAddress, let tsb = ts.baseAddress else { return }   // no rows to gather
                    parallelElements(n, grain: max(1, 32_768 / d)) { r in
                        for i in r { (xb + i * d).update(from: xsb + idx[lo + i] * d, count: d) }
                    }
                    for i in 0..<n { (tb + i * width).update(from: tsb + idx[lo + i] * width, count: width) }
                }
            }
        }
    }

    /// Moves each image of the batch by its own random shift (when augmenting).
    private func shiftBatch(count n: Int) {
        guard maxShift > 0 else { return }
        for i in 0..<n {
            let dy = shiftRNG.int(below: 2 * maxShift + 1) - maxShift, dx = shiftRNG.int(below: 2 * maxShift + 1) - maxShift
            shiftImage(xBatch.pointer + i * d, shape: model.inputShape, dy: dy, dx: dx, scratch: shiftScratch.pointer)
        }
    }

    /// The epoch's metrics (training set evaluated when asked, test and validation sets), appended
    /// to the curve.
    func measureEpoch(_ epoch: Int, rate: Float, lossSum: Double, correct: Int, seconds: Double) throws -> EpochMetrics {
        let trainer = Trainer(options: options)
        var metrics = EpochMetrics(epoch: epoch, learningRate: rate, trainLoss: lossSum / Double(trainRows.count),
                                   trainAccuracy: Double(correct) / Double(trainRows.count), trainSeconds: seconds)
        if options.evaluateTrainingSet {
            let trainSet = validationRows.isEmpty ? (x, y) : (x.rows(trainRows), trainRows.map { y[$0] })
            (metrics.trainLoss, metrics.trainAccuracy) = try trainer.evaluate(model, trainSet.0, trainSet.1)
        }
        if metrics.trainLoss.isFinite {
            if let t = test { (metrics.testLoss, metrics.testAccuracy) = try trainer.evaluate(model, t.x, t.y) }
            if let v = validation { (metrics.validationLoss, metrics.validationAccuracy) = try trainer.evaluate(model, v.x, v.y) }
        }
        curve.epochs.append(metrics)
        curve.bestEpoch = epoch
        return metrics
    }

    // MARK: - Early stopping

    /// Keeps the best validation epoch's weights; returns true when patience ran out (the model
    /// then holds the best weights). After the last epoch the best weights are restored too.
    func applyEarlyStopping(after metrics: EpochMetrics) -> Bool {
        guard let patience = options.earlyStoppingPatience else { return false }
        let epoch = metrics.epoch
        var stop = false
        // Lower is better: the loss, or the accuracy negated (then a tie counts as better: the later epoch is kept).
        let watched = options.earlyStoppingMetric == .loss ? metrics.validationLoss : metrics.validationAccuracy.map { -$0 }
        if let vLoss = watched, metrics.validationLoss?.isFinite ?? false || options.earlyStoppingMetric == .loss {
            let byLoss = options.earlyStoppingMetric == .loss
            let better = { (kept: Double) in byLoss ? vLoss < kept : vLoss <= kept }
            if let kept = best, !better(kept.loss) {   // (a NaN loss never becomes the best)
                if epoch - kept.epoch >= patience {
                    restoreBest()
                    curve.stoppedEarly = epoch < options.epochs
                    progress?(.stoppedEarly(epoch: epoch, bestEpoch: kept.epoch))
                    stop = true
                }
            } else {
                best = (vLoss, epoch, parameters.map(\.values))
            }
        }
        if epoch == options.epochs, let b = best, curve.bestEpoch != b.epoch {
            // Finished all epochs without running out of patience: still hand back the best weights.
            restoreBest()
        }
        return stop
    }

    private func restoreBest() {
        guard let b = best else { return }
        for (p, values) in zip(parameters, b.values) { p.values = values }
        curve.bestEpoch = b.epoch
    }
}

/// Checks that `x`, `y` fit `model` (width, counts, label range); the training set must not be empty.
func checkData(_ model: Sequential, _ x: Matrix, _ y: [Int], classes: Int, what: String) throws {
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
