// The lectures' worked examples: the backpropagation example J = cos(sin(x²) + 3x²) through a small
// computational graph, the logistic neuron's gradient −3.7 · 0.2 · 1 · 1 · 2 = −1.48 through the
// library's own layers and loss, and the two summary tables (LeNet-5 and the convolution example).
import Foundation
import NeuralNetworks
import Tensors
import XCTest

/// A node of a scalar computational graph, micrograd-style: each operation defines its local
/// derivative where it defines its output, and `backward` applies the chain rule in reverse
/// topological order.
private final class Node {
    let value: Double
    var gradient = 0.0
    private let inputs: [(node: Node, local: Double)]

    init(_ value: Double, _ inputs: [(node: Node, local: Double)] = []) {
        self.value = value
        self.inputs = inputs
    }

    static func + (a: Node, b: Node) -> Node { Node(a.value + b.value, [(a, 1), (b, 1)]) }
    static func * (k: Double, a: Node) -> Node { Node(k * a.value, [(a, k)]) }
    func squared() -> Node { Node(value * value, [(self, 2 * value)]) }
    func sin() -> Node { Node(Foundation.sin(value), [(self, Foundation.cos(value))]) }
    func cos() -> Node { Node(Foundation.cos(value), [(self, -Foundation.sin(value))]) }

    /// dself/dnode for every node of the graph below.
    func backward() {
        var order: [Node] = [], seen = Set<ObjectIdentifier>()
        func visit(_ n: Node) {
            guard seen.insert(ObjectIdentifier(n)).inserted else { return }
            for i in n.inputs { visit(i.node) }
            order.append(n)
        }
        visit(self)
        gradient = 1
        for n in order.reversed() { for i in n.inputs { i.node.gradient += n.gradient * i.local } }
    }
}

final class LectureExampleTests: XCTestCase {
    /// Forward: t = x², u₁ = sin t, u₂ = 3t, u = u₁ + u₂, J = cos u. Backward: dJ/du = −sin u,
    /// du/du₁ = du/du₂ = 1, du₁/dt = cos t, du₂/dt = 3, dt/dx = 2x, so dJ/dx = −sin(u)(cos t + 3)·2x.
    func testBackpropagationThroughTheLecturesGraph() {
        for xv in [-1.3, 0.4, 0.9, 2.0] {
            let x = Node(xv)
            let t = x.squared()
            let u1 = t.sin(), u2 = 3 * t
            let u = u1 + u2
            let j = u.cos()
            j.backward()
            XCTAssertEqual(j.value, cos(sin(xv * xv) + 3 * xv * xv), accuracy: 1e-12)
            XCTAssertEqual(u.gradient, -sin(u.value), accuracy: 1e-12, "dJ/du")
            XCTAssertEqual(u1.gradient, u.gradient, accuracy: 1e-12, "dJ/du1")
            XCTAssertEqual(t.gradient, u.gradient * (cos(t.value) + 3), accuracy: 1e-12, "dJ/dt")
            let closedForm = -sin(sin(xv * xv) + 3 * xv * xv) * (cos(xv * xv) + 3) * 2 * xv
            XCTAssertEqual(x.gradient, closedForm, accuracy: 1e-12, "dJ/dx at x = \(xv)")
            let h = 1e-6
            let numeric = (cos(sin((xv + h) * (xv + h)) + 3 * (xv + h) * (xv + h)) - cos(sin((xv - h) * (xv - h)) + 3 * (xv - h) * (xv - h))) / (2 * h)
            XCTAssertEqual(x.gradient, numeric, accuracy: 1e-5, "dJ/dx against central differences at x = \(xv)")
        }
    }

    /// The computational-graph slide: z_i = w_i·x_i, q = z₁ + z₂, v = y·q, p = σ(v), L = −log p,
    /// with y = 1, x₁ = 2 and v = −1 (the slide's figure with x₂ and w₂ is missing; x = (2, −1),
    /// w = (−1, −1) gives its v). Local gradients: ∂L/∂p = −1/p ≈ −3.7, ∂p/∂v = σ(v)(1 − σ(v)) ≈ 0.2,
    /// ∂v/∂q = y = 1, ∂q/∂z₁ = 1, ∂z₁/∂w₁ = x₁ = 2. The slide multiplies the rounded factors to −1.48;
    /// the exact product is −1.462. Built from the library's Dense, Sigmoid and binary cross-entropy.
    func testLogisticNeuronGradient() throws {
        let dense = Dense(outputs: 1, initialization: .xavier)
        let model = try Sequential(inputShape: [2], [dense, Sigmoid()])
        dense.weight.values = [-1, -1]
        dense.bias.values = [0]
        let x: [Float] = [2, -1]
        let loss = BinaryCrossEntropy()
        let target: [Float] = [1]
        var dLdp: Float = 0
        let p = x.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: 1, training: true)[0] }
        let value = withUnsafeMutablePointer(to: &dLdp) { g in
            target.withUnsafeBufferPointer { t in
                withUnsafePointer(to: p) { loss.evaluate(output: $0, targets: t.baseAddress!, batch: 1, width: 1, gradient: g) }
            }
        }
        XCTAssertEqual(Double(p), 1 / (1 + exp(1.0)), accuracy: 1e-6, "p = σ(−1)")
        XCTAssertEqual(value, -log(Double(p)), accuracy: 1e-6, "L = −log p")
        XCTAssertEqual(Double(dLdp), -1 / Double(p), accuracy: 1e-4, "∂L/∂p = −1/p")
        XCTAssertEqual((dLdp * 10).rounded() / 10, -3.7, "∂L/∂p rounds to the slide's −3.7")
        let dpdv = p * (1 - p)
        XCTAssertEqual((dpdv * 10).rounded() / 10, 0.2, "∂p/∂v rounds to the slide's 0.2")
        XCTAssertEqual(-3.7 * 0.2 * 1 * 1 * 2, -1.48, accuracy: 1e-12, "the slide's product")

        withUnsafePointer(to: dLdp) { model.backward($0) }
        let dw1 = dense.weight.gradients[0]
        XCTAssertEqual(Double(dw1), Double(dLdp * dpdv * 1 * 1 * 2), accuracy: 1e-5, "chain rule through the layers")
        XCTAssertEqual(Double(dw1), -1.462, accuracy: 1e-3, "exact ∂L/∂w₁")
        XCTAssertEqual(Double(dw1), -1.48, accuracy: 0.02, "the slide's −1.48 (rounded factors)")
        XCTAssertEqual(Double(dense.weight.gradients[1]), Double(dLdp * dpdv * -1), accuracy: 1e-5, "∂L/∂w₂ = ... · x₂")

        // One plain gradient step with α = 1: w₁ ← w₁ − α·∂L/∂w₁ = −1 + 1.462 (the slide: +0.48).
        SGD().step(model.parameters, learningRate: 1)
        XCTAssertEqual(Double(dense.weight.values[0]), -1 - Double(dw1), accuracy: 1e-6)
        XCTAssertEqual(Double(dense.weight.values[0]), 0.48, accuracy: 0.02)
    }

    func testLeNet5SummaryReproducesTheLectureTable() throws {
        let summary = try Models.lenet5(seed: 0).summary()
        let expected: [(String, String, String)] = [
            ("Input", "1×28×28", ""),
            ("Conv (Cout=20, K=5, P=2, S=1)", "20×28×28", "20×1×5×5"),
            ("ReLU", "20×28×28", ""),
            ("MaxPool(K=2, S=2)", "20×14×14", ""),
            ("Conv (Cout=50, K=5, P=2, S=1)", "50×14×14", "50×20×5×5"),
            ("ReLU", "50×14×14", ""),
            ("MaxPool(K=2, S=2)", "50×7×7", ""),
            ("Flatten", "2450", ""),
            ("Linear (2450 -> 500)", "500", "2450×500"),
            ("ReLU", "500", ""),
            ("Linear (500 -> 10)", "10", "500×10"),
        ]
        XCTAssertEqual(summary.rows.count, expected.count)
        for (row, e) in zip(summary.rows, expected) {
            XCTAssertEqual(row.layer, e.0)
            XCTAssertEqual(row.outputSize, e.1, row.layer)
            XCTAssertEqual(row.weightSize, e.2, row.layer)
        }
        XCTAssertEqual(summary.rows.map(\.parameters), [0, 520, 0, 0, 25_050, 0, 0, 0, 1_225_500, 0, 5_010])
        XCTAssertEqual(summary.totalParameters, 1_256_080)
        XCTAssertEqual(summary.rows[1].multiplyAdds, 20 * 28 * 28 * 25)
        XCTAssertEqual(summary.rows[4].multiplyAdds, 50 * 14 * 14 * 500)
        XCTAssertEqual(summary.rows[8].multiplyAdds, 2450 * 500)
        XCTAssertTrue(summary.markdown.contains("| Conv (Cout=50, K=5, P=2, S=1) | 50×14×14 | 50×20×5×5 | 25,050 | 4,900,000 |"), summary.markdown)
    }

    func testConvolutionExampleSummary() throws {
        let model = try Sequential(inputShape: [3, 32, 32], [Conv2D(outChannels: 10, kernelSize: 5, stride: 1, padding: 2)])
        let row = model.summary().rows[1]
        XCTAssertEqual(row.outputSize, "10×32×32")
        XCTAssertEqual(row.weightSize, "10×3×5×5")
        XCTAssertEqual(row.parameters, 760)  // 10 filters × (3·5·5 + 1)
        XCTAssertEqual(row.multiplyAdds, 768_000)  // 10·32·32 outputs × 75
        XCTAssertTrue(model.summary().description.contains("768,000"))
    }
}
