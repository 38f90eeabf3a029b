// Dense (fully connected, "Linear") layer: y = x·Wᵀ + b over the whole batch with one GEMM.
//   x: N × D_in, W: D_out × D_in (PyTorch's layout), b: D_out, y: N × D_out.
import CNeuralKernels
import Tensors

/// A fully connected layer. Its input must be a vector per sample: put `Flatten()` before it.
public final class Dense: Layer {
    /// Number of outputs per sample.
    public let outputs: Int
    /// The expected number of inputs, checked at build when given.
    public let expectedInputs: Int?
    /// How the weights are initialized.
    public let initialization: WeightInitialization
    /// Empty (no values) until the layer is built, then D_out × D_in.
    public private(set) var weight = Parameter(name: "weight", shape: [0], decays: true)
    /// Empty until the layer is built, then D_out.
    public private(set) var bias = Parameter(name: "bias", shape: [0])

    /// - Parameters:
    ///   - inputs: inputs per sample; inferred from the previous layer when nil.
    ///   - outputs: outputs per sample (≥ 1).
    ///   - initialization: `.he` (default, for ReLU) or `.xavier` (for sigmoid/tanh).
    public init(inputs: Int? = nil, outputs: Int, initialization: WeightInitialization = .he) {
        self.outputs = outputs
        self.expectedInputs = inputs
        self.initialization = initialization
        super.init()
    }

    public override var label: String {
        isBuilt ? "Linear (\(inputCount) -> \(outputs))" : "Linear (-> \(outputs))"
    }

    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard outputs >= 1 else { throw NeuralNetworkError.invalidOption(name: "Dense outputs", reason: "must be at least 1, got \(outputs)") }
        guard inputShape.count == 1 else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "needs one vector per sample but gets \(shapeText(inputShape)); put Flatten() before it")
        }
        if let expected = expectedInputs, expected != inputShape[0] {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "was declared with \(expected) inputs but gets \(inputShape[0])")
        }
        return [outputs]
    }

    /// yᵀ (out × N) of the forward pass, before its transpose into the output.
    private let transposedOutput = FloatBuffer()

    public override func didBuild() {
        weight = Parameter(name: "weight", shape: [outputs, inputCount], decays: true)
        bias = Parameter(name: "bias", shape: [outputs])
    }

    public override var parameters: [Parameter] { isBuilt ? [weight, bias] : [] }
    /// The lecture's table writes a linear layer's weight as in×out.
    public override var weightShapeText: String? { isBuilt ? "\(inputCount)×\(outputs)" : nil }
    public override var multiplyAdds: Int { inputCount * outputs }

    public override func initialize(using rng: inout Xoshiro256) {
        initialization.fill(weight.value, count: weight.count, fanIn: inputCount, fanOut: outputs, rng: &rng)
        bias.value.update(repeating: 0, count: outputs)
    }

    // y[N×out] = x[N×in]·Wᵀ + b, computed as yᵀ[out×N] = W·xᵀ + b and transposed: the product's
    // rows are then the outputs (500 or 100, whole 10-row panels) and its columns the batch (64 or
    // 256, whole 32-column panels), where x·Wᵀ left part-filled panels on both edges. Every value
    // is the same sum in the same order (bias first, then each block of the inputs), so the bits
    // are those of x·Wᵀ + b.
    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputs)
        let d = inputCount, o = outputs
        let b = bias.value
        let yt = transposedOutput.reserve(n * o)
        parallelElements(o, grain: max(1, 65_536 / max(n, 1))) { rows in
            for j in rows { (yt + j * n).update(repeating: b[j], count: n) }
        }
        Kernels.sgemm(transA: false, transB: true, m: o, n: n, k: d, a: weight.value, lda: d, b: x, ldb: d, beta: 1, c: yt, ldc: n)
        nk_transpose(yt, Int32(o), Int32(n), Int32(n), y, Int32(o))
        return UnsafePointer(y)
    }

    // dW[out×in] = dyᵀ·x, db = Σ_n dy, dx[N×in] = dy·W
    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        let d = inputCount, o = outputs
        Kernels.sgemm(transA: true, transB: false, m: o, n: d, k: n, a: dy, lda: o, b: input, ldb: d, beta: 0, c: weight.gradient, ldc: d)
        let db = bias.gradient
        for j in 0..<o { db[j] = 0 }
        for i in 0..<n {
            let row = dy + i * o
            for j in 0..<o { db[j] += row[j] }
        }
        if let dx {
            Kernels.sgemm(transA: false, transB: false, m: n, n: d, k: o, a: dy, lda: o, b: weight.value, ldb: d, beta: 0, c: dx, ldc: d)
        }
    }
}

/// Flattens each sample to a vector (C×H×W → C·H·W, in that order, as PyTorch's `flatten`).
public final class Flatten: Layer {
    public override init() { super.init() }
    public override var label: String { "Flatten" }
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { [inputShape.reduce(1, *)] }
    // Row-major N×C×H×W is already N × (C·H·W): both passes hand the memory through unchanged.
    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> { x }
    public override var passesGradientThrough: Bool { true }
    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        dx?.update(from: dy, count: n * inputCount)
    }
}
