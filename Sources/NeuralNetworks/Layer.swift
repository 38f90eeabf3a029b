// The layer contract: every layer has its forward and backward pass side by side, works on a whole
// batch at once, and keeps the buffers it needs between the two passes.
//
// Dimension legend used in every layer file: N = batch, C = channels, H/W = input height/width,
// OH/OW = output height/width, D = features, K = kernel size, S = stride, P = padding.
// Per-sample shapes leave N out: [C, H, W] for images, [D] for feature vectors.
import Tensors

/// A layer of a network. Subclasses override `outputShape(for:)`, `forwardPass` and `backwardPass`
/// (and, when they learn, `parameters`, `initialize(using:)` and `multiplyAdds`).
///
/// Contract of the passes: `forward` may keep the input pointer until `backward`, so the caller
/// must leave the input unchanged in between (`Sequential` does: every layer owns its output).
/// `backward` overwrites the gradients of the layer's parameters with those of this batch.
open class Layer {
    /// Per-sample input shape, set by `build(inputShape:)`.
    public private(set) var inputShape: [Int] = []
    /// Per-sample output shape, set by `build(inputShape:)`.
    public private(set) var outputShape: [Int] = []
    /// Elements per sample of the input and output.
    public private(set) var inputCount = 0
    public private(set) var outputCount = 0
    /// True once `build(inputShape:)` succeeded.
    public private(set) var isBuilt = false

    /// The input of the last forward pass (N × inputCount) and its batch size. Before the first
    /// forward pass the batch is empty (0 samples, pointing at `noInput`), so a backward pass then
    /// works on no samples instead of reading an input that does not exist.
    var input: UnsafePointer<Float>
    var batch = 0
    let output = FloatBuffer()
    let inputGradient = FloatBuffer()
    private let noInput: FloatBuffer
    private let heldInput = FloatBuffer()
    private let heldGradient = FloatBuffer()

    public init() {
        let empty = FloatBuffer()
        noInput = empty
        input = UnsafePointer(empty.pointer)
    }

    // MARK: - To override

    /// The summary's name of the layer, e.g. "Conv (Cout=20, K=5, P=2, S=1)" or "ReLU".
    open var label: String { String(describing: type(of: self)) }
    /// The per-sample output shape for a per-sample input shape; throws `shapeMismatch` when the
    /// layer cannot take that input. Called once, by `build(inputShape:)`.
    open func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
    /// Called after a successful build: allocate parameters here.
    open func didBuild() {}
    /// The layer's parameters (learnable and tracked), in saving order.
    open var parameters: [Parameter] { [] }
    /// The shape shown in the summary's "weight size" column (nil when the layer has no weight).
    open var weightShapeText: String? { nil }
    /// Multiply-adds of one sample's forward pass.
    open var multiplyAdds: Int { 0 }
    /// Draws initial parameter values (and any random state) from `rng`.
    open func initialize(using rng: inout Xoshiro256) {}
    /// The state of a random stream the layer draws from while training (dropout's masks), so a
    /// checkpoint can continue it exactly; empty for layers that draw nothing after initialization.
    /// Setting takes a value this property returned for the same kind of layer.
    open var randomState: [UInt64] {
        get { [] }
        set {}
    }
    /// y = f(x) for a batch: x is N × inputCount; returns N × outputCount (usually `output`).
    open func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        x
    }
    /// Given dL/dy (N × outputCount) of the last forward pass, sets the parameter gradients and,
    /// when `dx` is non-nil, writes dL/dx (N × inputCount) to it.
    open func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {}
    /// True when backward can return dy itself as dx (shape-only layers), saving a copy.
    open var passesGradientThrough: Bool { false }

    // MARK: - Driving a layer

    /// Fixes the per-sample input shape and returns the output shape.
    @discardableResult
    public final func build(inputShape: [Int]) throws -> [Int] {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw NeuralNetworkError.shapeMismatch(layer: label, reason: "input shape \(inputShape) must have positive dimensions")
        }
        if isBuilt {
            guard inputShape == self.inputShape else {
                throw NeuralNetworkError.shapeMismatch(
                    layer: label, reason: "already built for input \(shapeText(self.inputShape)), cannot take \(shapeText(inputShape)); use a new layer")
            }
            return outputShape
        }
        let out = try outputShape(for: inputShape)
        self.inputShape = inputShape
        self.outputShape = out
        inputCount = inputShape.reduce(1, *)
        outputCount = out.reduce(1, *)
        isBuilt = true
        didBuild()
        return out
    }

    /// Forward pass on raw memory (N × inputCount floats); the result stays valid until the next
    /// forward pass of this layer.
    public final func forward(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        input = x
        batch = n
        return forwardPass(x, batch: n, training: training)
    }

    /// Backward pass on raw memory: returns dL/dx (N × inputCount) when `inputGradient` is true.
    @discardableResult
    public final func backward(_ dy: UnsafePointer<Float>, inputGradient wanted: Bool) -> UnsafePointer<Float>? {
        if wanted && passesGradientThrough {
            backwardPass(dy, dx: nil, batch: batch)
            return dy
        }
        let dx = wanted ? inputGradient.reserve(batch * inputCount) : nil
        backwardPass(dy, dx: dx, batch: batch)
        return dx.map { UnsafePointer($0) }
    }

    /// Forward pass on a tensor of shape [N] + per-sample shape (builds the layer on first use).
    public final func forward(_ x: Tensor, training: Bool = false) throws -> Tensor {
        guard x.rank >= 2 else { throw NeuralNetworkError.invalidData(reason: "\(label): input needs a batch dimension, got shape \(x.shape)") }
        let n = x.shape[0]
        try build(inputShape: Array(x.shape.dropFirst()))
        let held = heldInput.reserve(max(x.count, 1))
        x.data.withUnsafeBufferPointer { if let p = $0.baseAddress { held.update(from: p, count: x.count) } }   // empty: nothing to copy
        let y = forward(held, batch: n, training: training)
        return Tensor(shape: [n] + outputShape, data: Array(UnsafeBufferPointer(start: y, count: n * outputCount)))
    }

    /// Backward pass for the last tensor forward pass: dL/dy in, dL/dx out.
    public final func backward(_ dy: Tensor) throws -> Tensor {
        guard dy.count == batch * outputCount else {
            throw NeuralNetworkError.invalidData(reason: "\(label): gradient has \(dy.count) values, the last forward pass produced \(batch * outputCount)")
        }
        let held = heldGradient.reserve(max(dy.count, 1))
        dy.data.withUnsafeBufferPointer { if let p = $0.baseAddress { held.update(from: p, count: dy.count) } }   // empty: nothing to copy
        guard let dx = backward(held, inputGradient: true) else {
            throw NeuralNetworkError.invalidData(reason: "\(label): the backward pass gave no input gradient")
        }
        return Tensor(shape: [batch] + inputShape, data: Array(UnsafeBufferPointer(start: dx, count: batch * inputCount)))
    }

    /// Number of learnable values.
    public var parameterCount: Int { parameters.filter(\.isTrainable).reduce(0) { $0 + $1.count } }
}

/// How a layer's initial weights are drawn (biases start at zero).
public enum WeightInitialization: Sendable, Equatable {
    /// He et al. 2015: normal with std √(2 / fan-in); for ReLU networks.
    case he
    /// Glorot & Bengio 2010: uniform in ±√(6 / (fan-in + fan-out)); for sigmoid and tanh networks.
    case xavier

    func fill(_ p: UnsafeMutablePointer<Float>, count: Int, fanIn: Int, fanOut: Int, rng: inout Xoshiro256) {
        switch self {
        case .he:
            let std = (2 / Float(fanIn)).squareRoot()
            for i in 0..<count { p[i] = rng.normal(mean: 0, std: std) }
        case .xavier:
            let limit = (6 / Float(fanIn + fanOut)).squareRoot()
            for i in 0..<count { p[i] = rng.uniform(-limit, limit) }
        }
    }
}
