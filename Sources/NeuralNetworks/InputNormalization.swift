// Input standardization kept with the model: the mean and standard deviation of the training
// inputs (per channel of C×H×W rows, or per feature), applied to every input the network sees.
// Sums run in Double over fixed chunks of rows combined in chunk order, so the statistics are the
// same bits whatever the thread count.
import Tensors

/// How a `NeuralNetworkClassifier` standardizes its inputs before the network sees them.
public enum InputNormalization: Sendable, Equatable, CustomStringConvertible {
    /// The inputs as they are.
    case none
    /// Each row is `channels` equal runs of values (C×H×W, or C×pixels); every channel gets the
    /// mean and standard deviation of its values over all training rows.
    case perChannel(channels: Int)
    /// Every column gets its own mean and standard deviation.
    case perFeature

    /// Standard deviations below this count as constant inputs and are replaced by 1.
    public static let minimumStd: Float = 1e-6

    /// Number of statistics (means, and as many standard deviations) for rows of `featureCount` values.
    ///
    /// - Throws: `NeuralNetworkError.invalidOption` when the channels do not split the row evenly.
    public func statisticsCount(featureCount: Int) throws -> Int {
        switch self {
        case .none: return 0
        case .perFeature: return featureCount
        case let .perChannel(channels):
            guard channels >= 1, featureCount % channels == 0 else {
                throw NeuralNetworkError.invalidOption(name: "input normalization",
                    reason: "\(channels) channels do not split rows of \(featureCount) values into equal parts")
            }
            return channels
        }
    }

    /// Mean and standard deviation (population, over all values of each channel or column) of the
    /// rows of `x`; a standard deviation below `minimumStd` becomes 1. Empty for `.none`.
    public func statistics(of x: Matrix) throws -> (mean: [Float], std: [Float]) {
        let groups = try statisticsCount(featureCount: x.cols)
        guard groups > 0 else { return ([], []) }
        guard x.rows > 0 else { throw NeuralNetworkError.invalidData(reason: "Input statistics need at least one sample") }
        let run = x.cols / groups, count = Double(x.rows * run)
        let sums = groupSums(x, groups: groups) { v, _ in v }
        let mean = sums.map { $0 / count }
        let squares = groupSums(x, groups: groups) { v, g in (v - mean[g]) * (v - mean[g]) }
        let std = squares.map { s -> Float in
            let sd = Float((s / count).squareRoot())
            return sd >= Self.minimumStd ? sd : 1
        }
        return (mean.map { Float($0) }, std)
    }

    /// `x` with `(value − mean) / std` of each value's channel or column; `x` itself for `.none`.
    public func apply(_ x: Matrix, mean: [Float], std: [Float]) throws -> Matrix {
        let groups = try statisticsCount(featureCount: x.cols)
        guard groups > 0 else { return x }
        guard mean.count == groups, std.count == groups else {
            throw NeuralNetworkError.invalidData(reason: "Input normalization \(self) of rows of \(x.cols) values needs \(groups) means and standard deviations, got \(mean.count) and \(std.count)")
        }
        var out = x
        let d = x.cols, run = d / groups
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }   // no values to standardize
                Parallel.forRange(0..<x.rows, grain: max(1, 65_536 / max(d, 1))) { rows in
                    for i in rows {
                        for g in 0..<groups {
                            let m = mean[g], sd = std[g], base = i * d + g * run
                            for j in base..<(base + run) { o[j] = (s[j] - m) / sd }
                        }
                    }
                }
            }
        }
        return out
    }

    public var description: String {
        switch self {
        case .none: return "none"
        case let .perChannel(c): return "per channel (\(c))"
        case .perFeature: return "per feature"
        }
    }
}

/// Per group (channel or column), the Double sum of `term(value, group)` over all rows: chunks of
/// rows fixed by size, combined in chunk order.
private func groupSums(_ x: Matrix, groups: Int, _ term: (Double, Int) -> Double) -> [Double] {
    let d = x.cols, run = d / groups
    let partial: [[Double]] = x.data.withUnsafeBufferPointer { src in
        guard let s = src.baseAddress else { return [] }   // no values: every sum stays zero
        return Parallel.mapChunks(0..<x.rows, grain: 64) { rows in
            var sums = [Double](repeating: 0, count: groups)
            for i in rows {
                for g in 0..<groups {
                    var acc = 0.0
                    let base = i * d + g * run
                    for j in base..<(base + run) { acc += term(Double(s[j]), g) }
                    sums[g] += acc
                }
            }
            return sums
        }
    }
    var total = [Double](repeating: 0, count: groups)
    for p in partial { for g in 0..<groups { total[g] += p[g] } }
    return total
}
