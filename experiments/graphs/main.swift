// graphs: the lectures' worked examples of backpropagation (lecture 004) drawn as computational
// graphs, laid out by Graphviz: the logistic neuron whose gradient the slides multiply out as
// −3.7 × 0.2 × 1 × 1 × 2 ≈ −1.48, and J = cos(sin x² + 3x²). Every node shows its forward value
// and its gradient, every edge the local and the upstream gradient. The neuron's numbers come from
// the suite's own Dense, Sigmoid and binary cross-entropy (forward and backward), and the graph's
// chain rule is checked against them.
import ArgumentParser
import Experiments
import Foundation
import NeuralNetworks
import Tensors

/// The slide's neuron: x = (2, −1), w = (−1, −1), no bias, label y = 1 (v = −1, p = σ(−1) ≈ 0.27).
let neuronInputs: [Float] = [2, -1], neuronWeights: [Float] = [-1, -1]
/// Where J = cos(sin x² + 3x²) is evaluated.
let exampleX = 0.9

struct GraphsExperiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graphs",
        abstract: "The lectures' backpropagation examples as computational graphs (forward values, local and upstream gradients), laid out by Graphviz.",
        discussion: "Writes logistic-neuron-graph and backprop-example-graph as .dot, .svg and .png (Graphviz's dot, Debian's graphviz), and gradients.csv/.md: every node's value and gradient. The logistic neuron (x = (2, −1), w = (−1, −1), y = 1) runs through the suite's Dense, Sigmoid and binary cross-entropy; the graph's ∂L/∂w is checked against the layer's own gradient. J = cos(sin x² + 3x²) at x = \(exampleX). Seeds and --quick change nothing: the examples are exact.")

    @OptionGroup var options: ExperimentOptions

    func run() throws {
        runExperiment("graphs") {
            let output = try OutputFolder(options.outputFolder(default: "graphs"))
            try output.recordCommand()
            let out = output.staging
            let progress = Progress(experiment: "graphs", steps: 2)
            var table = Table(columns: ["graph", "node", "computes", "value", "gradient"])

            // 1. The logistic neuron through the library's layers and loss.
            let dense = Dense(outputs: 1, initialization: .xavier)
            let model = try Sequential(inputShape: [2], [dense, Sigmoid()])
            dense.weight.values = neuronWeights
            dense.bias.values = [0]
            let target: [Float] = [1]
            var dLdp: Float = 0
            let p = neuronInputs.withUnsafeBufferPointer { model.forward($0.baseAddress!, batch: 1, training: true)[0] }
            let loss = withUnsafeMutablePointer(to: &dLdp) { g in
                target.withUnsafeBufferPointer { t in
                    withUnsafePointer(to: p) { BinaryCrossEntropy().evaluate(output: $0, targets: t.baseAddress!, batch: 1, width: 1, gradient: g) }
                }
            }
            withUnsafePointer(to: dLdp) { _ = model.backward($0) }
            let (x1, x2) = (Double(neuronInputs[0]), Double(neuronInputs[1]))
            let (w1, w2, y) = (Double(neuronWeights[0]), Double(neuronWeights[1]), 1.0)
            let xn1 = GraphNode("x₁", value: x1), wn1 = GraphNode("w₁", value: w1)
            let xn2 = GraphNode("x₂", value: x2), wn2 = GraphNode("w₂", value: w2)
            let z1 = GraphNode("z₁", value: w1 * x1, operation: "w₁·x₁", inputs: [(wn1, x1), (xn1, w1)])
            let z2 = GraphNode("z₂", value: w2 * x2, operation: "w₂·x₂", inputs: [(wn2, x2), (xn2, w2)])
            let q = GraphNode("q", value: z1.value + z2.value, operation: "z₁ + z₂", inputs: [(z1, 1), (z2, 1)])
            let v = GraphNode("v", value: y * q.value, operation: "y·q (y = 1)", inputs: [(q, y)])
            let pv = Double(p)
            let pn = GraphNode("p", value: pv, operation: "σ(v)", inputs: [(v, pv * (1 - pv))])
            let l = GraphNode("L", value: loss, operation: "−log p", inputs: [(pn, Double(dLdp))])
            l.backward()
            // The graph's chain rule and the layers' backward pass must agree.
            for (node, layer) in [(wn1, dense.weight.gradients[0]), (wn2, dense.weight.gradients[1])] where abs(node.gradient - Double(layer)) > 1e-4 {
                throw SettingError("the graph's ∂L/∂\(node.name) = \(node.gradient) disagrees with the Dense layer's \(layer)")
            }
            let slide = "∂L/∂w₁ = \(graphNumber(Double(dLdp))) × \(graphNumber(pv * (1 - pv))) × 1 × 1 × 2 = \(graphNumber(wn1.gradient)) (the slide rounds the factors: −3.7 × 0.2 × 1 × 1 × 2 = −1.48)"
            try writeGraph(l, title: "Logistic neuron, L = −log σ(y(w₁x₁ + w₂x₂)): \(slide)", stem: "logistic-neuron-graph", to: out)
            for n in l.topologicalOrder { table.append([.text("logistic-neuron"), .text(n.name), .text(n.operation), .text(graphNumber(n.value)), .text(graphNumber(n.gradient))]) }
            progress.step("logistic neuron: " + slide)

            // 2. J = cos(sin x² + 3x²).
            let x = GraphNode("x", value: exampleX)
            let t = GraphNode("t", value: exampleX * exampleX, operation: "x²", inputs: [(x, 2 * exampleX)])
            let u1 = GraphNode("u₁", value: sin(t.value), operation: "sin t", inputs: [(t, cos(t.value))])
            let u2 = GraphNode("u₂", value: 3 * t.value, operation: "3t", inputs: [(t, 3)])
            let u = GraphNode("u", value: u1.value + u2.value, operation: "u₁ + u₂", inputs: [(u1, 1), (u2, 1)])
            let j = GraphNode("J", value: cos(u.value), operation: "cos u", inputs: [(u, -sin(u.value))])
            j.backward()
            let closedForm = -sin(u.value) * (cos(t.value) + 3) * 2 * exampleX
            guard abs(x.gradient - closedForm) < 1e-9 else { throw SettingError("dJ/dx = \(x.gradient) disagrees with the closed form \(closedForm)") }
            let summary = "dJ/dx = −sin(u)(cos t + 3)·2x = \(graphNumber(x.gradient)) at x = \(graphNumber(exampleX))"
            try writeGraph(j, title: "J = cos(sin x² + 3x²): \(summary)", stem: "backprop-example-graph", to: out)
            for n in j.topologicalOrder { table.append([.text("backprop-example"), .text(n.name), .text(n.operation), .text(graphNumber(n.value)), .text(graphNumber(n.gradient))]) }
            progress.step(summary)

            try table.write(to: out, stem: "gradients")
            try output.commit()
            progress.note("wrote \(output.path)/logistic-neuron-graph.png, backprop-example-graph.png (and .svg, .dot) and gradients.csv")
        }
    }

    /// `<stem>.dot`, laid out by Graphviz's dot as `<stem>.svg` and `<stem>.png`.
    func writeGraph(_ output: GraphNode, title: String, stem: String, to folder: String) throws {
        let dotPath = folder + "/" + stem + ".dot"
        try writeFileAtomically(graphvizDot(output, title: title), to: dotPath)
        for format in ["svg", "png"] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["dot", "-T" + format, "-Gdpi=96", dotPath, "-o", folder + "/" + stem + "." + format]
            let errors = Pipe()
            process.standardError = errors
            do { try process.run() } catch {
                throw SettingError("cannot run Graphviz's dot (\(error.localizedDescription)); install it with: apt-get install graphviz")
            }
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                if process.terminationStatus == 127 { throw SettingError("Graphviz's dot is not installed; install it with: apt-get install graphviz") }
                throw SettingError("Graphviz's dot failed on \(dotPath) (exit \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }
    }
}

GraphsExperiment.mainReportingOneSentence()
