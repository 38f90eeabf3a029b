// The scalar computational graph behind the `graphs` pictures: the chain rule over shared nodes,
// the numbers it prints, and the DOT text Graphviz lays out.
import Foundation
import NeuralNetworks
import XCTest

final class ComputationalGraphTests: XCTestCase {
    func testChainRuleSumsOverPathsAndDotShowsEveryNumber() {
        // f = (a·b) + a with a = 3, b = −2: df/da = b + 1 = −1, df/db = a = 3 (a is used twice).
        let a = GraphNode("a", value: 3), b = GraphNode("b", value: -2)
        let m = GraphNode("m", value: -6, operation: "a·b", inputs: [(a, -2), (b, 3)])
        let f = GraphNode("f", value: -3, operation: "m + a", inputs: [(m, 1), (a, 1)])
        f.backward()
        XCTAssertEqual(a.gradient, -1)
        XCTAssertEqual(b.gradient, 3)
        XCTAssertEqual(m.gradient, 1)
        XCTAssertEqual(f.topologicalOrder.last === f, true)
        XCTAssertEqual(f.topologicalOrder.count, 4)
        // backward twice gives the same gradients (they are reset, not accumulated).
        f.backward()
        XCTAssertEqual(a.gradient, -1)
        let dot = graphvizDot(f, title: "f = ab + a")
        XCTAssertTrue(dot.hasPrefix("digraph G {") && dot.hasSuffix("}\n"), dot)
        XCTAssertEqual(dot.components(separatedBy: " -> ").count - 1, 4, "one edge per input")
        XCTAssertTrue(dot.contains("local ∂m/∂a = −2"), dot)
        XCTAssertTrue(dot.contains("gradient −1"), dot)
        XCTAssertTrue(dot.contains("<b>m = a·b</b>"), dot)
    }

    func testNumbersAreShortWithTrueMinus() {
        XCTAssertEqual(graphNumber(-1.4623), "−1.462")
        XCTAssertEqual(graphNumber(2), "2")
        XCTAssertEqual(graphNumber(0.19661193), "0.1966")
        XCTAssertEqual(graphNumber(-0.0), "0")
        XCTAssertEqual(graphNumber(1e-7), "1e−07")
    }
}
