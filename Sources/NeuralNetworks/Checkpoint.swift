// Training checkpoints: after every epoch the trainer can save everything it needs to continue
// bit for bit — parameters, optimizer buffers and step count, the learning curve so far, the
// early-stopping state and every random stream (shuffling, augmentation, dropout) — as one
// safetensors file (tensors) whose `__metadata__` holds the rest, written atomically. Resuming
// checks that the file is whole and was made by the same network, options and data.
import Foundation
import Tensors

/// Where a training run saves its state after every epoch, and whether it continues from it.
public struct CheckpointSettings: Sendable, Equatable {
    /// The checkpoint file (safetensors), rewritten atomically after every epoch.
    public var path: String
    /// Continue from the file when it exists (a finished run's checkpoint gives back its final
    /// model without training); start afresh when it does not.
    public var resume: Bool

    public init(path: String, resume: Bool = false) {
        self.path = path
        self.resume = resume
    }
}

/// The state a resumed run continues from (already copied into the model and optimizer).
struct ResumedTraining {
    var epoch: Int
    var finished: Bool
    var curve: LearningCurve
    var best: (loss: Double, epoch: Int, values: [[Float]])?
    var shuffle: Xoshiro256
    var augmentation: Xoshiro256
    /// The file's whole metadata map (for the notes a trainer wrote with it).
    var metadata: [String: String]
}

/// Saves and restores the training state of one run of `Trainer.fit`.
struct TrainingCheckpoint {
    let settings: CheckpointSettings
    let model: Sequential
    /// What must be the same for a resumed run to give the same result, by name.
    let conditions: [(name: String, value: String)]

    private static let format = "cvd-training-checkpoint-1"

    init(settings: CheckpointSettings, model: Sequential, options: TrainingOptions, x: Matrix, y: [Int], test: (x: Matrix, y: [Int])?) {
        self.settings = settings
        self.model = model
        let optimizer: String
        switch options.optimizer {
        case let .sgd(m, nesterov): optimizer = "sgd(momentum \(m), nesterov \(nesterov))"
        case let .adam(b1, b2, eps): optimizer = "adam(beta1 \(b1), beta2 \(b2), epsilon \(eps))"
        }
        func data(_ x: Matrix, _ y: [Int]) -> String {
            "\(x.rows)×\(x.cols), checksum \(String(checksum(x.data, y), radix: 16))"
        }
        conditions = [
            ("network", shapeText(model.inputShape) + " → " + model.layers.map(\.label).joined(separator: " → ")),
            ("epochs", "\(options.epochs)"),
            ("batch size", "\(options.batchSize)"),
            ("learning rate", "\(options.learningRate)"),
            ("optimizer", optimizer),
            ("weight decay", "\(options.weightDecay)"),
            ("schedule", "\(options.schedule)"),
            ("loss", String(reflecting: type(of: options.loss))),
            ("seed", "\(options.seed)"),
            ("validation fraction", "\(options.validationFraction)"),
            ("early-stopping patience", options.earlyStoppingPatience.map(String.init) ?? "none"),
        ] + (options.earlyStoppingMetric == .loss ? [] : [("early-stopping metric", options.earlyStoppingMetric.rawValue)]) + [
            ("evaluate training set", "\(options.evaluateTrainingSet)"),
            ("evaluation batch size", "\(options.evaluationBatchSize)"),
            ("augmentation", "\(options.augmentation)"),
            ("training data", data(x, y)),
            ("test data", test.map { data($0.x, $0.y) } ?? "none"),
        ]
    }

    /// The metadata of the checkpoint at `path`, or nil when there is none or it cannot be read
    /// (resuming then reports why).
    static func metadata(at path: String) -> [String: String]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try? readSafetensors(path) { .checkpointFile(path: path, reason: $0) }.metadata
    }

    private func failure(_ reason: String) -> NeuralNetworkError { .checkpointFile(path: settings.path, reason: reason) }

    // MARK: - Writing

    /// Writes the state at the end of `epoch` atomically (`finished`: the run is over and the
    /// model holds its final weights). `notes` go into the metadata as they are (under keys that
    /// do not start with "option.").
    func write(epoch: Int, finished: Bool, curve: LearningCurve, best: (loss: Double, epoch: Int, values: [[Float]])?,
               shuffle: Xoshiro256, augmentation: Xoshiro256, optimizer: CheckpointableOptimizer, notes: [String: String] = [:]) throws {
        var tensors: [(name: String, shape: [Int], values: UnsafePointer<Float>)] = []
        let named = model.namedParameters
        for (name, p) in named { tensors.append(("model." + name, p.shape, UnsafePointer(p.value))) }
        for (name, p) in named where p.isTrainable {
            for (i, slot) in optimizer.slotNames.enumerated() {
                tensors.append(("optimizer.\(name).\(slot)", p.shape, UnsafePointer(optimizer.slot(p, index: i))))
            }
        }
        var meta = notes
        meta.merge([
            "format": Self.format,
            "epoch": "\(epoch)",
            "finished": "\(finished)",
            "optimizer_steps": "\(optimizer.steps)",
            "rng.shuffle": words(shuffle.stateWords),
            "rng.augmentation": words(augmentation.stateWords),
            "curve": curve.epochs.map(row).joined(separator: "\n"),
            "curve.best_epoch": "\(curve.bestEpoch)",
            "curve.stopped_early": "\(curve.stoppedEarly)",
        ]) { _, new in new }
        for (name, value) in conditions { meta["option." + name] = value }
        for (i, layer) in model.layers.enumerated() where !layer.randomState.isEmpty {
            meta["rng.layer.\(i)"] = words(layer.randomState)
        }
        // Arrays of the best weights must outlive the pointers handed to the writer.
        let bestValues = best?.values ?? []
        if let best {
            meta["best.loss"] = "\(best.loss)"
            meta["best.epoch"] = "\(best.epoch)"
        }
        try bestValues.withUnsafeBufferPointers { buffers in
            for ((name, p), values) in zip(named, buffers) {
                guard let start = values.baseAddress else { throw failure("cannot be written: the best weights of \(name) are empty") }
                tensors.append(("best." + name, p.shape, start))
            }
            meta["checksum"] = String(tensorChecksum(tensors.map { UnsafeBufferPointer(start: $0.values, count: $0.shape.reduce(1, *)) }), radix: 16)
            try writeSafetensors(tensors, metadata: meta, to: settings.path)
        }
    }

    // MARK: - Reading

    /// Reads and checks the checkpoint, then copies its parameters, optimizer buffers and dropout
    /// streams into the model and optimizer. Nothing is changed when a check fails.
    func restore(into optimizer: CheckpointableOptimizer) throws -> ResumedTraining {
        let file = try readSafetensors(settings.path) { failure($0 + "; delete it to start the training afresh") }
        let meta = file.metadata
        guard meta["format"] == Self.format else {
            throw failure("is not a training checkpoint of this suite (its format is \(meta["format"].map { "\"\($0)\"" } ?? "missing")); delete it or give another path")
        }
        func field(_ key: String) throws -> String {
            guard let v = meta[key] else { throw failure("lacks the \(key) entry; the file is damaged, delete it to start afresh") }
            return v
        }
        func number<T: LosslessStringConvertible>(_ key: String, _ type: T.Type) throws -> T {
            let text = try field(key)
            guard let v = T(text) else { throw failure("has an unreadable \(key) entry \"\(text)\"; the file is damaged, delete it to start afresh") }
            return v
        }
        // Same network, options and data, or the continuation would not be the same run.
        let differences = conditions.filter { meta["option." + $0.name] != $0.value }
        if !differences.isEmpty {
            let was = differences.map { "\($0.name) \(meta["option." + $0.name] ?? "(missing)")" }.joined(separator: "; ")
            let now = differences.map { "\($0.name) \($0.value)" }.joined(separator: "; ")
            throw failure("was made with different settings that change the result (checkpoint: \(was); this run: \(now)); run with the checkpoint's settings, or delete it to start afresh")
        }
        let named = model.namedParameters
        try file.checkHolds(named, prefix: "model.", fail: failure)
        let trainable = named.filter(\.parameter.isTrainable)
        for (name, p) in trainable {
            for slot in optimizer.slotNames where file.shapes["optimizer.\(name).\(slot)"] != p.shape {
                throw failure("has no optimizer buffer optimizer.\(name).\(slot) of shape \(shapeText(p.shape)); the file is damaged, delete it to start afresh")
            }
        }
        let epoch = try number("epoch", Int.self)
        let finished = try number("finished", Bool.self)
        let steps = try number("optimizer_steps", Int.self)
        guard epoch >= 1, epoch <= (Int(meta["option.epochs"] ?? "") ?? 0), steps >= 0 else {
            throw failure("records epoch \(epoch) of a \(meta["option.epochs"] ?? "?")-epoch run; the file is damaged, delete it to start afresh")
        }
        func stream(_ key: String) throws -> Xoshiro256 {
            let pieces = try field(key).split(separator: ",")
            let parts = pieces.compactMap { UInt64($0, radix: 16) }
            guard parts.count == pieces.count, let g = Xoshiro256(stateWords: parts) else {
                throw failure("has an unreadable random-stream state \(key); the file is damaged, delete it to start afresh")
            }
            return g
        }
        let shuffle = try stream("rng.shuffle"), augmentation = try stream("rng.augmentation")
        var layerStreams: [(Layer, [UInt64])] = []
        for (i, layer) in model.layers.enumerated() where !layer.randomState.isEmpty {
            layerStreams.append((layer, try stream("rng.layer.\(i)").stateWords))
        }
        var curve = LearningCurve()
        curve.epochs = try (meta["curve"] ?? "").split(separator: "\n").map { line in
            guard let m = parseRow(String(line)) else { throw failure("has an unreadable learning-curve row \"\(line)\"; the file is damaged, delete it to start afresh") }
            return m
        }
        guard curve.epochs.map(\.epoch) == Array(1...epoch) else {
            throw failure("holds learning-curve rows for epochs \(curve.epochs.map(\.epoch)) but records epoch \(epoch); the file is damaged, delete it to start afresh")
        }
        curve.bestEpoch = try number("curve.best_epoch", Int.self)
        curve.stoppedEarly = try number("curve.stopped_early", Bool.self)
        var best: (loss: Double, epoch: Int, values: [[Float]])?
        if meta["best.epoch"] != nil {
            try file.checkHolds(named, prefix: "best.", fail: failure)
            best = (try number("best.loss", Double.self), try number("best.epoch", Int.self), try named.map { try file.values("best." + $0.name) })
        }
        // Every tensor read must be the one written: a checksum catches damage inside the data.
        var names = named.map { "model." + $0.name }
        for (name, _) in trainable { names += optimizer.slotNames.map { "optimizer.\(name).\($0)" } }
        if best != nil { names += named.map { "best." + $0.name } }
        let stored = try names.map { try file.values($0) }
        let sum = stored.withUnsafeBufferPointers { tensorChecksum($0) }
        guard String(sum, radix: 16) == meta["checksum"] else {
            throw failure("fails its checksum (its data were changed or damaged after it was written); delete it to start the training afresh")
        }

        // Everything checked: continue from it.
        for (name, p) in named { try file.copy("model." + name, to: p.value) }
        for (name, p) in trainable {
            for (i, slot) in optimizer.slotNames.enumerated() { try file.copy("optimizer.\(name).\(slot)", to: optimizer.slot(p, index: i)) }
        }
        optimizer.steps = steps
        for (layer, state) in layerStreams { layer.randomState = state }
        return ResumedTraining(epoch: epoch, finished: finished, curve: curve, best: best, shuffle: shuffle, augmentation: augmentation,
                               metadata: meta)
    }
}

// MARK: - Text forms of the metadata (exact: Swift prints the shortest text that reads back to the same bits)

private func words(_ w: [UInt64]) -> String { w.map { String($0, radix: 16) }.joined(separator: ",") }

private func row(_ m: EpochMetrics) -> String {
    func t(_ v: Double?) -> String { v.map { "\($0)" } ?? "" }
    return [String(m.epoch), "\(m.learningRate)", t(m.trainLoss), t(m.trainAccuracy), t(m.testLoss), t(m.testAccuracy),
            t(m.validationLoss), t(m.validationAccuracy), t(m.trainSeconds)].joined(separator: ",")
}

private func parseRow(_ line: String) -> EpochMetrics? {
    let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard f.count == 9, let epoch = Int(f[0]), let rate = Float(f[1]), let trainLoss = Double(f[2]), let trainAccuracy = Double(f[3]),
          let seconds = Double(f[8]) else { return nil }
    func optional(_ s: String) -> Double?? { s.isEmpty ? .some(nil) : Double(s).map { .some($0) } }
    guard let testLoss = optional(f[4]), let testAccuracy = optional(f[5]), let vLoss = optional(f[6]), let vAccuracy = optional(f[7]) else { return nil }
    return EpochMetrics(epoch: epoch, learningRate: rate, trainLoss: trainLoss, trainAccuracy: trainAccuracy, testLoss: testLoss,
                        testAccuracy: testAccuracy, validationLoss: vLoss, validationAccuracy: vAccuracy, trainSeconds: seconds)
}

// MARK: - Checksums

/// A 64-bit multiply-xor hash over the bit patterns of the floats (and then the labels).
private func checksum(_ values: [Float], _ labels: [Int]) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    values.withUnsafeBufferPointer { b in h = mix(h, b) }
    for l in labels { h = (h ^ UInt64(bitPattern: Int64(l))) &* 0x0000_0100_0000_01B3 }
    return h
}

private func tensorChecksum(_ tensors: [UnsafeBufferPointer<Float>]) -> UInt64 {
    tensors.reduce(0xCBF2_9CE4_8422_2325) { mix($0, $1) }
}

private func mix(_ seed: UInt64, _ values: UnsafeBufferPointer<Float>) -> UInt64 {
    var h = seed
    for v in values { h = (h ^ UInt64(v.bitPattern)) &* 0x0000_0100_0000_01B3 }
    return h
}

extension Array where Element == [Float] {
    /// Calls `body` with a buffer over each array's storage (all valid during the call).
    fileprivate func withUnsafeBufferPointers<R>(_ body: ([UnsafeBufferPointer<Float>]) throws -> R) rethrows -> R {
        func go(_ i: Int, _ acc: [UnsafeBufferPointer<Float>]) throws -> R {
            if i == count { return try body(acc) }
            return try self[i].withUnsafeBufferPointer { try go(i + 1, acc + [$0]) }
        }
        return try go(0, [])
    }
}
