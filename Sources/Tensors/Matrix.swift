// A dense Float32 matrix in row-major order: the currency of every classifier in the suite
// (samples × features, weights, distances).
import Foundation


/// A dense, row-major matrix of `Float`. Value semantics (copy on write through `Array`).
public struct Matrix: Equatable, Sendable, CustomStringConvertible {
    /// Number of rows (samples, for a data matrix).
    public let rows: Int
    /// Number of columns (features, for a data matrix).
    public let cols: Int
    /// The elements, row by row: element (i, j) is `data[i * cols + j]`.
    public var data: [Float]

    /// A `rows × cols` matrix filled with `value`.
    public init(rows: Int, cols: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && cols >= 0, "Matrix dimensions must be non-negative, got \(rows)×\(cols)")
        self.rows = rows
        self.cols = cols
        self.data = [Float](repeating: value, count: rows * cols)
    }

    /// A `rows × cols` matrix over `data` (row-major, `data.count == rows * cols`).
    public init(rows: Int, cols: Int, data: [Float]) {
        precondition(rows >= 0 && cols >= 0 && data.count == rows * cols,
                     "Matrix \(rows)×\(cols) needs \(rows * cols) elements, got \(data.count)")
        self.rows = rows
        self.cols = cols
        self.data = data
    }

    /// A matrix from an array of equally long rows.
    public init(_ rowArrays: [[Float]]) {
        let cols = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == cols }, "All rows must have the same length")
        self.init(rows: rowArrays.count, cols: cols, data: rowArrays.flatMap { $0 })
    }

    /// The identity matrix of size n.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, cols: n)
        for i in 0..<n { m.data[i * n + i] = 1 }
        return m
    }

    public var count: Int { rows * cols }

    @inlinable
    public subscript(row: Int, col: Int) -> Float {
        get { data[row * cols + col] }
        set { data[row * cols + col] = newValue }
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Float] {
        Array(data[(i * cols)..<((i + 1) * cols)])
    }

    /// The rows at `indices`, in that order (a gather).
    public func rows(_ indices: [Int]) -> Matrix {
        var out = [Float](repeating: 0, count: indices.count * cols)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (r, i) in indices.enumerated() {
                    precondition(i >= 0 && i < rows, "Row index \(i) out of range 0..<\(rows)")
                    for j in 0..<cols { dst[r * cols + j] = src[i * cols + j] }
                }
            }
        }
        return Matrix(rows: indices.count, cols: cols, data: out)
    }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, data: Array(data[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// The transpose, `cols × rows`.
    public func transposed() -> Matrix {
        var out = Matrix(rows: cols, cols: rows)
        let block = 32
        data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                for i0 in stride(from: 0, to: rows, by: block) {
                    for j0 in stride(from: 0, to: cols, by: block) {
                        for i in i0..<min(i0 + block, rows) {
                            for j in j0..<min(j0 + block, cols) { dst[j * rows + i] = src[i * cols + j] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Rows stacked on top of each other (all inputs must have the same column count).
    public static func vstack(_ parts: [Matrix]) -> Matrix {
        guard let first = parts.first else { return Matrix(rows: 0, cols: 0) }
        precondition(parts.allSatisfy { $0.cols == first.cols }, "vstack needs equal column counts")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: first.cols, data: parts.flatMap { $0.data })
    }

    public var description: String {
        let shown = (0..<min(rows, 6)).map { i in
            "[" + row(i).prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ") + (cols > 8 ? ", …" : "") + "]"
        }
        return "Matrix \(rows)×\(cols)\n" + shown.joined(separator: "\n") + (rows > 6 ? "\n…" : "")
    }
}

