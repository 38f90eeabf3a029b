// Storage of the module: grow-only Float buffers that layers keep between batches (so the training
// loop allocates nothing), and `Parameter`, a named weight tensor with its gradient.
import Tensors

/// A grow-only, manually allocated Float buffer. `reserve` keeps the old pointer when the buffer is
/// already large enough, so a layer's output stays at one address from batch to batch.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 1)
        pointer = .allocate(capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    /// A pointer to at least `count` floats (contents undefined after growth).
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}

/// A grow-only Int32 buffer (argmax indices of max pooling).
final class IndexBuffer {
    private(set) var pointer: UnsafeMutablePointer<Int32>
    private(set) var capacity: Int

    init() {
        capacity = 1
        pointer = .allocate(capacity: 1)
    }

    func reserve(_ count: Int) -> UnsafeMutablePointer<Int32> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}

/// A learnable (or tracked) tensor of a layer, with its gradient. Values live at a fixed address
/// for the parameter's lifetime, so optimizers and kernels work on them in place.
public final class Parameter {
    /// The name within its layer, as PyTorch calls it: "weight", "bias", "running_mean", ...
    public let name: String
    /// The dimensions, outermost first (PyTorch's layout: Linear weight out×in, Conv weight Cout×Cin×K×K).
    public let shape: [Int]
    /// Number of elements.
    public let count: Int
    /// False for tracked statistics (batch-norm running mean and variance): saved, never optimized.
    public let isTrainable: Bool
    /// True when L2 weight decay applies (weights); false for biases and normalization parameters.
    public let decays: Bool
    /// The values (`count` floats).
    public let value: UnsafeMutablePointer<Float>
    /// dLoss/dvalue of the last backward pass (`count` floats).
    public let gradient: UnsafeMutablePointer<Float>

    init(name: String, shape: [Int], isTrainable: Bool = true, decays: Bool = false, fill: Float = 0) {
        self.name = name
        self.shape = shape
        self.count = shape.reduce(1, *)
        self.isTrainable = isTrainable
        self.decays = decays
        value = .allocate(capacity: max(count, 1))
        value.initialize(repeating: fill, count: max(count, 1))
        gradient = .allocate(capacity: max(count, 1))
        gradient.initialize(repeating: 0, count: max(count, 1))
    }

    deinit {
        value.deallocate()
        gradient.deallocate()
    }

    /// A copy of the values; setting copies in (the count must match).
    public var values: [Float] {
        get { Array(UnsafeBufferPointer(start: value, count: count)) }
        set {
            precondition(newValue.count == count, "Parameter \(name) has \(count) values, got \(newValue.count)")
            newValue.withUnsafeBufferPointer { if let p = $0.baseAddress { value.update(from: p, count: count) } }   // count 0: nothing to copy
        }
    }

    /// A copy of the gradient of the last backward pass.
    public var gradients: [Float] { Array(UnsafeBufferPointer(start: gradient, count: count)) }

    /// The values as a tensor of `shape`.
    public var tensor: Tensor { Tensor(shape: shape, data: values) }
}

/// Formats a shape the way the lectures do: "20×28×28".
func shapeText(_ shape: [Int]) -> String {
    shape.map(String.init).joined(separator: "×")
}

/// Element-wise parallel loop over 0..<count in fixed chunks (results never depend on the thread
/// count because each element is written by exactly one chunk).
@inline(__always)
func parallelElements(_ count: Int, grain: Int = 32_768, _ body: (Range<Int>) -> Void) {
    if count <= grain { if count > 0 { body(0..<count) }; return }
    Parallel.forRange(0..<count, grain: grain, body)
}
