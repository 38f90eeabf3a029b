// Finite-difference gradient checking shared by the layer and loss tests: the loss is a fixed
// random projection L = Σ r ⊙ y (so dL/dy = r), central differences with step h, loss summed in Double.
import NeuralNetworks
import Tensors
import XCTest

/// Tolerances of the gradient checks: |analytic − numeric| ≤ absolute + relative·|numeric|.
struct Tolerance {
    var absolute: Double = 2e-3
    var relative: Double = 2e-2
}

/// Σ r·y in Double.
func projection(_ y: Tensor, _ r: [Float]) -> Double {
    zip(y.data, r).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
}

/// Compares the layer's backward pass with central differences for the input and every trainable
/// parameter. Fails with the largest difference found.
func checkLayerGradients(_ layer: Layer, input: Tensor, training: Bool = true, step: Float = 1e-2,
                         tolerance: Tolerance = Tolerance(), file: StaticString = #filePath, line: UInt = #line) throws {
    var rng = Xoshiro256(seed: 99)
    let y0 = try layer.forward(input, training: training)
    let r = (0..<y0.count).map { _ in rng.uniform(-1, 1) }
    let dx = try layer.backward(Tensor(shape: y0.shape, data: r))
    let parameterGradients = layer.parameters.filter(\.isTrainable).map(\.gradients)

    func loss(_ x: Tensor) throws -> Double { projection(try layer.forward(x, training: training), r) }

    var worst = 0.0, worstWhere = ""
    func compare(_ analytic: Float, _ numeric: Double, _ label: String) {
        let diff = abs(Double(analytic) - numeric)
        let excess = diff - (tolerance.absolute + tolerance.relative * abs(numeric))
        if excess > 0, diff > worst { worst = diff; worstWhere = "\(label): analytic \(analytic), numeric \(numeric)" }
    }
    for i in 0..<input.count {
        var plus = input, minus = input
        plus.data[i] += step
        minus.data[i] -= step
        compare(dx.data[i], (try loss(plus) - loss(minus)) / Double(2 * step), "dx[\(i)]")
    }
    for (p, analytic) in zip(layer.parameters.filter(\.isTrainable), parameterGradients) {
        let saved = p.values
        for i in 0..<p.count {
            var v = saved
            v[i] = saved[i] + step
            p.values = v
            let lp = try loss(input)
            v[i] = saved[i] - step
            p.values = v
            let lm = try loss(input)
            p.values = saved
            compare(analytic[i], (lp - lm) / Double(2 * step), "d\(p.name)[\(i)]")
        }
    }
    XCTAssertEqual(worst, 0, "\(layer.label): largest gradient difference beyond tolerance at \(worstWhere)", file: file, line: line)
}

/// Values on a grid with gaps of at least `gap`, in random order, shifted away from zero, so that no
/// finite-difference step crosses a kink of ReLU or changes a max-pooling winner.
func separatedValues(_ count: Int, gap: Float = 0.05, seed: UInt64) -> [Float] {
    var rng = Xoshiro256(seed: seed)
    let order = rng.permutation(count)
    return order.map { k in
        let v = Float(k - count / 2) * gap
        return v >= 0 ? v + gap / 2 : v - gap / 2
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, range: Float = 1) -> Tensor {
    var rng = Xoshiro256(seed: seed)
    return Tensor(shape: shape, data: (0..<shape.reduce(1, *)).map { _ in rng.uniform(-range, range) })
}

/// Randomizes a layer's trainable parameters (so biases are non-zero too).
func randomizeParameters(_ layer: Layer, seed: UInt64, range: Float = 0.5) {
    var rng = Xoshiro256(seed: seed)
    for p in layer.parameters where p.isTrainable {
        p.values = (0..<p.count).map { _ in rng.uniform(-range, range) }
    }
}

func assertClose(_ actual: [Float], _ expected: [Float], absolute: Float = 1e-5, relative: Float = 1e-5,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): count", file: file, line: line)
    var worst: Float = 0, at = -1
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let d = abs(a - e)
        if d > absolute + relative * abs(e), d > worst { worst = d; at = i }
    }
    XCTAssertEqual(at, -1, "\(message): largest difference \(worst) at \(at) (got \(at >= 0 ? actual[at] : 0), expected \(at >= 0 ? expected[at] : 0))",
                   file: file, line: line)
}
