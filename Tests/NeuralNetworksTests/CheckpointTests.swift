// Training checkpoints: a run interrupted after epoch k and resumed from its checkpoint ends with the
// same bits (parameters and learning curve) as a run that never stopped — for an MLP with dropout,
// Adam and an early-stopping state, and for a small CNN with momentum, augmentation and a cosine
// schedule; every saved random stream matters; damaged or foreign checkpoints throw clear errors.
import Classifiers
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class CheckpointTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "checkpoint-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    // MARK: - Problems

    /// Three noisy classes in 6-D, for the MLP.
    private func blobs(_ n: Int, seed: UInt64) -> (Matrix, [Int]) {
        var rng = Xoshiro256(seed: seed)
        var x = Matrix(rows: n, cols: 6), y = [Int]()
        for i in 0..<n {
            let label = i % 3
            for j in 0..<6 { x[i, j] = (j % 3 == label ? 1 : 0) + rng.normal(mean: 0, std: 0.8) }
            y.append(label)
        }
        return (x, y)
    }

    /// Two classes of 1×8×8 images: a bright bar in the upper or the lower half, plus noise.
    private func bars(_ n: Int, seed: UInt64) -> (Matrix, [Int]) {
        var rng = Xoshiro256(seed: seed)
        var x = Matrix(rows: n, cols: 64), y = [Int]()
        for i in 0..<n {
            let label = i % 2, row = label == 0 ? 1 + rng.int(below: 2) : 5 + rng.int(below: 2)
            for j in 0..<64 { x[i, j] = rng.uniform(0, 0.3) + (j / 8 == row ? 1 : 0) }
            y.append(label)
        }
        return (x, y)
    }

    /// An MLP with dropout (a layer with its own random stream), trained with Adam on a validation
    /// split with early stopping that never runs out of patience (its best-weights state is saved).
    private func mlp(_ checkpoint: CheckpointSettings?) -> NeuralNetworkClassifier { mlp(checkpoint, epochs: 6, learningRate: 0.01) }

    private func mlp(_ checkpoint: CheckpointSettings?, epochs: Int, learningRate: Float) -> NeuralNetworkClassifier {
        let options = TrainingOptions(epochs: epochs, batchSize: 16, learningRate: learningRate, optimizer: .adam(), seed: 11,
                                      validationFraction: 0.2, earlyStoppingPatience: 50, checkpoint: checkpoint)
        return NeuralNetworkClassifier(name: "mlp-dropout", architecture: .custom { shape, classes, seed in
            let net = try Sequential(inputShape: shape, [Dense(outputs: 24), ReLU(), Dropout(0.3), Dense(outputs: classes)])
            net.initialize(seed: seed)
            return net
        }, options: options)
    }

    /// A small CNN trained with momentum, a cosine schedule and random shifts.
    private func cnn(_ checkpoint: CheckpointSettings?) -> NeuralNetworkClassifier {
        let options = TrainingOptions(epochs: 5, batchSize: 10, learningRate: 0.05, optimizer: .momentum, schedule: .cosine(), seed: 5,
                                      evaluateTrainingSet: false, augmentation: .randomShift(pixels: 1), checkpoint: checkpoint)
        return NeuralNetworkClassifier(name: "cnn", architecture: .cnn(stages: [ConvolutionStage(channels: 4, kernelSize: 3, padding: 1, pool: 2)], hidden: [16]),
                                       imageShape: [1, 8, 8], options: options)
    }

    /// A small VGG (two blocks of two 3×3 convolutions with batch norm, widths 2 and 4): its running
    /// statistics are state that the checkpoint must carry too.
    private func vgg(_ checkpoint: CheckpointSettings?) -> NeuralNetworkClassifier {
        let options = TrainingOptions(epochs: 4, batchSize: 10, learningRate: 0.05, optimizer: .momentum, weightDecay: 5e-4, schedule: .cosine(),
                                      seed: 7, augmentation: .randomShift(pixels: 1), checkpoint: checkpoint)
        return NeuralNetworkClassifier(name: "vgg", architecture: .cnn(stages: Models.vggStages(width: 2), hidden: [8]),
                                       imageShape: [1, 8, 8], options: options)
    }

    private final class EventLog { var events: [TrainingEvent] = [] }

    private struct Outcome: Equatable {
        let parameters: [[UInt32]]
        let curve: [EpochMetrics]
        let bestEpoch: Int
    }

    private func outcome(_ c: NeuralNetworkClassifier) throws -> Outcome {
        let model = try XCTUnwrap(c.model), curve = try XCTUnwrap(c.learningCurve)
        // Timings differ from run to run; everything else must be the same bits.
        let rows = curve.epochs.map { e -> EpochMetrics in var e = e; e.trainSeconds = 0; return e }
        return Outcome(parameters: model.parameters.map { $0.values.map(\.bitPattern) }, curve: rows, bestEpoch: curve.bestEpoch)
    }

    /// Trains with checkpoints and keeps a copy of the checkpoint written after epoch `k`: what a
    /// run killed after epoch k leaves behind. Returns the copy's path.
    private func interruptedCheckpoint(_ make: (CheckpointSettings?) -> NeuralNetworkClassifier, after k: Int,
                                       data: (Matrix, [Int]), test: (Matrix, [Int]), classes: Int) throws -> String {
        let path = folder + "/running.safetensors", copy = folder + "/after-epoch-\(k).safetensors"
        var c = make(CheckpointSettings(path: path))
        c.progress = { event in
            // The checkpoint of epoch k is on disk when epoch k + 1 starts.
            if case let .epochStarted(epoch, _) = event, epoch == k + 1 { try? FileManager.default.copyItem(atPath: path, toPath: copy) }
        }
        try c.fit(data.0, data.1, classCount: classes, test: test)
        XCTAssertTrue(FileManager.default.fileExists(atPath: copy))
        return copy
    }

    private func resumed(_ make: (CheckpointSettings?) -> NeuralNetworkClassifier, from path: String, data: (Matrix, [Int]), test: (Matrix, [Int]),
                         classes: Int, log: EventLog? = nil) throws -> NeuralNetworkClassifier {
        var c = make(CheckpointSettings(path: path, resume: true))
        if let log { c.progress = { log.events.append($0) } }
        try c.fit(data.0, data.1, classCount: classes, test: test)
        return c
    }

    // MARK: - Resuming gives the same bits

    func testResumedMLPWithAdamDropoutAndValidationMatchesTheStraightRun() throws {
        let data = blobs(150, seed: 1), test = blobs(60, seed: 2)
        var straight = mlp(nil)
        try straight.fit(data.0, data.1, classCount: 3, test: test)
        let expected = try outcome(straight)
        XCTAssertEqual(expected.curve.count, 6)

        let copy = try interruptedCheckpoint(mlp, after: 2, data: data, test: test, classes: 3)
        let log = EventLog()
        let c = try resumed(mlp, from: copy, data: data, test: test, classes: 3, log: log)
        let events = log.events
        XCTAssertEqual(try outcome(c), expected)
        let started = events.compactMap { e -> Int? in if case let .epochStarted(epoch, _) = e { return epoch }; return nil }
        XCTAssertEqual(started, [3, 4, 5, 6], "continues after the checkpoint's epoch")
        if case let .resumed(epoch, of) = events.first { XCTAssertEqual([epoch, of], [2, 6]) } else { XCTFail("no resumed event: \(events)") }
        XCTAssertEqual(c.learningCurve?.csv, straight.learningCurve?.csv)
    }

    func testResumedCNNWithMomentumShiftsAndCosineScheduleMatchesTheStraightRun() throws {
        let data = bars(60, seed: 3), test = bars(20, seed: 4)
        var straight = cnn(nil)
        try straight.fit(data.0, data.1, classCount: 2, test: test)
        let expected = try outcome(straight)
        let copy = try interruptedCheckpoint(cnn, after: 3, data: data, test: test, classes: 2)
        XCTAssertEqual(try outcome(try resumed(cnn, from: copy, data: data, test: test, classes: 2)), expected)
    }

    func testResumedVGGWithBatchNormMatchesTheStraightRun() throws {
        let data = bars(60, seed: 5), test = bars(20, seed: 6)
        var straight = vgg(nil)
        try straight.fit(data.0, data.1, classCount: 2, test: test)
        let expected = try outcome(straight)
        // The running statistics moved away from their start (mean 0, variance 1), so restoring
        // them is tested, not assumed.
        let model = try XCTUnwrap(straight.model)
        let running = model.namedParameters.filter { $0.name.hasSuffix("running_mean") || $0.name.hasSuffix("running_var") }
        XCTAssertEqual(running.count, 8, "four batch norms, each with a running mean and variance")
        XCTAssertTrue(running.allSatisfy { p in p.parameter.values.contains { $0 != 0 && $0 != 1 } }, "running statistics were updated")
        let copy = try interruptedCheckpoint(vgg, after: 2, data: data, test: test, classes: 2)
        let again = try resumed(vgg, from: copy, data: data, test: test, classes: 2)
        XCTAssertEqual(try outcome(again), expected)
        XCTAssertEqual(try again.probabilities(test.0).data.map(\.bitPattern), try straight.probabilities(test.0).data.map(\.bitPattern))
    }

    func testAFinishedCheckpointGivesTheFinalModelWithoutTraining() throws {
        let data = blobs(150, seed: 1), test = blobs(60, seed: 2)
        let path = folder + "/done.safetensors"
        var first = mlp(CheckpointSettings(path: path))
        try first.fit(data.0, data.1, classCount: 3, test: test)
        let log = EventLog()
        let again = try resumed(mlp, from: path, data: data, test: test, classes: 3, log: log)
        let events = log.events
        XCTAssertEqual(try outcome(again), try outcome(first))
        XCTAssertEqual(again.learningCurve?.trainSeconds, first.learningCurve?.trainSeconds, "the saved timings come back too")
        XCTAssertEqual(events.count, 1, "no epoch is trained again: \(events)")
        XCTAssertEqual(try again.predict(test.0), try first.predict(test.0))
    }

    func testResumeWithoutACheckpointTrainsFromTheStart() throws {
        let data = blobs(150, seed: 1), test = blobs(60, seed: 2)
        var straight = mlp(nil)
        try straight.fit(data.0, data.1, classCount: 3, test: test)
        let path = folder + "/sub/none-yet.safetensors"
        let c = try resumed(mlp, from: path, data: data, test: test, classes: 3)
        XCTAssertEqual(try outcome(c), try outcome(straight))
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))
    }

    func testARunThatStopsEarlyResumesToTheSameBestEpoch() throws {
        // Noise labels: the validation loss stops improving within a few epochs.
        var rng = Xoshiro256(seed: 4)
        let x = Matrix(rows: 200, cols: 5, data: (0..<1000).map { _ in rng.uniform(-1, 1) })
        let y = (0..<200).map { _ in rng.int(below: 2) }
        func options(_ checkpoint: CheckpointSettings?) -> TrainingOptions {
            TrainingOptions(epochs: 40, batchSize: 10, learningRate: 0.1, validationFraction: 0.3, earlyStoppingPatience: 3, checkpoint: checkpoint)
        }
        func train(_ checkpoint: CheckpointSettings?, progress: ((TrainingEvent) -> Void)? = nil) throws -> (LearningCurve, [[Float]]) {
            let model = try Models.mlp(inputs: 5, hidden: [32], outputs: 2, seed: 0)
            let curve = try Trainer(options: options(checkpoint)).fit(model, x: x, y: y, progress: progress)
            return (curve, model.parameters.map(\.values))
        }
        let (curve, weights) = try train(nil)
        XCTAssertTrue(curve.stoppedEarly)
        XCTAssertGreaterThan(curve.epochs.count, 3)
        let path = folder + "/early.safetensors", copy = folder + "/early-after-2.safetensors"
        _ = try train(CheckpointSettings(path: path)) { event in
            if case .epochStarted(3, _) = event { try? FileManager.default.copyItem(atPath: path, toPath: copy) }
        }
        for file in [copy, path] {  // interrupted after epoch 2, and finished (stopped early)
            let (again, againWeights) = try train(CheckpointSettings(path: file, resume: true))
            XCTAssertEqual(again.epochs.map { $0.validationLoss }, curve.epochs.map { $0.validationLoss }, file)
            XCTAssertEqual([again.bestEpoch, again.stoppedEarly ? 1 : 0], [curve.bestEpoch, 1], file)
            XCTAssertEqual(againWeights, weights, "the best epoch's weights, \(file)")
        }
    }

    // MARK: - The saved state matters (so the tests above can fail)

    func testEveryRandomStreamOfTheCheckpointChangesTheResult() throws {
        let mlpData = blobs(150, seed: 1), mlpTest = blobs(60, seed: 2)
        var straight = mlp(nil)
        try straight.fit(mlpData.0, mlpData.1, classCount: 3, test: mlpTest)
        let mlpExpected = try outcome(straight)
        let mlpCopy = try interruptedCheckpoint(mlp, after: 2, data: mlpData, test: mlpTest, classes: 3)
        // Shuffling and dropout: replace each saved stream by a fresh one, as a resume that
        // forgot it would; the result must change.
        for key in ["rng.shuffle", "rng.layer.2"] {
            let path = folder + "/\(key).safetensors"
            try FileManager.default.copyItem(atPath: mlpCopy, toPath: path)
            try rewriteMetadata(path) { meta in
                XCTAssertNotNil(meta[key], "the checkpoint saves \(key)")
                meta[key] = Xoshiro256(seed: 11).stateWords.map { String($0, radix: 16) }.joined(separator: ",")
            }
            XCTAssertNotEqual(try outcome(try resumed(mlp, from: path, data: mlpData, test: mlpTest, classes: 3)), mlpExpected, key)
        }
        // Augmentation (the CNN's random shifts).
        let data = bars(60, seed: 3), test = bars(20, seed: 4)
        var cnnStraight = cnn(nil)
        try cnnStraight.fit(data.0, data.1, classCount: 2, test: test)
        let copy = try interruptedCheckpoint(cnn, after: 3, data: data, test: test, classes: 2)
        try rewriteMetadata(copy) { meta in
            meta["rng.augmentation"] = Xoshiro256(seed: 5).stateWords.map { String($0, radix: 16) }.joined(separator: ",")
        }
        XCTAssertNotEqual(try outcome(try resumed(cnn, from: copy, data: data, test: test, classes: 2)), try outcome(cnnStraight))
    }

    // MARK: - Damaged or foreign checkpoints

    func testDamagedCheckpointsThrowAnErrorNamingTheFile() throws {
        let data = blobs(150, seed: 1), test = blobs(60, seed: 2)
        let copy = try interruptedCheckpoint(mlp, after: 2, data: data, test: test, classes: 3)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: copy))
        func expectError(_ damaged: Data, _ name: String, containing phrase: String) {
            let path = folder + "/" + name
            _ = FileManager.default.createFile(atPath: path, contents: damaged)
            XCTAssertThrowsError(try resumed(mlp, from: path, data: data, test: test, classes: 3)) { error in
                guard case let NeuralNetworkError.checkpointFile(p, _) = error else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(p, path)
                let text = "\(error)"
                XCTAssertTrue(text.hasPrefix("Training checkpoint \(path): ") && text.contains(phrase), text)
            }
        }
        expectError(bytes.prefix(bytes.count - 100), "truncated.safetensors", containing: "truncated")
        expectError(bytes.prefix(5), "stub.safetensors", containing: "too short")
        var flipped = bytes
        flipped[flipped.count - 7] ^= 0x40
        expectError(flipped, "flipped.safetensors", containing: "checksum")
        expectError(Data("not a checkpoint at all".utf8), "text.safetensors", containing: "not safetensors")
        // A folder where the checkpoint should be: a sentence, not a trap inside Foundation's reader.
        let asFolder = folder + "/folder.safetensors"
        try FileManager.default.createDirectory(atPath: asFolder, withIntermediateDirectories: true)
        XCTAssertThrowsError(try resumed(mlp, from: asFolder, data: data, test: test, classes: 3)) { error in
            XCTAssertTrue("\(error)".contains(asFolder) && "\(error)".contains("is a folder"), "\(error)")
        }
    }

    func testACheckpointOfOtherOptionsDataOrNetworkNamesWhatDiffers() throws {
        let data = blobs(150, seed: 1), test = blobs(60, seed: 2)
        let copy = try interruptedCheckpoint(mlp, after: 2, data: data, test: test, classes: 3)
        func message(_ body: () throws -> Void) -> String {
            do { try body() } catch { return "\(error)" }
            XCTFail("no error")
            return ""
        }
        let rate = message { _ = try resumed({ self.mlp($0, epochs: 6, learningRate: 0.02) }, from: copy, data: data, test: test, classes: 3) }
        XCTAssertTrue(rate.contains("learning rate 0.01") && rate.contains("learning rate 0.02") && !rate.contains("epochs"), rate)
        let epochs = message { _ = try resumed({ self.mlp($0, epochs: 9, learningRate: 0.01) }, from: copy, data: data, test: test, classes: 3) }
        XCTAssertTrue(epochs.contains("epochs 6") && epochs.contains("epochs 9"), epochs)
        var other = data
        other.0[0, 0] += 1
        let changed = message { _ = try resumed(mlp, from: copy, data: other, test: test, classes: 3) }
        XCTAssertTrue(changed.contains("training data") && !changed.contains("test data"), changed)
        let network = message { _ = try resumed(cnn, from: copy, data: bars(60, seed: 3), test: bars(20, seed: 4), classes: 2) }
        XCTAssertTrue(network.contains("network"), network)
        // A plain weights file is no checkpoint.
        let weights = folder + "/weights.safetensors"
        var plain = mlp(nil)
        try plain.fit(data.0, data.1, classCount: 3)
        try plain.model!.save(to: weights)
        XCTAssertTrue(message { _ = try resumed(mlp, from: weights, data: data, test: test, classes: 3) }.contains("not a training checkpoint"))
    }

    /// Rewrites the `__metadata__` map of a safetensors file, keeping its tensors.
    private func rewriteMetadata(_ path: String, _ change: (inout [String: String]) -> Void) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = Int(bytes.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        var header = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + length))) as? [String: Any])
        var meta = try XCTUnwrap(header["__metadata__"] as? [String: String])
        change(&meta)
        header["__metadata__"] = meta
        var json = try JSONSerialization.data(withJSONObject: header)
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(json)
        out.append(bytes.subdata(in: (8 + length)..<bytes.count))
        try out.write(to: URL(fileURLWithPath: path))
    }
}
