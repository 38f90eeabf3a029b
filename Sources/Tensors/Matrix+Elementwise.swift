// Element-wise arithmetic, broadcasting over rows, and the row/column reductions the models use.
import Foundation

extension Matrix {
    public static func + (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "+: shapes differ")
        return Matrix(rows: lhs.rows, cols: lhs.cols, data: zip(lhs.data, rhs.data).map { $0 + $1 })
    }

    public static func - (lhs: Matrix, rhs: Matrix) -> Matrix {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "-: shapes differ")
        return Matrix(rows: lhs.rows, cols: lhs.cols, data: zip(lhs.data, rhs.data).map { $0 - $1 })
    }

    public static func * (lhs: Matrix, rhs: Float) -> Matrix {
        Matrix(rows: lhs.rows, cols: lhs.cols, data: lhs.data.map { $0 * rhs })
    }

    public static func += (lhs: inout Matrix, rhs: Matrix) {
        precondition(lhs.rows == rhs.rows && lhs.cols == rhs.cols, "+=: shapes differ")
        lhs.data.withUnsafeMutableBufferPointer { a in
            rhs.data.withUnsafeBufferPointer { b in for i in 0..<a.count { a[i] += b[i] } }
        }
    }

    /// self += alpha · other (the BLAS axpy).
    public mutating func add(_ other: Matrix, scaledBy alpha: Float) {
        precondition(rows == other.rows && cols == other.cols, "add(_:scaledBy:): shapes differ")
        data.withUnsafeMutableBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in for i in 0..<a.count { a[i] += alpha * b[i] } }
        }
    }

    /// A matrix of the same shape with `transform` applied to every element.
    public func map(_ transform: (Float) -> Float) -> Matrix {
        Matrix(rows: rows, cols: cols, data: data.map(transform))
    }

    /// Adds `vector` (length `cols`) to every row.
    public mutating func addToEachRow(_ vector: [Float]) {
        precondition(vector.count == cols, "addToEachRow: vector has \(vector.count) elements, matrix has \(cols) columns")
        let cols = self.cols
        data.withUnsafeMutableBufferPointer { a in
            for i in 0..<rows { for j in 0..<cols { a[i * cols + j] += vector[j] } }
        }
    }

    /// Sum of each column (length `cols`), accumulated in Double.
    public func columnSums() -> [Float] {
        var sums = [Double](repeating: 0, count: cols)
        data.withUnsafeBufferPointer { a in
            for i in 0..<rows { for j in 0..<cols { sums[j] += Double(a[i * cols + j]) } }
        }
        return sums.map { Float($0) }
    }

    /// Mean of each column (length `cols`).
    public func columnMeans() -> [Float] {
        guard rows > 0 else { return [Float](repeating: 0, count: cols) }
        return columnSums().map { $0 / Float(rows) }
    }

    /// Sum of each row (length `rows`).
    public func rowSums() -> [Float] {
        (0..<rows).map { i in
            var s: Float = 0
            for j in 0..<cols { s += data[i * cols + j] }
            return s
        }
    }

    /// ‖row‖² for every row (length `rows`).
    public func rowSquaredNorms() -> [Float] {
        data.withUnsafeBufferPointer { a in
            (0..<rows).map { i in
                var s: Float = 0
                for j in 0..<cols { let v = a[i * cols + j]; s += v * v }
                return s
            }
        }
    }

    /// Index of the largest element of each row; the first one wins a tie.
    public func rowArgmax() -> [Int] {
        data.withUnsafeBufferPointer { a in
            (0..<rows).map { i in
                var best = 0
                var bestValue = -Float.infinity
                for j in 0..<cols where a[i * cols + j] > bestValue {
                    best = j
                    bestValue = a[i * cols + j]
                }
                return best
            }
        }
    }

    /// Replaces every row by its softmax (shifted by the row maximum, so it never overflows).
    public mutating func softmaxRows() {
        let cols = self.cols
        data.withUnsafeMutableBufferPointer { a in
            for i in 0..<rows {
                let base = i * cols
                var top = -Float.infinity
                for j in 0..<cols { top = max(top, a[base + j]) }
                var total: Float = 0
                for j in 0..<cols { let e = expf(a[base + j] - top); a[base + j] = e; total += e }
                let inv = 1 / total
                for j in 0..<cols { a[base + j] *= inv }
            }
        }
    }

    /// True when no element is NaN or infinite.
    public var isFinite: Bool { data.allSatisfy { $0.isFinite } }

    /// Position (row, column) of the first NaN or infinite element, if any.
    public func firstNonFinite() -> (row: Int, col: Int)? {
        guard let i = data.firstIndex(where: { !$0.isFinite }) else { return nil }
        return (i / max(cols, 1), i % max(cols, 1))
    }
}
