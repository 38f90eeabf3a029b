// Losses, each with its gradient beside it. Shapes: output and targets N × W (W outputs per sample),
// the loss is the mean over the N samples, the gradient is d(mean loss)/d(output), N × W.
import Foundation
import Tensors

/// A training loss over a batch of outputs and target rows.
public protocol Loss: Sendable {
    /// A short name, e.g. "cross-entropy".
    var name: String { get }
    /// Writes the target row (`width` floats) of class `label`: one-hot unless a loss says otherwise.
    func encode(label: Int, width: Int, into row: UnsafeMutablePointer<Float>)
    /// The mean loss over `n` rows; when `gradient` is non-nil, writes d(mean loss)/d(output) there.
    func evaluate(output: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch n: Int, width: Int,
                  gradient: UnsafeMutablePointer<Float>?) -> Double
    /// Class probabilities (N × classes, rows summing to 1) from the network's outputs.
    func probabilities(output: UnsafePointer<Float>, batch n: Int, width: Int) -> Matrix
}

extension Loss {
    public func encode(label: Int, width: Int, into row: UnsafeMutablePointer<Float>) {
        row.update(repeating: 0, count: width)
        row[label] = 1
    }

    /// The mean loss and its gradient for matrices (N × W): convenient for tests and small problems.
    public func evaluate(output: Matrix, targets: Matrix) -> (loss: Double, gradient: Matrix) {
        precondition(output.rows == targets.rows && output.cols == targets.cols, "\(name): output and targets differ in shape")
        var gradient = Matrix(rows: output.rows, cols: output.cols)
        let loss = output.data.withUnsafeBufferPointer { o in
            targets.data.withUnsafeBufferPointer { t in
                gradient.data.withUnsafeMutableBufferPointer { g in
                    // No values: the mean of an empty sum over the rows, as the losses give for zero-width rows.
                    guard let o = o.baseAddress, let t = t.baseAddress, let g = g.baseAddress else { return 0 / Double(output.rows) }
                    return evaluate(output: o, targets: t, batch: output.rows, width: output.cols, gradient: g)
                }
            }
        }
        return (loss, gradient)
    }

    /// Target rows for class labels (N × width).
    public func targets(labels: [Int], width: Int) -> Matrix {
        var m = Matrix(rows: labels.count, cols: width)
        m.data.withUnsafeMutableBufferPointer { p in
            guard let base = p.baseAddress else { return }   // no labels (or zero width): no rows to encode
            for (i, y) in labels.enumerated() { encode(label: y, width: width, into: base + i * width) }
        }
        return m
    }
}

/// Softmax followed by cross-entropy on raw scores ("logits"): L = −Σ_j y_j log softmax(s)_j.
/// Its gradient is the lectures' p − y (divided by N for the batch mean).
public struct SoftmaxCrossEntropy: Loss {
    public init() {}
    public var name: String { "cross-entropy" }

    public func evaluate(output: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch n: Int, width: Int,
                         gradient: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        let invN = 1 / Float(n)
        for i in 0..<n {
            let s = output + i * width, t = targets + i * width
            var top = -Float.infinity
            for j in 0..<width { top = max(top, s[j]) }
            var z = 0.0
            for j in 0..<width { z += Double(expf(s[j] - top)) }
            let logZ = Double(top) + log(z)
            for j in 0..<width where t[j] != 0 { total -= Double(t[j]) * (Double(s[j]) - logZ) }
            if let g = gradient {
                for j in 0..<width { g[i * width + j] = (Float(exp(Double(s[j]) - logZ)) - t[j]) * invN }
            }
        }
        return total / Double(n)
    }

    public func probabilities(output: UnsafePointer<Float>, batch n: Int, width: Int) -> Matrix {
        var m = Matrix(rows: n, cols: width, data: Array(UnsafeBufferPointer(start: output, count: n * width)))
        m.softmaxRows()
        return m
    }
}

/// Binary cross-entropy on a sigmoid output p (put `Sigmoid()` last):
/// L = −Σ_j [y_j log p_j + (1 − y_j) log(1 − p_j)], the lectures' logistic loss. With one output
/// unit, class 1 is the positive class; with several, each unit is one class (one-hot targets).
/// p is clamped to [1e-7, 1 − 1e-7] so the loss stays finite.
public struct BinaryCrossEntropy: Loss {
    public init() {}
    public var name: String { "binary cross-entropy" }

    public func encode(label: Int, width: Int, into row: UnsafeMutablePointer<Float>) {
        if width == 1 { row[0] = label == 0 ? 0 : 1; return }
        row.update(repeating: 0, count: width)
        row[label] = 1
    }

    public func evaluate(output: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch n: Int, width: Int,
                         gradient: UnsafeMutablePointer<Float>?) -> Double {
        let eps: Float = 1e-7
        var total = 0.0
        let invN = 1 / Float(n)
        for i in 0..<n * width {
            let p = min(max(output[i], eps), 1 - eps), y = targets[i]
            total -= Double(y) * log(Double(p)) + Double(1 - y) * log(Double(1 - p))
            // dL/dp = −y/p + (1 − y)/(1 − p) = (p − y) / (p(1 − p))
            gradient?[i] = (p - y) / (p * (1 - p)) * invN
        }
        return total / Double(n)
    }

    public func probabilities(output: UnsafePointer<Float>, batch n: Int, width: Int) -> Matrix {
        if width == 1 {
            var m = Matrix(rows: n, cols: 2)
            for i in 0..<n { let p = min(max(output[i], 0), 1); m[i, 0] = 1 - p; m[i, 1] = p }
            return m
        }
        return normalizedRows(output, n: n, width: width)
    }
}

/// Mean squared error: L = Σ_j (o_j − y_j)² per sample (summed over outputs, averaged over samples,
/// as the lectures' L2 loss), gradient 2(o − y)/N.
public struct MeanSquaredError: Loss {
    public init() {}
    public var name: String { "squared error" }

    public func evaluate(output: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch n: Int, width: Int,
                         gradient: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        let scale = 2 / Float(n)
        for i in 0..<n * width {
            let d = output[i] - targets[i]
            total += Double(d) * Double(d)
            gradient?[i] = scale * d
        }
        return total / Double(n)
    }

    /// Outputs clamped to [0, 1] and normalized per row (uniform when all are zero).
    public func probabilities(output: UnsafePointer<Float>, batch n: Int, width: Int) -> Matrix {
        normalizedRows(output, n: n, width: width)
    }
}

/// Hinge loss, the lectures' max(0, 1 − y·ŷ), applied to every output with y = +1 for the target
/// class and −1 for the others (one-vs-rest): L = Σ_j max(0, 1 − t_j·o_j), t_j = 2y_j − 1.
/// Its (sub)gradient is −t_j/N where the margin is violated, 0 elsewhere.
public struct Hinge: Loss {
    public init() {}
    public var name: String { "hinge" }

    public func evaluate(output: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch n: Int, width: Int,
                         gradient: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        let invN = 1 / Float(n)
        for i in 0..<n * width {
            let t: Float = targets[i] > 0.5 ? 1 : -1
            let margin = 1 - t * output[i]
            total += Double(max(0, margin))
            gradient?[i] = margin > 0 ? -t * invN : 0
        }
        return total / Double(n)
    }

    /// Softmax of the scores (hinge outputs are margins, not probabilities).
    public func probabilities(output: UnsafePointer<Float>, batch n: Int, width: Int) -> Matrix {
        SoftmaxCrossEntropy().probabilities(output: output, batch: n, width: width)
    }
}

private func normalizedRows(_ output: UnsafePointer<Float>, n: Int, width: Int) -> Matrix {
    var m = Matrix(rows: n, cols: width)
    for i in 0..<n {
        var sum: Float = 0
        for j in 0..<width { let v = min(max(output[i * width + j], 0), 1); m[i, j] = v; sum += v }
        for j in 0..<width { m[i, j] = sum > 0 ? m[i, j] / sum : 1 / Float(width) }
    }
    return m
}
