// The divergence watch: a learning rate far too large is caught, reported and recovered from by
// restarting at a lower rate; without restarts the error names the epoch; a network that cannot
// learn is caught sitting at chance; a restarted run resumes from its checkpoint.
import Classifiers
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class DivergenceTests: XCTestCase {
    /// Two well separated Gaussian blobs in 2-D.
    private func blobs(_ n: Int, seed: UInt64) -> (Matrix, [Int]) {
        var rng = Xoshiro256(seed: seed)
        var x = Matrix(rows: n, cols: 2), y = [Int]()
        for i in 0..<n {
            let label = i % 2
            x[i, 0] = (label == 0 ? -2 : 2) + rng.normal(mean: 0, std: 0.5)
            x[i, 1] = rng.normal(mean: 0, std: 0.5)
            y.append(label)
        }
        return (x, y)
    }

    private final class EventLog { var events: [TrainingEvent] = [] }

    private func classifier(learningRate: Float, restarts: Int, checkpoint: CheckpointSettings? = nil) -> NeuralNetworkClassifier {
        NeuralNetworkClassifier.mlp(hidden: [16], options: TrainingOptions(epochs: 8, batchSize: 20, learningRate: learningRate, optimizer: .sgd(),
                                                                          checkpoint: checkpoint, divergenceRestarts: restarts))
    }

    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "cvd-divergence-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testAHugeLearningRateIsReportedAndRecoveredFrom() throws {
        // Plain SGD at 90 blows up (NaN), at 30 explodes, at 10 learns the blobs.
        let (x, y) = blobs(200, seed: 1), (tx, ty) = blobs(100, seed: 2)
        var c = classifier(learningRate: 90, restarts: 2)
        let log = EventLog()
        c.progress = { log.events.append($0) }
        try c.fit(x, y, classCount: 2, test: (tx, ty))
        let reported = log.events.compactMap { e -> (DivergenceReport, Float?)? in
            if case let .diverged(r, next) = e { return (r, next) }
            return nil
        }
        XCTAssertEqual(reported.map(\.1), [30, 10])
        XCTAssertEqual(c.divergences, reported.map(\.0))
        XCTAssertEqual(c.divergences.map(\.epoch), [1, 1])
        XCTAssertEqual(c.divergences.map(\.kind), [.nonFinite, .exploded])
        XCTAssertEqual(c.divergences.map(\.learningRate), [90, 30])
        XCTAssertEqual(c.learningRateUsed, 10)
        XCTAssertEqual(learningRateHistory([90, 30, 10]), "learning rate 90 → 30 → 10")
        let curve = try XCTUnwrap(c.learningCurve)
        XCTAssertEqual(curve.epochs.count, 8)
        XCTAssertTrue(curve.epochs.allSatisfy { $0.trainLoss.isFinite })
        XCTAssertGreaterThan(try c.score(tx, ty), 0.95)
        // The exploded report says how far the loss grew, and what to do.
        let text = c.divergences[1].description
        XCTAssertTrue(text.hasPrefix("Training diverged: the training loss grew to") && text.contains("epoch 1") && text.contains("3 times its start")
                      && text.contains("lower the learning rate"), text)
    }

    func testWithoutRestartsTheFitThrowsTheDivergenceNamingTheEpoch() throws {
        let (x, y) = blobs(200, seed: 1)
        var c = classifier(learningRate: 30, restarts: 0)
        let log = EventLog()
        c.progress = { log.events.append($0) }
        XCTAssertThrowsError(try c.fit(x, y, classCount: 2)) { error in
            guard case let NeuralNetworkError.diverged(report) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual([report.epoch], [1])
            XCTAssertEqual(report.kind, .exploded)
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("mlp16: training diverged") && text.contains("in epoch 1") && text.contains("learning rate 30"), text)
        }
        XCTAssertEqual(c.divergences.count, 1)
        XCTAssertNil(c.model)
        if case let .diverged(_, next) = log.events.last { XCTAssertNil(next) } else { XCTFail("no diverged event: \(log.events)") }
        // Out of restarts, the sentence lists the rates tried.
        var twice = classifier(learningRate: 810, restarts: 2)
        XCTAssertThrowsError(try twice.fit(x, y, classCount: 2)) { error in
            XCTAssertTrue("\(error)".contains("after restarts at learning rates 810 → 270 → 90"), "\(error)")
        }
        XCTAssertThrowsError(try Trainer(options: TrainingOptions(divergenceRestarts: -1)).fit(try Models.mlp(inputs: 2, hidden: [], outputs: 2), x: x, y: y)) {
            XCTAssertTrue("\($0)".contains("divergence restarts"), "\($0)")
        }
    }

    func testANetworkThatCannotLearnIsCaughtAtChanceLevel() throws {
        // All inputs zero and balanced labels: the best the network can do is ln 3, chance.
        let x = Matrix(rows: 90, cols: 4), y = (0..<90).map { $0 % 3 }
        let model = try Models.mlp(inputs: 4, hidden: [8], outputs: 3, seed: 0)
        XCTAssertThrowsError(try Trainer(options: TrainingOptions(epochs: 10, batchSize: 10, learningRate: 0.01)).fit(model, x: x, y: y)) { error in
            guard case let NeuralNetworkError.diverged(report) = error else { return XCTFail("unexpected \(error)") }
            XCTAssertEqual(report.kind, .stuckAtChance)
            XCTAssertEqual(report.epoch, 3)
            XCTAssertEqual(report.loss, log(3), accuracy: 0.011)
            XCTAssertTrue("\(error)".contains("chance level"), "\(error)")
        }
    }

    func testOrdinaryRunsRaiseNoAlarm() throws {
        // Noisy labels, small batches, momentum: the loss wanders but never diverges.
        var rng = Xoshiro256(seed: 9)
        let x = Matrix(rows: 120, cols: 3, data: (0..<360).map { _ in rng.uniform(-1, 1) })
        let y = (0..<120).map { i in (x[i, 0] > 0 ? 1 : 0) ^ (rng.uniform() < 0.2 ? 1 : 0) }
        for batch in [1, 4, 32] {
            let model = try Models.mlp(inputs: 3, hidden: [16], outputs: 2, seed: 2)
            let curve = try Trainer(options: TrainingOptions(epochs: 12, batchSize: batch, learningRate: 0.05)).fit(model, x: x, y: y)
            XCTAssertEqual(curve.epochs.count, 12)
        }
    }

    func testARestartedRunResumesAtItsLowerRate() throws {
        let (x, y) = blobs(200, seed: 1)
        let path = folder + "/restarted.safetensors"
        // A checkpoint of a diverging run at the base rate is on disk from an earlier attempt.
        var first = classifier(learningRate: 90, restarts: 2, checkpoint: CheckpointSettings(path: path))
        try first.fit(x, y, classCount: 2)
        XCTAssertEqual(first.learningRateUsed, 10)
        // Resuming (the run is finished) gives the same model at the same rate, without training.
        var again = classifier(learningRate: 90, restarts: 2, checkpoint: CheckpointSettings(path: path, resume: true))
        let log = EventLog()
        again.progress = { log.events.append($0) }
        try again.fit(x, y, classCount: 2)
        XCTAssertEqual(log.events.count, 1, "\(log.events)")
        XCTAssertEqual(again.learningRateUsed, 10)
        XCTAssertEqual(again.divergences, first.divergences)
        XCTAssertEqual(again.model?.parameters.map(\.values), first.model?.parameters.map(\.values))
        // With fewer restarts allowed than the checkpoint went through, resuming is refused with a sentence.
        var fewer = classifier(learningRate: 90, restarts: 1, checkpoint: CheckpointSettings(path: path, resume: true))
        XCTAssertThrowsError(try fewer.fit(x, y, classCount: 2)) { error in
            XCTAssertTrue("\(error)".contains("2 restarts for divergence") && "\(error)".contains("learning rate 90 → 30 → 10"), "\(error)")
        }
    }
}

final class ProgressReporterTests: XCTestCase {
    /// Everything a reporter writes for `events`, as plain lines.
    private func output(_ events: [TrainingEvent]) throws -> String {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let reporter = TerminalProgressReporter(fileDescriptor: fds[1], plainLines: true, lineInterval: 0)
        events.forEach(reporter.report)
        close(fds[1])
        let data = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self)
    }

    func testPlainLinesShowImagesPerSecondTimeLeftEpochsAndDivergences() throws {
        let report = DivergenceReport(epoch: 3, loss: 374.8, learningRate: 0.05, kind: .exploded, limit: 3.3)
        let metrics = EpochMetrics(epoch: 3, learningRate: 0.05, trainLoss: 0.5, trainAccuracy: 0.8, trainSeconds: 2)
        let text = try output([
            .epochStarted(epoch: 3, of: 15),
            .batchFinished(epoch: 3, batch: 400, of: 1_875, loss: 0.5, samples: 12_800, ofSamples: 60_000),
            .epochFinished(metrics),
            .diverged(report, restartLearningRate: 0.0167),
        ])
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 3, text)
        XCTAssertTrue(lines[0].hasPrefix("epoch 3/15: 12,800/60,000 images, ") && lines[0].contains(" images/s, ") && lines[0].hasSuffix(" s left"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("epoch 3/15  lr 0.05  train loss 0.5000 acc 0.8000"), lines[1])
        XCTAssertTrue(lines[2].contains("grew to 374.8 in epoch 3") && lines[2].hasSuffix("(restarting from a fresh network at learning rate 0.0167)"), lines[2])
        XCTAssertFalse(text.contains("\u{1B}"), "no terminal codes in plain lines")
    }
}
