// Learned state out and in: a fitted classical model written as named float tensors and read back
// without fitting again (the saved-model format stores these tensors instead of the training
// images), and the progress reports of the long classical fits.
import Foundation
import Tensors

/// A classifier whose fitted state can be written out as named float arrays and read back without fitting.
public protocol PersistableClassifier: Classifier {
    /// The learned state as named tensors (throws notFitted before fit). Names are stable,
    /// dot-separated, e.g. "weights", "intercepts", "standardizer.mean".
    func learnedState() throws -> [String: Tensor]
    /// Replaces any fit with `state` (as learnedState() wrote it) for `classCount` classes. Checks
    /// every expected name is present, no unexpected one, every shape agrees with the
    /// hyperparameters and with the other tensors, and every value is finite; otherwise throws
    /// `ClassifierError.invalidData` with a sentence naming the tensor and what is wrong.
    mutating func restore(from state: [String: Tensor], classCount: Int) throws
}

extension PersistableClassifier {
    /// Floats in the learned state (its size on disk is 4 bytes each, plus the names and shapes).
    public func learnedStateValueCount() throws -> Int {
        try learnedState().values.reduce(0) { $0 + $1.count }
    }
}

/// Reads and checks the tensors of a learned state one by one, so each model's `restore` states
/// what it expects and every error names the tensor.
public struct LearnedStateReader {
    public let model: String
    private let state: [String: Tensor]
    private var taken: Set<String> = []

    public init(model: String, state: [String: Tensor]) {
        self.model = model
        self.state = state
    }

    /// Throws `invalidData` naming `name` with `reason`.
    public func error(_ name: String, _ reason: String) -> ClassifierError {
        .invalidData(model: model, reason: "state tensor \"\(name)\" \(reason)")
    }

    /// The tensor `name`, checked to have `shape` and only finite values.
    public mutating func take(_ name: String, shape: [Int]) throws -> Tensor {
        guard let t = state[name] else {
            throw error(name, "is missing; the state was not written by this model with these hyperparameters")
        }
        guard t.shape == shape else {
            throw error(name, "has shape \(t.shape) but \(shape) was expected")
        }
        if let i = t.data.firstIndex(where: { !$0.isFinite }) {
            throw error(name, "holds \(t.data[i]) at element \(i); every value must be finite")
        }
        taken.insert(name)
        return t
    }

    /// The tensor `name`, checked to be 2-D with `rows` and `cols` (nil: any, at least 1) and finite.
    public mutating func takeMatrix(_ name: String, rows: Int? = nil, cols: Int? = nil) throws -> Matrix {
        guard let t = state[name] else {
            throw error(name, "is missing; the state was not written by this model with these hyperparameters")
        }
        guard t.rank == 2, t.shape[0] >= 1, t.shape[1] >= 1 else {
            throw error(name, "has shape \(t.shape) but a matrix of \(rows.map(String.init) ?? "R") × \(cols.map(String.init) ?? "C") (both ≥ 1) was expected")
        }
        let t2 = try take(name, shape: [rows ?? t.shape[0], cols ?? t.shape[1]])
        return t2.flattenedToMatrix()
    }

    /// The state of a part, the tensors under `prefix` (e.g. "classifier.") with the prefix removed.
    public mutating func takePrefix(_ prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, t) in state where name.hasPrefix(prefix) {
            out[String(name.dropFirst(prefix.count))] = t
            taken.insert(name)
        }
        return out
    }

    /// Throws when the state holds a tensor that was not taken.
    public func finish() throws {
        if let extra = state.keys.filter({ !taken.contains($0) }).sorted().first {
            throw error(extra, "is not part of this model's state (expected \(taken.sorted().map { "\"\($0)\"" }.joined(separator: ", "))); the state belongs to another model or other hyperparameters")
        }
    }
}

extension ClassifierError {
    /// Throws unless `classCount` ≥ 2 (restore has no labels to check it against).
    static func checkRestoreClassCount(model: String, _ classCount: Int) throws {
        guard classCount >= 2 else {
            throw ClassifierError.invalidData(model: model, reason: "classCount is \(classCount); a classifier needs at least 2 classes")
        }
    }
}

// MARK: - Progress

/// One progress report of a long fit: which step, how far it is, and the time since the fit began.
public struct FitProgress: Sendable, Equatable, CustomStringConvertible {
    /// The step, e.g. "iteration", "k-means", "encoding images".
    public var stage: String
    /// Units of the step done so far (iterations, images, centers) out of `total`.
    public var done: Int
    public var total: Int
    /// A short extra, e.g. "loss 0.3124".
    public var detail: String?
    /// Seconds since the fit (or transform) that reports began.
    public var elapsedSeconds: Double

    public init(stage: String, done: Int, total: Int, detail: String? = nil, elapsedSeconds: Double) {
        self.stage = stage
        self.done = done
        self.total = total
        self.detail = detail
        self.elapsedSeconds = elapsedSeconds
    }

    public var description: String {
        "\(stage) \(done)/\(total)" + (detail.map { ", \($0)" } ?? "") + ", \(String(format: "%.1f", elapsedSeconds)) s"
    }
}

/// The callback type of the progress reports. It runs on the fitting thread, between steps; it
/// does not change any result.
public typealias FitProgressHandler = @Sendable (FitProgress) -> Void

/// A classifier that can report the progress of its fit.
public protocol ProgressReportingClassifier: Classifier {
    /// Called after every step of `fit` (nil: no reports).
    var progress: FitProgressHandler? { get set }
}
