// Optimizers and schedules against updates computed by hand; the trainer on a small problem it must
// learn, its learning curve, its NaN error, early stopping, and results that do not depend on the
// thread count.
import Classifiers
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class OptimizerTests: XCTestCase {
    /// A one-parameter "layer" for driving optimizers by hand.
    private func parameter(value: Float, gradient: Float) throws -> (Dense, [Parameter]) {
        let d = Dense(outputs: 1)
        try d.build(inputShape: [1])
        d.weight.values = [value]
        d.bias.values = [0]
        d.weight.gradient[0] = gradient
        d.bias.gradient[0] = 0
        return (d, d.parameters)
    }

    func testSGDMomentumAndNesterov() throws {
        // Lectures: Δ ← 0.9Δ + g, θ ← θ − ηΔ. With g = 1 twice and η = 0.1: Δ = 1 then 1.9.
        let (d, ps) = try parameter(value: 1, gradient: 1)
        let momentum = SGD(momentum: 0.9)
        momentum.step(ps, learningRate: 0.1)
        XCTAssertEqual(d.weight.values[0], 0.9, accuracy: 1e-6)
        momentum.step(ps, learningRate: 0.1)
        XCTAssertEqual(d.weight.values[0], 0.9 - 0.19, accuracy: 1e-6)
        // Nesterov steps by g + μΔ: 1 + 0.9 = 1.9 first, then 1 + 0.9·1.9 = 2.71.
        let (e, qs) = try parameter(value: 1, gradient: 1)
        let nesterov = SGD(momentum: 0.9, nesterov: true)
        nesterov.step(qs, learningRate: 0.1)
        XCTAssertEqual(e.weight.values[0], 1 - 0.19, accuracy: 1e-6)
        nesterov.step(qs, learningRate: 0.1)
        XCTAssertEqual(e.weight.values[0], 1 - 0.19 - 0.271, accuracy: 1e-6)
    }

    func testWeightDecayAppliesToWeightsOnly() throws {
        let (d, ps) = try parameter(value: 2, gradient: 0)
        d.bias.values = [3]
        SGD(weightDecay: 0.5).step(ps, learningRate: 0.1)
        XCTAssertEqual(d.weight.values[0], 2 - 0.1 * 0.5 * 2, accuracy: 1e-6)
        XCTAssertEqual(d.bias.values[0], 3)
    }

    func testAdamFirstStepsMoveByTheLearningRate() throws {
        // Bias correction makes the first step η·g/|g| (up to ε) whatever the gradient's size.
        let (d, ps) = try parameter(value: 1, gradient: 250)
        let adam = Adam()
        adam.step(ps, learningRate: 0.01)
        XCTAssertEqual(d.weight.values[0], 0.99, accuracy: 1e-6)
        // Second step with g = −250: m̂ = (0.9·0.1·250 − 0.1·250)/0.19 = −250/19·... computed in Double.
        d.weight.gradient[0] = -250
        adam.step(ps, learningRate: 0.01)
        let m = 0.9 * (0.1 * 250.0) + 0.1 * -250.0, v = 0.999 * (0.001 * 62_500.0) + 0.001 * 62_500.0
        let expected = 0.99 - 0.01 * (m / (1 - 0.81)) / ((v / (1 - 0.998001)).squareRoot() + 1e-8)
        XCTAssertEqual(Double(d.weight.values[0]), expected, accuracy: 1e-6)
    }

    func testSchedules() {
        XCTAssertEqual(LearningRateSchedule.constant.rate(base: 0.1, epoch: 7, epochs: 10), 0.1)
        let step = LearningRateSchedule.step(every: 3, factor: 0.5)
        XCTAssertEqual([0, 2, 3, 5, 6].map { step.rate(base: 0.8, epoch: $0, epochs: 10) }, [0.8, 0.8, 0.4, 0.4, 0.2])
        let cosine = LearningRateSchedule.cosine(minimum: 0.01)
        XCTAssertEqual(cosine.rate(base: 0.1, epoch: 0, epochs: 10), 0.1, accuracy: 1e-7)
        XCTAssertEqual(cosine.rate(base: 0.1, epoch: 5, epochs: 10), 0.055, accuracy: 1e-7)
        XCTAssertEqual(cosine.rate(base: 0.1, epoch: 10, epochs: 10), 0.01, accuracy: 1e-7)
    }
}

final class TrainerTests: XCTestCase {
    /// Two interleaved half-moons-like blobs in 2-D that a small MLP separates, a linear model not.
    private func rings(_ n: Int, seed: UInt64) -> (Matrix, [Int]) {
        var rng = Xoshiro256(seed: seed)
        var x = Matrix(rows: n, cols: 2), y = [Int]()
        for i in 0..<n {
            let label = i % 2
            let radius: Float = label == 0 ? 0.5 : 1.5
            let angle = rng.uniform(0, 2 * .pi)
            x[i, 0] = radius * cos(angle) + rng.normal(mean: 0, std: 0.1)
            x[i, 1] = radius * sin(angle) + rng.normal(mean: 0, std: 0.1)
            y.append(label)
        }
        return (x, y)
    }

    func testMLPLearnsRingsAndWritesItsCurve() throws {
        let (x, y) = rings(400, seed: 1)
        let (tx, ty) = rings(200, seed: 2)
        var classifier = NeuralNetworkClassifier.mlp(hidden: [16], options: TrainingOptions(epochs: 30, batchSize: 16, learningRate: 0.05))
        try classifier.fit(x, y, classCount: 2, test: (tx, ty))
        XCTAssertGreaterThan(try classifier.score(tx, ty), 0.95)
        let curve = try XCTUnwrap(classifier.learningCurve)
        XCTAssertEqual(curve.epochs.count, 30)
        XCTAssertLessThan(curve.epochs.last!.trainLoss, curve.epochs.first!.trainLoss / 3)
        let lines = curve.csv.split(separator: "\n")
        XCTAssertEqual(lines.first, "epoch,learning_rate,train_loss,train_accuracy,test_loss,test_accuracy,validation_loss,validation_accuracy")
        XCTAssertEqual(lines.count, 31)
        XCTAssertTrue(lines[30].hasPrefix("30,0.05,"))
        let p = try classifier.probabilities(tx)
        for i in 0..<p.rows { XCTAssertEqual(p[i, 0] + p[i, 1], 1, accuracy: 1e-5) }
    }

    func testNonFiniteLossNamesTheEpochAndSuggestsASmallerRate() throws {
        let (x, y) = rings(200, seed: 3)
        let model = try Models.mlp(inputs: 2, hidden: [32], outputs: 2, seed: 0)
        let trainer = Trainer(options: TrainingOptions(epochs: 5, batchSize: 20, learningRate: 1e12, optimizer: .sgd()))
        XCTAssertThrowsError(try trainer.fit(model, x: x, y: y)) { error in
            guard case let NeuralNetworkError.diverged(report) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(report.epoch, 1)
            XCTAssertEqual(report.learningRate, 1e12)
            XCTAssertEqual(report.kind, .nonFinite)
            let text = "\(error)"
            XCTAssertTrue(text.contains("epoch 1") && text.contains("lower the learning rate"), text)
        }
    }

    func testEarlyStoppingKeepsTheBestEpoch() throws {
        // Pure noise labels: the validation loss stops improving almost at once.
        var rng = Xoshiro256(seed: 4)
        let x = Matrix(rows: 300, cols: 5, data: (0..<1500).map { _ in rng.uniform(-1, 1) })
        let y = (0..<300).map { _ in rng.int(below: 2) }
        let model = try Models.mlp(inputs: 5, hidden: [64], outputs: 2, seed: 0)
        let options = TrainingOptions(epochs: 60, batchSize: 10, learningRate: 0.1, validationFraction: 0.3, earlyStoppingPatience: 3)
        let curve = try Trainer(options: options).fit(model, x: x, y: y)
        XCTAssertTrue(curve.stoppedEarly)
        XCTAssertEqual(curve.epochs.count, curve.bestEpoch + 3)
        let best = curve.epochs[curve.bestEpoch - 1].validationLoss!
        XCTAssertEqual(curve.epochs.compactMap(\.validationLoss).min(), best)
        // The model holds the best epoch's weights: its validation loss is the best one again.
        XCTAssertThrowsError(try Trainer(options: TrainingOptions(earlyStoppingPatience: 2)).fit(model, x: x, y: y)) { error in
            XCTAssertTrue("\(error)".contains("validation"), "\(error)")
        }
    }

    func testResultsDoNotDependOnTheThreadCount() throws {
        // A batch of 24 spans three convolution groups and several GEMM blocks.
        var rng = Xoshiro256(seed: 5)
        let x = Matrix(rows: 48, cols: 144, data: (0..<(48 * 144)).map { _ in rng.uniform() })
        let y = (0..<48).map { $0 % 3 }
        func train(threads: Int) throws -> [[Float]] {
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            let model = try Models.cnn(inputShape: [1, 12, 12], stages: [ConvolutionStage(channels: 6, kernelSize: 3, padding: 1, pool: 2)],
                                       hidden: [32], classes: 3, seed: 1)
            _ = try Trainer(options: TrainingOptions(epochs: 2, batchSize: 24, learningRate: 0.05, evaluateTrainingSet: false)).fit(model, x: x, y: y)
            return model.parameters.map(\.values)
        }
        let one = try train(threads: 1), two = try train(threads: 2), three = try train(threads: 3)
        XCTAssertEqual(one, two)
        XCTAssertEqual(one, three)
    }

    func testRandomShiftNeedsImagesAndIsSeeded() throws {
        let (x, y) = rings(40, seed: 6)
        let flat = try Models.mlp(inputs: 2, hidden: [4], outputs: 2)
        XCTAssertThrowsError(try Trainer(options: TrainingOptions(epochs: 1, augmentation: .randomShift(pixels: 2))).fit(flat, x: x, y: y)) {
            XCTAssertTrue("\($0)".contains("image"), "\($0)")
        }
        var rng = Xoshiro256(seed: 7)
        let images = Matrix(rows: 20, cols: 36, data: (0..<720).map { _ in rng.uniform() })
        let labels = (0..<20).map { $0 % 2 }
        func train(_ augmentation: ImageAugmentation) throws -> [Float] {
            let model = try Models.cnn(inputShape: [1, 6, 6], stages: [ConvolutionStage(channels: 2, kernelSize: 3, pool: nil)], hidden: [], classes: 2, seed: 3)
            _ = try Trainer(options: TrainingOptions(epochs: 2, batchSize: 5, augmentation: augmentation)).fit(model, x: images, y: labels)
            return model.parameters[0].values
        }
        let shifted = try train(.randomShift(pixels: 1))
        XCTAssertEqual(shifted, try train(.randomShift(pixels: 1)), "same seed, same shifts")
        XCTAssertNotEqual(shifted, try train(.none))
    }

    func testInvalidOptionsAndDataThrow() throws {
        let model = try Models.mlp(inputs: 3, hidden: [4], outputs: 2)
        let x = Matrix(rows: 4, cols: 3)
        XCTAssertThrowsError(try Trainer(options: TrainingOptions(learningRate: -1)).fit(model, x: x, y: [0, 1, 0, 1]))
        XCTAssertThrowsError(try Trainer().fit(model, x: x, y: [0, 1, 0, 2])) { XCTAssertTrue("\($0)".contains("label 2"), "\($0)") }
        XCTAssertThrowsError(try Trainer().fit(model, x: Matrix(rows: 4, cols: 5), y: [0, 1, 0, 1])) { XCTAssertTrue("\($0)".contains("5 values"), "\($0)") }
        XCTAssertThrowsError(try Sequential(inputShape: [1, 4, 4], [Dense(outputs: 2)])) { XCTAssertTrue("\($0)".contains("Flatten"), "\($0)") }
    }
}

final class EarlyStoppingMetricTests: XCTestCase {
    /// Early stopping on the validation accuracy keeps the last epoch of the best accuracy, and
    /// stops once `patience` epochs bring none better; on the loss it keeps the lowest loss.
    func testAccuracyMetricKeepsTheLastEpochOfBestValidationAccuracy() throws {
        var rng = Xoshiro256(seed: 21)
        let x = Matrix(rows: 240, cols: 4, data: (0..<960).map { _ in rng.uniform(-1, 1) })
        // A noisy rule: the validation accuracy plateaus and ties, the loss moves on its own.
        let y = (0..<240).map { i in (x[i, 0] + 0.5 * x[i, 1] + 0.6 * rng.uniform(-1, 1)) > 0 ? 1 : 0 }
        for metric in [EarlyStoppingMetric.accuracy, .loss] {
            var options = TrainingOptions(epochs: 60, batchSize: 16, learningRate: 0.2, seed: 3, validationFraction: 0.25, earlyStoppingPatience: 4)
            options.earlyStoppingMetric = metric
            let model = try Models.mlp(inputs: 4, hidden: [32], outputs: 2, seed: 1)
            let curve = try Trainer(options: options).fit(model, x: x, y: y)
            let epochs = curve.epochs
            let best: EpochMetrics
            switch metric {
            case .accuracy:
                let top = try XCTUnwrap(epochs.compactMap(\.validationAccuracy).max())
                best = try XCTUnwrap(epochs.last { $0.validationAccuracy == top })
            case .loss:
                let low = try XCTUnwrap(epochs.compactMap(\.validationLoss).min())
                best = try XCTUnwrap(epochs.first { $0.validationLoss == low })
            }
            XCTAssertEqual(curve.bestEpoch, best.epoch, "\(metric)")
            if curve.stoppedEarly { XCTAssertEqual(epochs.count, best.epoch + 4, "\(metric): stops after the patience runs out") }
        }
    }
}
