// Result tables: one row per run, written as CSV (machine-readable) and as a Markdown rendering of
// the same rows, both atomically. Deterministic columns come first; timing columns, which differ
// between reruns, are marked so readers and diff tools can tell them apart.
import Foundation
import Tensors

/// A cell of a result table.
public enum Cell: Sendable, Equatable {
    case text(String)
    case int(Int)
    /// A fraction in [0, 1] (accuracy), written with 4 decimals.
    case fraction(Double)
    /// Seconds, written with 3 decimals (a timing column: varies between runs).
    case seconds(Double)
    /// Any other real number, written with `digits` decimals.
    case real(Double, digits: Int)

    public var csv: String {
        switch self {
        case let .text(s): return s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        case let .int(v): return String(v)
        case let .fraction(v): return String(format: "%.4f", v)
        case let .seconds(v): return String(format: "%.3f", v)
        case let .real(v, digits): return String(format: "%.\(digits)f", v)
        }
    }

    var markdown: String {
        if case let .text(s) = self { return s.replacingOccurrences(of: "|", with: "\\|") }
        return csv
    }
}

/// A table with a fixed header, filled row by row.
public struct Table: Sendable {
    public let columns: [String]
    public private(set) var rows: [[Cell]] = []
    public init(columns: [String]) { self.columns = columns }

    public mutating func append(_ row: [Cell]) {
        precondition(row.count == columns.count, "Table row has \(row.count) cells for \(columns.count) columns")
        rows.append(row)
    }

    public var csv: String {
        ([columns.joined(separator: ",")] + rows.map { $0.map(\.csv).joined(separator: ",") }).joined(separator: "\n") + "\n"
    }

    public var markdown: String {
        var lines = ["| " + columns.joined(separator: " | ") + " |", "|" + columns.map { _ in "---" }.joined(separator: "|") + "|"]
        lines += rows.map { "| " + $0.map(\.markdown).joined(separator: " | ") + " |" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `<folder>/<stem>.csv` and `<folder>/<stem>.md` atomically.
    public func write(to folder: String, stem: String) throws {
        try writeFileAtomically(csv, to: folder + "/" + stem + ".csv")
        try writeFileAtomically(markdown, to: folder + "/" + stem + ".md")
    }
}
