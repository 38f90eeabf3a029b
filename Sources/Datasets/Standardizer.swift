// Feature standardization (zero mean, unit variance per column), fitted on training data only and
// then applied unchanged to test data, so no test statistics leak into a model.
import Tensors

/// Per-column centring and scaling: `transform(x)[i, j] = (x[i, j] - means[j]) / stds[j]`.
///
/// Columns whose standard deviation is (numerically) zero, such as MNIST's always-blank border
/// pixels, are only centred: they are divided by 1, not by zero.
public struct Standardizer: Equatable, Sendable {
    /// Column means of the fitted data.
    public let means: [Float]
    /// Column standard deviations (population, divisor N) of the fitted data; 0 for constant columns.
    public let stds: [Float]

    /// Below this standard deviation a column is treated as constant.
    public static let constantColumnThreshold: Float = 1e-6

    /// Fits means and standard deviations to the columns of `x` (computed in Double).
    public init(fitting x: Matrix) {
        var sum = [Double](repeating: 0, count: x.cols)
        var sumSquares = [Double](repeating: 0, count: x.cols)
        x.data.withUnsafeBufferPointer { p in
            for i in 0..<x.rows {
                let row = i * x.cols
                for j in 0..<x.cols { sum[j] += Double(p[row + j]) }
            }
            let n = Double(max(x.rows, 1))
            for j in 0..<x.cols { sum[j] /= n }
            // Two passes: the squared deviations from the mean, which stay accurate for large means.
            for i in 0..<x.rows {
                let row = i * x.cols
                for j in 0..<x.cols {
                    let e = Double(p[row + j]) - sum[j]
                    sumSquares[j] += e * e
                }
            }
        }
        let n = Double(max(x.rows, 1))
        means = sum.map { Float($0) }
        stds = sumSquares.map { Float(($0 / n).squareRoot()) }
    }

    /// Builds a standardizer from stored statistics (e.g. saved with a model).
    public init(means: [Float], stds: [Float]) {
        precondition(means.count == stds.count, "Standardizer needs as many stds as means")
        self.means = means
        self.stds = stds
    }

    /// `x` centred and scaled column by column with the fitted statistics. `x` must have as many
    /// columns as the fitted data.
    public func transform(_ x: Matrix) -> Matrix {
        precondition(x.cols == means.count, "Standardizer was fitted on \(means.count) columns, got \(x.cols)")
        let scale = stds.map { $0 > Standardizer.constantColumnThreshold ? 1 / $0 : 1 }
        var out = x
        out.data.withUnsafeMutableBufferPointer { p in
            for i in 0..<x.rows {
                let row = i * x.cols
                for j in 0..<x.cols { p[row + j] = (p[row + j] - means[j]) * scale[j] }
            }
        }
        return out
    }

    /// The data set with its features transformed (labels, classes and shape unchanged).
    public func transform(_ d: Dataset) -> Dataset {
        var out = d
        out.features = transform(d.features)
        return out
    }
}
