// Scalar computational graphs (lecture 004): each operation records its output and the local
// derivative with respect to each input where it computes the output; `backward` applies the
// chain rule in reverse topological order. `graphvizDot` writes the graph for Graphviz with the
// forward value on every node and the local and upstream gradients on every edge.
import Foundation

/// One node of a scalar computational graph: an input, or an operation on earlier nodes.
public final class GraphNode {
    /// The node's name in pictures ("z₁", "p").
    public let name: String
    /// What the node computes ("w₁·x₁", "σ(v)"); "input" for a leaf.
    public let operation: String
    /// The forward value.
    public let value: Double
    /// d(output)/d(this node) after `backward()` on the output; 0 before.
    public private(set) var gradient = 0.0
    /// The inputs and the local derivative of this node with respect to each.
    public let inputs: [(node: GraphNode, local: Double)]

    public init(_ name: String, value: Double, operation: String = "input", inputs: [(node: GraphNode, local: Double)] = []) {
        self.name = name
        self.value = value
        self.operation = operation
        self.inputs = inputs
    }

    /// The nodes this one depends on, itself last, each after all of its inputs.
    public var topologicalOrder: [GraphNode] {
        var order: [GraphNode] = [], seen = Set<ObjectIdentifier>()
        func visit(_ n: GraphNode) {
            guard seen.insert(ObjectIdentifier(n)).inserted else { return }
            for i in n.inputs { visit(i.node) }
            order.append(n)
        }
        visit(self)
        return order
    }

    /// Sets every node's `gradient` to d(self)/d(node) by the chain rule (upstream × local, summed
    /// over the paths).
    public func backward() {
        let order = topologicalOrder
        for n in order { n.gradient = 0 }
        gradient = 1
        for n in order.reversed() { for i in n.inputs { i.node.gradient += n.gradient * i.local } }
    }
}

/// `value` with up to 4 significant digits, a true minus sign and no trailing zeros.
public func graphNumber(_ value: Double) -> String {
    var text = String(format: "%.4g", value)
    if text.contains("."), !text.contains("e") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    if text == "-0" { text = "0" }
    return text.replacingOccurrences(of: "-", with: "−")
}

/// The graph below `output` in Graphviz's DOT language, laid out left to right: every node shows
/// its name, what it computes, its forward value (green) and its gradient d(output)/d(node) (red);
/// every edge the local derivative of the consumer with respect to the input and the upstream
/// gradient it is multiplied with. Call `backward()` on `output` first.
public func graphvizDot(_ output: GraphNode, title: String) -> String {
    let order = output.topologicalOrder
    var ids: [ObjectIdentifier: String] = [:]
    for (i, n) in order.enumerated() { ids[ObjectIdentifier(n)] = "n\(i)" }
    func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    var lines = ["digraph G {",
                 "  graph [rankdir=LR, fontname=\"DejaVu Sans\", fontsize=16, labelloc=t, label=<\(escaped(title))>, pad=0.3, nodesep=0.35, ranksep=0.9];",
                 "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f7f7f7\", color=\"#555555\", fontname=\"DejaVu Sans\", fontsize=13];",
                 "  edge [color=\"#555555\", fontname=\"DejaVu Sans\", fontsize=11];"]
    for n in order {
        let what = n.operation == "input" ? escaped(n.name) : "\(escaped(n.name)) = \(escaped(n.operation))"
        lines.append("  \(ids[ObjectIdentifier(n)]!) [label=<<b>\(what)</b><br/><font color=\"#00796b\">value \(graphNumber(n.value))</font><br/><font color=\"#c62828\">gradient \(graphNumber(n.gradient))</font>>];")
    }
    for n in order {
        for i in n.inputs {
            let label = "local ∂\(escaped(n.name))/∂\(escaped(i.node.name)) = \(graphNumber(i.local))<br/><font color=\"#c62828\">upstream \(graphNumber(n.gradient))</font>"
            lines.append("  \(ids[ObjectIdentifier(i.node)]!) -> \(ids[ObjectIdentifier(n)]!) [label=<\(label)>];")
        }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
}
