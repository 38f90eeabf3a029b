// Hyperparameters as data: each has a command-line name, a type with its valid range, and one line
// of help. The model catalogue gives every model its list and defaults; command-line options,
// validation, `cvd models`, the settings columns of the tables and the saved model cards read them.
import Foundation

/// One value of a setting.
public enum SettingValue: Equatable, Sendable, Codable, CustomStringConvertible {
    case int(Int)
    case real(Double)
    case word(String)
    case ints([Int])

    public var description: String {
        switch self {
        case let .int(v): return String(v)
        case let .real(v): return formatReal(v)
        case let .word(v): return v
        case let .ints(v): return v.map(String.init).joined(separator: ",")
        }
    }
}

/// A number in its shortest exact-looking form: 0.001, 1e-05, 100000.
func formatReal(_ v: Double) -> String {
    if v == v.rounded(), abs(v) < 1e15 { return String(Int(v)) }
    return String(format: "%g", v)
}

/// A setting that is missing, of the wrong type or out of range, named as on the command line.
public struct SettingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One hyperparameter: its command-line name (`--name`), type and range, and help.
public struct Hyperparameter: Sendable {
    public enum Kind: Sendable {
        /// A whole number in the range.
        case int(ClosedRange<Int>)
        /// A real number above `min` (or equal when `minIncluded`) and at most `max`.
        case real(min: Double, minIncluded: Bool, max: Double)
        /// One of the words.
        case choice([String])
        /// A comma-separated list of `count` whole numbers, each in `each`.
        case ints(count: ClosedRange<Int>, each: ClosedRange<Int>)
    }

    public let name: String
    public let kind: Kind
    public let help: String

    public init(_ name: String, _ kind: Kind, _ help: String) {
        self.name = name
        self.kind = kind
        self.help = help
    }

    /// The valid values in words, e.g. "a whole number in 1...4096" or "one of sgd, momentum, adam".
    public var rangeText: String {
        switch kind {
        case let .int(r): return r.upperBound == Int.max ? "a whole number ≥ \(r.lowerBound)" : "a whole number in \(r.lowerBound)...\(r.upperBound)"
        case let .real(lo, inc, hi):
            let low = "\(inc ? "≥" : ">") \(formatReal(lo))"
            return hi.isInfinite ? "a number \(low)" : "a number \(low) and ≤ \(formatReal(hi))"
        case let .choice(words): return "one of " + words.joined(separator: ", ")
        case let .ints(count, each):
            let n = count.lowerBound == count.upperBound ? "\(count.lowerBound)" : "\(count.lowerBound) to \(count.upperBound)"
            return "\(n) comma-separated whole numbers in \(each.lowerBound)...\(each.upperBound)"
        }
    }

    /// Parses `text` as this setting, or throws a sentence naming `--name` and the valid range.
    public func parse(_ text: String) throws -> SettingValue {
        let value: SettingValue
        switch kind {
        case .int:
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else { throw bad(text) }
            value = .int(v)
        case .real:
            guard let v = Double(text.trimmingCharacters(in: .whitespaces)), v.isFinite else { throw bad(text) }
            value = .real(v)
        case .choice:
            value = .word(text.lowercased())
        case .ints:
            let pieces = text.split(separator: ",", omittingEmptySubsequences: false)
            let parts = pieces.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.count == pieces.count else { throw bad(text) }
            value = .ints(parts)
        }
        try check(value)
        return value
    }

    /// Throws unless `value` has this setting's type and lies in its range.
    public func check(_ value: SettingValue) throws {
        switch (kind, value) {
        case let (.int(r), .int(v)) where r.contains(v): return
        case let (.real(lo, inc, hi), .real(v)) where v.isFinite && (inc ? v >= lo : v > lo) && v <= hi: return
        case let (.real(lo, inc, hi), .int(v)) where (inc ? Double(v) >= lo : Double(v) > lo) && Double(v) <= hi: return
        case let (.choice(words), .word(v)) where words.contains(v): return
        case let (.ints(count, each), .ints(v)) where count.contains(v.count) && v.allSatisfy(each.contains): return
        default: throw bad(value.description)
        }
    }

    private func bad(_ text: String) -> SettingError {
        SettingError("--\(name) must be \(rangeText), got \"\(text)\"")
    }
}

/// The values of one model's settings, by name: the entry's defaults with what the user set on top.
public struct ModelSettings: Equatable, Sendable, Codable {
    public private(set) var values: [String: SettingValue]

    public init(_ values: [String: SettingValue]) { self.values = values }

    public subscript(name: String) -> SettingValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public func int(_ name: String) -> Int {
        if case let .int(v)? = values[name] { return v }
        preconditionFailure("setting \(name) is not a whole number (the catalogue entry is inconsistent)")
    }

    public func real(_ name: String) -> Double {
        switch values[name] {
        case let .real(v)?: return v
        case let .int(v)?: return Double(v)
        default: preconditionFailure("setting \(name) is not a number (the catalogue entry is inconsistent)")
        }
    }

    public func word(_ name: String) -> String {
        if case let .word(v)? = values[name] { return v }
        preconditionFailure("setting \(name) is not a word (the catalogue entry is inconsistent)")
    }

    public func ints(_ name: String) -> [Int] {
        if case let .ints(v)? = values[name] { return v }
        preconditionFailure("setting \(name) is not a list (the catalogue entry is inconsistent)")
    }

    /// "name=value" pairs in the order of `names`, for tables and logs.
    public func text(_ names: [String]) -> String {
        names.compactMap { n in values[n].map { "\(n)=\($0)" } }.joined(separator: " ")
    }
}
