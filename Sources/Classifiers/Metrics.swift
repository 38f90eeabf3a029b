// Evaluation metrics beyond accuracy: the confusion matrix and per-class precision and recall, the
// numbers behind the result tables and confusion-matrix heat maps.

/// counts[actual][predicted]: how many samples of class `actual` were predicted as `predicted`.
///
/// Throws when the arrays differ in length or a label is outside 0..<classCount.
public func confusionMatrix(predicted: [Int], actual: [Int], classCount: Int) throws -> [[Int]] {
    guard classCount >= 1 else {
        throw ClassifierError.invalidHyperparameter(model: "confusionMatrix", name: "classCount",
                                                    reason: "it is \(classCount); it must be at least 1")
    }
    guard predicted.count == actual.count else {
        throw ClassifierError.invalidData(model: "confusionMatrix",
                                          reason: "\(predicted.count) predictions for \(actual.count) labels; pass one prediction per label")
    }
    var counts = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: classCount)
    for (p, a) in zip(predicted, actual) {
        guard (0..<classCount).contains(p), (0..<classCount).contains(a) else {
            throw ClassifierError.invalidData(model: "confusionMatrix",
                                              reason: "label pair (actual \(a), predicted \(p)) is outside 0..<\(classCount)")
        }
        counts[a][p] += 1
    }
    return counts
}

/// Precision, recall and F1 of one class, with its number of true samples (support).
public struct ClassMetrics: Equatable, Sendable {
    /// Of the samples predicted as this class, the fraction that are (0 when none were predicted).
    public let precision: Double
    /// Of the samples of this class, the fraction predicted as it (0 when the class has no samples).
    public let recall: Double
    /// Harmonic mean of precision and recall (0 when both are 0).
    public let f1: Double
    /// Number of samples whose true class this is.
    public let support: Int
}

/// Per-class precision, recall and F1 (index = class), computed from the confusion matrix.
public func classMetrics(predicted: [Int], actual: [Int], classCount: Int) throws -> [ClassMetrics] {
    let counts = try confusionMatrix(predicted: predicted, actual: actual, classCount: classCount)
    return (0..<classCount).map { c in
        let truePositives = Double(counts[c][c])
        let predictedAsC = Double((0..<classCount).reduce(0) { $0 + counts[$1][c] })
        let support = counts[c].reduce(0, +)
        let precision = predictedAsC > 0 ? truePositives / predictedAsC : 0
        let recall = support > 0 ? truePositives / Double(support) : 0
        let f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        return ClassMetrics(precision: precision, recall: recall, f1: f1, support: support)
    }
}
