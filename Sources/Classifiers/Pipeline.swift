// Feature pipelines: transforms fitted on the training part (PCA, a descriptor such as HOG) in
// front of a classifier, as one model that fits, predicts, saves and loads like the others.
import Tensors

/// A map from feature rows to other feature rows, fitted on the training part only.
public protocol FeatureTransform: Sendable {
    var name: String { get }
    /// Learns what the transform needs from the training rows (nothing, for a fixed descriptor).
    mutating func fit(_ x: Matrix) throws
    /// The transformed rows (N × outputCount).
    func transform(_ x: Matrix) throws -> Matrix
    /// The fitted state as named tensors (empty for a fixed descriptor).
    func learnedState() throws -> [String: Tensor]
    /// Reads back what `learnedState` wrote; throws a sentence naming the tensor when it does not fit.
    mutating func restore(from state: [String: Tensor]) throws
}

/// Transforms, then a classifier: `fit` fits each transform on the output of the one before and
/// the classifier on the last output; prediction runs the same chain. Its learned state holds
/// each transform's tensors under "transform<i>." and the classifier's under "classifier.".
public struct Pipeline: PersistableClassifier {
    public let name: String
    public private(set) var transforms: [any FeatureTransform]
    public private(set) var classifier: any PersistableClassifier
    /// Seconds the transforms took in the last fit (feature extraction, PCA), for the tables.
    public private(set) var transformSeconds = 0.0

    public init(name: String, transforms: [any FeatureTransform], classifier: any PersistableClassifier) {
        self.name = name
        self.transforms = transforms
        self.classifier = classifier
    }

    /// The rows after every transform.
    public func features(_ x: Matrix) throws -> Matrix {
        var z = x
        for t in transforms { z = try t.transform(z) }
        return z
    }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try ClassifierError.checkFitInput(model: name, x, y, classCount: classCount)
        let clock = Stopwatch()
        var z = x
        for i in transforms.indices {
            try transforms[i].fit(z)
            z = try transforms[i].transform(z)
        }
        transformSeconds = clock.seconds
        try classifier.fit(z, y, classCount: classCount)
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        try classifier.probabilities(try features(x))
    }

    public func learnedState() throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for (i, t) in transforms.enumerated() {
            for (key, value) in try t.learnedState() { state["transform\(i).\(key)"] = value }
        }
        for (key, value) in try classifier.learnedState() { state["classifier.\(key)"] = value }
        return state
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        var reader = LearnedStateReader(model: name, state: state)
        var parts: [[String: Tensor]] = []
        for i in transforms.indices { parts.append(reader.takePrefix("transform\(i).")) }
        let inner = reader.takePrefix("classifier.")
        try reader.finish()
        for i in transforms.indices { try transforms[i].restore(from: parts[i]) }
        try classifier.restore(from: inner, classCount: classCount)
    }
}
