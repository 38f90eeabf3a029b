// Element-wise activations, forward and backward side by side. Shapes: y and x alike (any shape).
import CNeuralKernels
import Foundation
import Tensors

/// Shared plumbing: element-wise layers keep their shape and have no parameters.
public class ElementwiseLayer: Layer {
    public override func outputShape(for inputShape: [Int]) throws -> [Int] { inputShape }
}

/// ReLU: y = max(0, x); dx = dy where y > 0.
public final class ReLU: ElementwiseLayer {
    /// Set by `Sequential` when a max-pooling layer follows: that layer's backward pass already
    /// zeroes the gradient where y ≤ 0 (it reads y at each window's maximum, the only places it
    /// sends gradient to), so this layer hands the gradient through and saves a pass over memory.
    var gradientMaskedDownstream = false

    public override init() { super.init() }
    public override var label: String { "ReLU" }
    public override var passesGradientThrough: Bool { gradientMaskedDownstream }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputCount)
        parallelElements(n * outputCount) { r in for i in r { y[i] = max(x[i], 0) } }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        if gradientMaskedDownstream { dx.update(from: dy, count: n * outputCount); return }
        let y = UnsafePointer(output.pointer)
        parallelElements(n * outputCount, grain: 65_536) { r in nk_relu_backward(y + r.lowerBound, dy + r.lowerBound, dx + r.lowerBound, r.count) }
    }
}

/// Leaky ReLU: y = x for x > 0, a·x otherwise.
public final class LeakyReLU: ElementwiseLayer {
    /// The slope for negative inputs.
    public let slope: Float
    public init(_ slope: Float = 0.01) { self.slope = slope; super.init() }
    public override var label: String { "LeakyReLU(\(slope))" }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputCount), a = slope
        parallelElements(n * outputCount) { r in for i in r { y[i] = x[i] > 0 ? x[i] : a * x[i] } }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        let x = input
        let a = slope
        parallelElements(n * outputCount) { r in for i in r { dx[i] = x[i] > 0 ? dy[i] : a * dy[i] } }
    }
}

/// The logistic function ("sigmoid"): y = 1 / (1 + e^(−x)); dy/dx = y(1 − y).
public final class Sigmoid: ElementwiseLayer {
    public override init() { super.init() }
    public override var label: String { "Sigmoid" }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputCount)
        parallelElements(n * outputCount, grain: 8_192) { r in for i in r { y[i] = 1 / (1 + expf(-x[i])) } }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        let y = output.pointer
        parallelElements(n * outputCount) { r in for i in r { dx[i] = dy[i] * y[i] * (1 - y[i]) } }
    }
}

/// Hyperbolic tangent: y = tanh(x); dy/dx = 1 − y².
public final class Tanh: ElementwiseLayer {
    public override init() { super.init() }
    public override var label: String { "Tanh" }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        let y = output.reserve(n * outputCount)
        parallelElements(n * outputCount, grain: 8_192) { r in for i in r { y[i] = tanhf(x[i]) } }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        let y = output.pointer
        parallelElements(n * outputCount) { r in for i in r { dx[i] = dy[i] * (1 - y[i] * y[i]) } }
    }
}

/// Inverted dropout: in training each value is zeroed with probability p and the survivors are
/// scaled by 1/(1 − p); at inference the layer is the identity. The mask comes from the layer's own
/// generator, seeded by the model's initialization, so runs repeat exactly.
public final class Dropout: ElementwiseLayer {
    public let probability: Float
    private var rng = Xoshiro256(seed: 0)
    private let mask = FloatBuffer()
    private var lastWasTraining = false

    public init(_ probability: Float = 0.5) { self.probability = probability; super.init() }
    public override var label: String { "Dropout(\(probability))" }

    public override func outputShape(for inputShape: [Int]) throws -> [Int] {
        guard probability >= 0, probability < 1 else {
            throw NeuralNetworkError.invalidOption(name: "Dropout probability", reason: "must be in [0, 1), got \(probability)")
        }
        return inputShape
    }

    public override func initialize(using rng: inout Xoshiro256) { self.rng = rng.split() }

    public override var randomState: [UInt64] {
        get { rng.stateWords }
        set { if let restored = Xoshiro256(stateWords: newValue) { rng = restored } }
    }

    public override func forwardPass(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        lastWasTraining = training && probability > 0
        guard lastWasTraining else { return x }
        let count = n * outputCount
        let m = mask.reserve(count), y = output.reserve(count)
        let keep = 1 - probability, scale = 1 / keep
        // Drawn sequentially: the mask must not depend on the thread count.
        for i in 0..<count { m[i] = rng.uniform() < keep ? scale : 0 }
        parallelElements(count) { r in for i in r { y[i] = x[i] * m[i] } }
        return UnsafePointer(y)
    }

    public override func backwardPass(_ dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, batch n: Int) {
        guard let dx else { return }
        let count = n * outputCount
        if !lastWasTraining { dx.update(from: dy, count: count); return }
        let m = mask.pointer
        parallelElements(count) { r in for i in r { dx[i] = dy[i] * m[i] } }
    }
}
