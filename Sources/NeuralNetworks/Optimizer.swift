// Optimizers: SGD (plain, with the lectures' momentum Δ ← μΔ + ∂L/∂θ, θ ← θ − ηΔ, or Nesterov's)
// and Adam; L2 weight decay adds λθ to the gradient of every weight (not of biases or
// normalization parameters). Updates are element-wise, so they are the same on any thread count.
import CNeuralKernels
import Foundation
import Tensors

/// Updates parameters in place from their gradients.
public protocol Optimizer: AnyObject {
    /// One update of every trainable parameter at learning rate `learningRate`.
    func step(_ parameters: [Parameter], learningRate: Float)
}

/// Which optimizer the trainer builds, with its options.
public enum OptimizerKind: Sendable, Equatable, CustomStringConvertible {
    /// Stochastic gradient descent; momentum μ = 0 is plain SGD.
    case sgd(momentum: Float = 0, nesterov: Bool = false)
    /// Adam (Kingma & Ba 2015).
    case adam(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8)

    /// SGD with the lectures' momentum 0.9.
    public static let momentum = OptimizerKind.sgd(momentum: 0.9)

    public func make(weightDecay: Float) -> Optimizer {
        switch self {
        case let .sgd(momentum, nesterov): return SGD(momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        case let .adam(b1, b2, eps): return Adam(beta1: b1, beta2: b2, epsilon: eps, weightDecay: weightDecay)
        }
    }

    public var description: String {
        switch self {
        case let .sgd(m, nesterov): return m == 0 ? "sgd" : (nesterov ? "nesterov(\(m))" : "momentum(\(m))")
        case .adam: return "adam"
        }
    }
}

/// Per-parameter optimizer state (zeros on first use), one slot per (parameter, index).
final class SlotState {
    private struct Key: Hashable { let id: ObjectIdentifier; let index: Int }
    private var slots: [Key: FloatBuffer] = [:]

    func buffer(for p: Parameter, index: Int = 0) -> UnsafeMutablePointer<Float> {
        let key = Key(id: ObjectIdentifier(p), index: index)
        if let b = slots[key] { return b.pointer }
        let b = FloatBuffer(capacity: p.count)
        slots[key] = b
        return b.pointer
    }
}

/// The state a training checkpoint saves and restores: per trainable parameter, the optimizer's
/// buffers (named as PyTorch's optimizers name them), and the number of updates made so far.
protocol CheckpointableOptimizer: Optimizer {
    /// Names of the buffers each trainable parameter has (none for plain SGD).
    var slotNames: [String] { get }
    /// Updates made so far (Adam's bias correction depends on it).
    var steps: Int { get set }
    /// Buffer `index` of `slotNames` for `p` (`p.count` floats, zero before the first update).
    func slot(_ p: Parameter, index: Int) -> UnsafeMutablePointer<Float>
}

/// Stochastic gradient descent. With momentum μ: Δ ← μΔ + g, θ ← θ − ηΔ (the lectures' form, and
/// PyTorch's); with Nesterov: θ ← θ − η(g + μΔ) after the same Δ update. g includes λθ for weights.
public final class SGD: CheckpointableOptimizer {
    public let momentum: Float
    public let nesterov: Bool
    public let weightDecay: Float
    private let state = SlotState()
    var steps = 0

    public init(momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) {
        self.momentum = momentum
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    var slotNames: [String] { momentum == 0 ? [] : ["momentum_buffer"] }
    func slot(_ p: Parameter, index: Int) -> UnsafeMutablePointer<Float> { state.buffer(for: p, index: index) }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        steps += 1
        for p in parameters where p.isTrainable {
            let w = p.value, g = p.gradient
            let decay = p.decays ? weightDecay : 0
            let lr = learningRate, mu = momentum
            if mu == 0 {
                parallelElements(p.count, grain: 65_536) { r in for i in r { w[i] -= lr * (g[i] + decay * w[i]) } }
                continue
            }
            let v = state.buffer(for: p)
            let nest: Int32 = nesterov ? 1 : 0
            parallelElements(p.count, grain: 65_536) { r in
                nk_sgd_momentum(w + r.lowerBound, g + r.lowerBound, v + r.lowerBound, r.count, lr, mu, decay, nest)
            }
        }
    }
}

/// Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − η·m̂/(√v̂ + ε) with bias-corrected m̂, v̂.
/// Weight decay is classic L2 (added to g), as in PyTorch's `Adam(weight_decay=)`.
public final class Adam: CheckpointableOptimizer {
    public let beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float
    private let state = SlotState()
    var steps = 0
    var slotNames: [String] { ["exp_avg", "exp_avg_sq"] }
    func slot(_ p: Parameter, index: Int) -> UnsafeMutablePointer<Float> { state.buffer(for: p, index: index) }

    public init(beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8, weightDecay: Float = 0) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    public func step(_ parameters: [Parameter], learningRate: Float) {
        steps += 1
        let c1 = 1 - Float(pow(Double(beta1), Double(steps))), c2 = 1 - Float(pow(Double(beta2), Double(steps)))
        for p in parameters where p.isTrainable {
            let w = p.value, g = p.gradient
            let m = state.buffer(for: p, index: 0), v = state.buffer(for: p, index: 1)
            let decay = p.decays ? weightDecay : 0
            let b1 = beta1, b2 = beta2, eps = epsilon, lr = learningRate
            parallelElements(p.count, grain: 65_536) { r in
                for i in r {
                    let gi = g[i] + decay * w[i]
                    m[i] = b1 * m[i] + (1 - b1) * gi
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi
                    w[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + eps)
                }
            }
        }
    }
}

/// How the learning rate changes from epoch to epoch (epochs counted from 0).
public enum LearningRateSchedule: Sendable, Equatable, CustomStringConvertible {
    /// The base rate throughout.
    case constant
    /// Multiply by `factor` every `every` epochs: η·factor^⌊epoch/every⌋.
    case step(every: Int, factor: Float)
    /// Cosine annealing from the base rate to `minimum` over the run:
    /// η_min + (η − η_min)(1 + cos(π·epoch/epochs))/2.
    case cosine(minimum: Float = 0)

    public func rate(base: Float, epoch: Int, epochs: Int) -> Float {
        switch self {
        case .constant: return base
        case let .step(every, factor): return base * Float(pow(Double(factor), Double(epoch / max(every, 1))))
        case let .cosine(minimum):
            let t = Double(epoch) / Double(max(epochs, 1))
            return minimum + (base - minimum) * Float((1 + cos(Double.pi * t)) / 2)
        }
    }

    public var description: String {
        switch self {
        case .constant: return "constant"
        case let .step(every, factor): return "step(\(every), \(factor))"
        case let .cosine(minimum): return "cosine(\(minimum))"
        }
    }
}
