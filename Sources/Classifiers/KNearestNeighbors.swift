// k-nearest-neighbour classification (scikit-learn's `KNeighborsClassifier`, brute force): exact
// neighbours in bounded memory, uniform or inverse-distance votes.
//
// Tie rules: neighbours are ordered by distance, equal distances by the smaller training index;
// the predicted class is the one with the largest vote, equal votes going to the smaller label.
import Tensors

/// How the k neighbours' labels are combined.
public enum NeighborWeighting: String, Sendable, CaseIterable {
    /// Every neighbour has one vote.
    case uniform
    /// A neighbour's vote is 1/distance; when some neighbours are at distance 0, only they vote.
    case distance
}

/// k-NN classifier. The neighbours are those of the distances of the given float values computed in
/// double precision (what a plain loop would find, ties included). On 8-bit data (every value k/255,
/// or every value an integer 0...255, as for MNIST-style images) an integer kernel (AVX-512 VNNI,
/// when the CPU has it) finds the candidates; otherwise fp32 matrix multiplies do; the candidates are
/// then re-ranked in double.
public struct KNearestNeighbors: PersistableClassifier {
    public var name: String
    /// Neighbours that vote. ≥ 1 and at most the number of training samples.
    public let k: Int
    public let metric: DistanceMetric
    public let weighting: NeighborWeighting

    private var train: Matrix?
    private var labels: [Int] = []
    private var classCount = 0
    private var trainNorms: [Float] = []
    private var eightBit: EightBitTrainingSet?

    /// - Parameters: k default 5, metric default `.euclidean`, weighting default `.uniform`,
    ///   name default "knn" followed by k.
    public init(k: Int = 5, metric: DistanceMetric = .euclidean, weighting: NeighborWeighting = .uniform,
                name: String? = nil) throws {
        guard k >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: "KNearestNeighbors", name: "k", reason: "it is \(k); use at least 1")
        }
        self.k = k
        self.metric = metric
        self.weighting = weighting
        self.name = name ?? "knn\(k)"
    }

    /// True when the fitted training set uses the exact 8-bit integer kernel.
    public var usesEightBitKernel: Bool { eightBit != nil }

    /// Training samples stored (0 before fit).
    public var trainingSampleCount: Int { train?.rows ?? 0 }
    /// Features per sample of the stored training set (0 before fit).
    public var featureCount: Int { train?.cols ?? 0 }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try ClassifierError.checkFitInput(model: "KNearestNeighbors", x, y, classCount: classCount)
        guard k <= x.rows else {
            throw ClassifierError.invalidHyperparameter(model: "KNearestNeighbors", name: "k",
                reason: "it is \(k) but there are only \(x.rows) training samples; use k ≤ \(x.rows)")
        }
        store(x, y, classCount: classCount)
    }

    /// Keeps the training set and builds what the searches need (the 8-bit copy or the norms).
    private mutating func store(_ x: Matrix, _ y: [Int], classCount: Int) {
        train = x
        labels = y
        self.classCount = classCount
        eightBit = metric == .euclidean ? EightBitTrainingSet(x) : nil
        // The float path's norms; an 8-bit training set needs them only for queries that are not 8-bit.
        trainNorms = eightBit == nil ? x.rowSquaredNorms() : []
    }

    /// The stored training set, which is the model: "features" N × D and "labels" N (as floats).
    public func learnedState() throws -> [String: Tensor] {
        guard let train = train else { throw ClassifierError.notFitted(model: "KNearestNeighbors") }
        return ["features": Tensor(train), "labels": Tensor(shape: [labels.count], data: labels.map(Float.init))]
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        let model = "KNearestNeighbors"
        try ClassifierError.checkRestoreClassCount(model: model, classCount)
        var reader = LearnedStateReader(model: model, state: state)
        let x = try reader.takeMatrix("features")
        guard k <= x.rows else {
            throw reader.error("features", "has \(x.rows) samples, fewer than k = \(k)")
        }
        let y = try reader.take("labels", shape: [x.rows])
        if let i = y.data.firstIndex(where: { !($0 >= 0 && $0 < Float(classCount) && $0.rounded() == $0) }) {
            throw reader.error("labels", "holds \(y.data[i]) at element \(i); labels must be integers in 0..<\(classCount)")
        }
        try reader.finish()
        store(x, y.data.map { Int($0) }, classCount: classCount)
    }

    /// The k nearest training rows of every row of `x` (see `Neighbors` for the order).
    public func neighbors(_ x: Matrix) throws -> Neighbors {
        guard let train = train else { throw ClassifierError.notFitted(model: "KNearestNeighbors") }
        try ClassifierError.checkPredictInput(model: "KNearestNeighbors", x, featureCount: train.cols)
        guard x.rows > 0 else { return Neighbors(k: k, indices: [], distances: []) }
        if let eightBit = eightBit, let (codes, scale, error) = eightBitCodes(x), scale == eightBit.scale {
            return eightBit.search(codes: codes, queryError: error, queries: x, train: train, k: k)
        }
        return floatNeighborSearch(train: train, trainNorms: trainNorms.isEmpty ? train.rowSquaredNorms() : trainNorms,
                                   queries: x, k: k, metric: metric)
    }

    /// Vote shares of the classes among each row's k neighbours (N × classCount).
    public func probabilities(_ x: Matrix) throws -> Matrix {
        let found = try neighbors(x)
        var p = Matrix(rows: x.rows, cols: classCount)
        for q in 0..<x.rows {
            let range = (q * k)..<((q + 1) * k)
            let exact = weighting == .distance && range.contains { found.distances[$0] == 0 }
            var total = 0.0
            var votes = [Double](repeating: 0, count: classCount)
            for i in range {
                let dist = found.distances[i]
                let w: Double
                switch weighting {
                case .uniform: w = 1
                case .distance: w = exact ? (dist == 0 ? 1 : 0) : 1 / dist
                }
                votes[labels[found.indices[i]]] += w
                total += w
            }
            for c in 0..<classCount { p[q, c] = Float(votes[c] / total) }
        }
        return p
    }

    /// The class with the largest vote; equal votes go to the smaller label.
    public func predict(_ x: Matrix) throws -> [Int] {
        try probabilities(x).rowArgmax()
    }
}
