// A network as a chain of layers: forward runs them in order, backward in reverse, each layer
// keeping its own output so that nothing is allocated batch after batch.
import Tensors

/// A feed-forward chain of layers with a fixed per-sample input shape.
public final class Sequential {
    /// Per-sample input shape, e.g. [1, 28, 28] or [784].
    public let inputShape: [Int]
    public let layers: [Layer]
    /// Per-sample output shape of the last layer.
    public let outputShape: [Int]
    /// Per-sample output shape of each layer, in order (the last is `outputShape`).
    public let layerOutputShapes: [[Int]]
    /// Index of the first layer with parameters: layers before it need no backward pass.
    private let firstLearning: Int
    private let inputBuffer = FloatBuffer()

    /// Builds every layer for `inputShape`; throws `shapeMismatch` naming the first layer that
    /// cannot take its predecessor's output.
    public init(inputShape: [Int], _ layers: [Layer]) throws {
        guard !layers.isEmpty else { throw NeuralNetworkError.invalidOption(name: "layers", reason: "a network needs at least one layer") }
        guard Set(layers.map(ObjectIdentifier.init)).count == layers.count else {
            throw NeuralNetworkError.invalidOption(name: "layers", reason: "the same layer object appears twice; create a new layer for each position")
        }
        var shape = inputShape, shapes: [[Int]] = []
        for (i, layer) in layers.enumerated() {
            do {
                shape = try layer.build(inputShape: shape)
                shapes.append(shape)
            } catch let NeuralNetworkError.shapeMismatch(layer: name, reason: reason) {
                throw NeuralNetworkError.shapeMismatch(layer: "layer \(i) (\(name))", reason: reason)
            }
        }
        self.inputShape = inputShape
        self.layers = layers
        self.outputShape = shape
        self.layerOutputShapes = shapes
        self.firstLearning = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        // ReLU → MaxPool: the pooling's backward pass applies the ReLU's mask (see ReLU).
        for (a, b) in zip(layers, layers.dropFirst()) {
            if let relu = a as? ReLU, let pool = b as? MaxPool2D {
                relu.gradientMaskedDownstream = true
                pool.masksNonPositiveInputs = true
            }
        }
    }

    /// Elements per sample of the input and of the output.
    public var inputCount: Int { inputShape.reduce(1, *) }
    public var outputCount: Int { outputShape.reduce(1, *) }

    /// Every parameter, in layer order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Parameters named as PyTorch's `nn.Sequential` names them ("0.weight", "3.bias", ...), so a
    /// weights file moves between the two.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { i, layer in layer.parameters.map { ("\(i).\($0.name)", $0) } }
    }

    /// Number of learnable values.
    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// Draws every layer's initial weights (and dropout streams) from one seed.
    public func initialize(seed: UInt64) {
        var rng = Xoshiro256(seed: seed)
        for layer in layers {
            var child = rng.split()
            layer.initialize(using: &child)
        }
    }

    /// Forward pass on N × inputCount floats; the result (N × outputCount) stays valid until the
    /// next forward pass.
    public func forward(_ x: UnsafePointer<Float>, batch n: Int, training: Bool) -> UnsafePointer<Float> {
        var h = x
        for layer in layers { h = layer.forward(h, batch: n, training: training) }
        return h
    }

    /// Backward pass for the last forward pass: dL/d(output) in; sets every parameter gradient.
    /// Returns dL/dx when `inputGradient` is true.
    @discardableResult
    public func backward(_ dy: UnsafePointer<Float>, inputGradient: Bool = false) -> UnsafePointer<Float>? {
        var g: UnsafePointer<Float>? = dy
        let stop = inputGradient ? 0 : firstLearning
        for i in stride(from: layers.count - 1, through: stop, by: -1) {
            // Every layer above `stop` is asked for its input gradient, so `g` is set until the last step.
            guard let above = g else { break }
            g = layers[i].backward(above, inputGradient: inputGradient || i > firstLearning)
        }
        return inputGradient ? g : nil
    }

    /// Forward pass on a tensor of shape [N] + inputShape (or N × inputCount).
    public func forward(_ x: Tensor, training: Bool = false) throws -> Tensor {
        guard let n = x.shape.first, x.count == n * inputCount else {
            throw NeuralNetworkError.invalidData(reason: "The network takes \(shapeText(inputShape)) values per sample; got a tensor of shape \(x.shape)")
        }
        let buf = inputBuffer.reserve(max(x.count, 1))
        x.data.withUnsafeBufferPointer { if let p = $0.baseAddress { buf.update(from: p, count: x.count) } }   // empty: nothing to copy
        let y = forward(buf, batch: n, training: training)
        return Tensor(shape: [n] + outputShape, data: Array(UnsafeBufferPointer(start: y, count: n * outputCount)))
    }

    /// Inference outputs (N × outputCount) for the rows of `x`, in batches of `batchSize`.
    public func outputs(_ x: Matrix, batchSize: Int = 256) throws -> Matrix {
        try outputs(x, throughLayers: layers.count, batchSize: batchSize)
    }

    /// Inference outputs of layer `count − 1` (the first `count` layers run; N × that layer's
    /// per-sample size): a hidden layer's activations, for pictures of what each unit computes.
    public func outputs(_ x: Matrix, throughLayers count: Int, batchSize: Int = 256) throws -> Matrix {
        guard x.cols == inputCount else {
            throw NeuralNetworkError.invalidData(reason: "The network takes \(inputCount) values per sample (\(shapeText(inputShape))); the data has \(x.cols) columns")
        }
        guard (1...layers.count).contains(count) else {
            throw NeuralNetworkError.invalidOption(name: "layers", reason: "the network has \(layers.count) layers; cannot run the first \(count)")
        }
        let width = layerOutputShapes[count - 1].reduce(1, *), d = inputCount
        var out = Matrix(rows: x.rows, cols: width)
        x.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let o = dst.baseAddress else { return }   // no rows (or no outputs)
                var start = 0
                while start < x.rows {
                    let n = min(batchSize, x.rows - start)
                    var y = UnsafePointer(s + start * d)
                    for layer in layers[..<count] { y = layer.forward(y, batch: n, training: false) }
                    (o + start * width).update(from: y, count: n * width)
                    start += n
                }
            }
        }
        return out
    }
}
