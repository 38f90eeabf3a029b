// The classifier contract of the suite (scikit-learn's estimator conventions, in Swift): every
// model, classical or neural, is fitted and queried the same way, so the experiment runner and the
// decision-boundary renderer treat them alike.
import Tensors

/// A model that learns to map feature rows to class labels.
///
/// Hyperparameters are initializer arguments with documented defaults, stored unchanged; `fit`
/// takes only data, replaces any earlier fit, and throws `ClassifierError` on invalid input.
public protocol Classifier {
    /// A short name for tables, e.g. "logreg" or "knn5".
    var name: String { get }
    /// Learns from `x` (N × D) and `y` (N labels in 0..<classCount).
    mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws
    /// Class probabilities, N × classCount, each row summing to 1.
    func probabilities(_ x: Matrix) throws -> Matrix
    /// The most probable class of each row.
    func predict(_ x: Matrix) throws -> [Int]
}

extension Classifier {
    public func predict(_ x: Matrix) throws -> [Int] {
        try probabilities(x).rowArgmax()
    }

    /// Fraction of rows of `x` whose predicted class equals `y`.
    public func score(_ x: Matrix, _ y: [Int]) throws -> Double {
        accuracy(predicted: try predict(x), actual: y)
    }
}

/// Errors of the classifiers: invalid hyperparameters, data that does not fit, numerical faults.
public enum ClassifierError: Error, CustomStringConvertible, Equatable {
    case invalidHyperparameter(model: String, name: String, reason: String)
    case invalidData(model: String, reason: String)
    case notFitted(model: String)
    case numericalFailure(model: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidHyperparameter(model, name, reason): return "\(model): invalid \(name): \(reason)."
        case let .invalidData(model, reason): return "\(model): \(reason)."
        case let .notFitted(model): return "\(model) was used before fit(_:_:classCount:) was called."
        case let .numericalFailure(model, reason): return "\(model): \(reason)."
        }
    }
}

/// Fraction of positions where `predicted` equals `actual` (0 for empty input).
public func accuracy(predicted: [Int], actual: [Int]) -> Double {
    precondition(predicted.count == actual.count, "accuracy: \(predicted.count) predictions for \(actual.count) labels")
    guard !actual.isEmpty else { return 0 }
    return Double(zip(predicted, actual).filter { $0 == $1 }.count) / Double(actual.count)
}
