// Each loss: its gradient against finite differences, and values computed by hand.
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class LossTests: XCTestCase {
    func checkLossGradient(_ loss: Loss, output: Matrix, targets: Matrix, file: StaticString = #filePath, line: UInt = #line) {
        let (_, gradient) = loss.evaluate(output: output, targets: targets)
        var numeric = [Float]()
        let h: Float = 1e-3
        for i in 0..<output.count {
            var p = output, m = output
            p.data[i] += h
            m.data[i] -= h
            numeric.append(Float((loss.evaluate(output: p, targets: targets).loss - loss.evaluate(output: m, targets: targets).loss) / Double(2 * h)))
        }
        assertClose(gradient.data, numeric, absolute: 1e-3, relative: 1e-2, "\(loss.name) gradient", file: file, line: line)
    }

    func testSoftmaxCrossEntropyGradientIsPMinusY() {
        let loss = SoftmaxCrossEntropy()
        let logits = Matrix([[1, 2, 0.5], [-1, 0, 3]])
        let targets = loss.targets(labels: [1, 2], width: 3)
        checkLossGradient(loss, output: logits, targets: targets)
        var p = logits
        p.softmaxRows()
        let (value, gradient) = loss.evaluate(output: logits, targets: targets)
        assertClose(gradient.data, (p - targets).data.map { $0 / 2 }, absolute: 1e-6, relative: 1e-5, "(p − y)/N")
        XCTAssertEqual(value, -(log(Double(p[0, 1])) + log(Double(p[1, 2]))) / 2, accuracy: 1e-6)
        // Hand-computed: logits (0, ln 3) give p = (1/4, 3/4); the loss of class 1 is ln(4/3).
        let two = loss.evaluate(output: Matrix([[0, Float(log(3.0))]]), targets: Matrix([[0, 1]]))
        XCTAssertEqual(two.loss, log(4.0 / 3.0), accuracy: 1e-6)
        assertClose(two.gradient.data, [0.25, -0.25], absolute: 1e-6, relative: 0, "p − y")
    }

    func testBinaryCrossEntropy() {
        let loss = BinaryCrossEntropy()
        let p = Matrix([[0.2], [0.7], [0.9]])
        let t = loss.targets(labels: [0, 1, 1], width: 1)
        checkLossGradient(loss, output: p, targets: t)
        let expected = -(log(0.8) + log(0.7) + log(0.9)) / 3
        XCTAssertEqual(loss.evaluate(output: p, targets: t).loss, expected, accuracy: 1e-6)
        checkLossGradient(loss, output: Matrix([[0.3, 0.6], [0.5, 0.1]]), targets: loss.targets(labels: [1, 0], width: 2))
    }

    func testMeanSquaredError() {
        let loss = MeanSquaredError()
        let o = Matrix([[0.5, -1], [2, 0]])
        let t = Matrix([[1, 0], [0, 1]])
        checkLossGradient(loss, output: o, targets: t)
        // ((0.25 + 1) + (4 + 1)) / 2 = 3.125
        XCTAssertEqual(loss.evaluate(output: o, targets: t).loss, 3.125, accuracy: 1e-6)
    }

    func testHinge() {
        let loss = Hinge()
        let o = Matrix([[0.3, -2, 1.7], [0.2, 0.1, -0.4]])
        let t = loss.targets(labels: [2, 0], width: 3)
        checkLossGradient(loss, output: o, targets: t)
        // Row 0: max(0, 1 + 0.3) + 0 + 0 = 1.3; row 1: (1 − 0.2) + (1 + 0.1) + (1 − 0.4) = 2.5 → mean 1.9
        XCTAssertEqual(loss.evaluate(output: o, targets: t).loss, 1.9, accuracy: 1e-6)
    }
}
