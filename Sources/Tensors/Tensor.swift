// An n-dimensional Float32 array with a shape, for image batches (N×C×H×W) and layer weights.

/// A dense, row-major n-dimensional array of `Float` (the last dimension varies fastest).
public struct Tensor: Equatable, Sendable {
    /// The dimensions, outermost first, e.g. `[N, C, H, W]`.
    public let shape: [Int]
    /// The elements in row-major order; `data.count == shape.product`.
    public var data: [Float]

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor dimensions must be non-negative, got \(shape)")
        self.shape = shape
        self.data = [Float](repeating: value, count: shape.reduce(1, *))
    }

    /// A tensor of `shape` over `data` (`data.count` must equal the product of `shape`).
    public init(shape: [Int], data: [Float]) {
        precondition(shape.allSatisfy { $0 >= 0 } && data.count == shape.reduce(1, *),
                     "Tensor of shape \(shape) needs \(shape.reduce(1, *)) elements, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    /// A tensor viewing a matrix's elements with shape `[rows, cols]`.
    public init(_ matrix: Matrix) {
        self.init(shape: [matrix.rows, matrix.cols], data: matrix.data)
    }

    public var count: Int { data.count }
    public var rank: Int { shape.count }

    /// The same elements under another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, data: data)
    }

    /// The elements as a matrix whose rows are the outermost dimension: `shape[0] × (rest)`.
    public func flattenedToMatrix() -> Matrix {
        let n = shape.first ?? 0
        return Matrix(rows: n, cols: n == 0 ? 0 : data.count / n, data: data)
    }

    /// Samples `indices` along the outermost dimension.
    public func slices(_ indices: [Int]) -> Tensor {
        let m = flattenedToMatrix().rows(indices)
        return Tensor(shape: [indices.count] + shape.dropFirst(), data: m.data)
    }
}
