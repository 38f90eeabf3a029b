// The model summary: for every layer its output size, weight size, parameters and multiply-adds,
// the table the lectures draw for LeNet-5 and for the convolution example.

/// One row of a model summary.
public struct SummaryRow: Equatable, Sendable {
    /// e.g. "Conv (Cout=20, K=5, P=2, S=1)", "ReLU", "Linear (2450 -> 500)"; "Input" for the first row.
    public let layer: String
    /// Per-sample output size, e.g. "20×28×28" or "2450".
    public let outputSize: String
    /// Weight size, e.g. "20×1×5×5" (linear layers as in×out, as in the lectures); "" when none.
    public let weightSize: String
    /// Learnable values (weights and biases).
    public let parameters: Int
    /// Multiply-adds of one sample's forward pass.
    public let multiplyAdds: Int
}

/// A table of a model's layers.
public struct ModelSummary: Equatable, Sendable, CustomStringConvertible {
    public let rows: [SummaryRow]

    public var totalParameters: Int { rows.reduce(0) { $0 + $1.parameters } }
    public var totalMultiplyAdds: Int { rows.reduce(0) { $0 + $1.multiplyAdds } }

    /// A Markdown table (Layer | Output Size | Weight Size | Parameters | Multiply-adds) with a total row.
    public var markdown: String {
        var lines = ["| Layer | Output Size | Weight Size | Parameters | Multiply-adds |", "|---|---|---|---:|---:|"]
        for r in rows {
            lines.append("| \(r.layer) | \(r.outputSize) | \(r.weightSize) | \(r.parameters == 0 ? "" : grouped(r.parameters)) | \(r.multiplyAdds == 0 ? "" : grouped(r.multiplyAdds)) |")
        }
        lines.append("| Total | | | \(grouped(totalParameters)) | \(grouped(totalMultiplyAdds)) |")
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV with header `layer,output_size,weight_size,parameters,multiply_adds`.
    public var csv: String {
        func quoted(_ s: String) -> String { s.contains(",") ? "\"\(s)\"" : s }
        return "layer,output_size,weight_size,parameters,multiply_adds\n"
            + rows.map { "\(quoted($0.layer)),\($0.outputSize),\($0.weightSize),\($0.parameters),\($0.multiplyAdds)" }.joined(separator: "\n") + "\n"
    }

    /// A plain-text table with aligned columns.
    public var description: String {
        let header = ["Layer", "Output Size", "Weight Size", "Parameters", "Multiply-adds"]
        var table = rows.map { [$0.layer, $0.outputSize, $0.weightSize, $0.parameters == 0 ? "" : grouped($0.parameters), $0.multiplyAdds == 0 ? "" : grouped($0.multiplyAdds)] }
        table.append(["Total", "", "", grouped(totalParameters), grouped(totalMultiplyAdds)])
        let all = [header] + table
        let widths = (0..<5).map { c in all.map { $0[c].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c >= 3 ? pad + cell : cell + pad
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}

/// 768000 → "768,000".
func grouped(_ n: Int) -> String {
    let digits = Array(String(n))
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return out
}

extension Sequential {
    /// The summary table: an "Input" row, then one row per layer.
    public func summary() -> ModelSummary {
        var rows = [SummaryRow(layer: "Input", outputSize: shapeText(inputShape), weightSize: "", parameters: 0, multiplyAdds: 0)]
        for layer in layers {
            rows.append(SummaryRow(layer: layer.label, outputSize: shapeText(layer.outputShape), weightSize: layer.weightShapeText ?? "",
                                   parameters: layer.parameterCount, multiplyAdds: layer.multiplyAdds))
        }
        return ModelSummary(rows: rows)
    }
}
