// Tables over several seeds. An experiment run with `--seeds` writes one row per (model, seed) in
// <stem>-seeds.csv (the key columns, then `seed`, then the metrics) and which test images each
// model got right in correct-seeds.csv; from these two the summary table (mean, standard
// deviation, 95% confidence interval and n of every metric) and the significance table (McNemar's
// exact test per seed, the paired t-test across seeds, Holm's correction) are built. `cvd sweep
// merge` builds the same tables from the same files of many task folders: both paths read the
// numbers as they were written, so a merge gives the bytes of a single run.
import Foundation
import Tensors

/// Parses a `--seeds` value: whole numbers and ranges separated by commas ("0-4", "0,1,2",
/// "0-2,10"), at most 1,000 seeds, none twice. Returns them in the order given.
public func parseSeeds(_ text: String) throws -> [UInt64] {
    var seeds: [UInt64] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        let word = item.trimmingCharacters(in: .whitespaces)
        let bounds = word.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(bounds.count), let low = UInt64(bounds[0]), let high = UInt64(bounds.last!), low <= high else {
            throw SettingError("--seeds must be whole numbers ≥ 0 or ranges such as 0-4, separated by commas, got \"\(text)\"")
        }
        guard high - low < 1000, seeds.count + Int(high - low + 1) <= 1000 else {
            throw SettingError("--seeds names more than 1000 seeds (\"\(text)\"); split the work into a sweep (`cvd sweep plan`)")
        }
        for s in low...high {
            guard !seeds.contains(s) else { throw SettingError("--seeds names seed \(s) twice (\"\(text)\")") }
            seeds.append(s)
        }
    }
    return seeds
}

/// Which test images a classifier got right, as hexadecimal text (four images per digit, the first
/// image in the digit's highest bit), and back.
public enum CorrectBits {
    public static func encode(_ correct: [Bool]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((correct.count + 3) / 4)
        var i = 0
        while i < correct.count {
            var v = 0
            for j in 0..<4 { v = v << 1 | (i + j < correct.count && correct[i + j] ? 1 : 0) }
            out.append(digits[v])
            i += 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String, count: Int) -> [Bool]? {
        let chars = Array(text.utf8)
        guard chars.count == (count + 3) / 4 else { return nil }
        var out: [Bool] = []
        out.reserveCapacity(count)
        for c in chars {
            let v: Int
            switch c {
            case 48...57: v = Int(c) - 48
            case 97...102: v = Int(c) - 87
            default: return nil
            }
            for j in 0..<4 where out.count < count { out.append(v >> (3 - j) & 1 == 1) }
        }
        return out
    }
}

/// A fingerprint of a test set (its labels and features), so that a paired test only pairs models
/// scored on the same images.
public func testSetFingerprint(labels: [Int], features: [Float]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ v: UInt64) { h = (h ^ v) &* 0x100_0000_01b3 }
    for l in labels { mix(UInt64(bitPattern: Int64(l))) }
    for f in features { mix(UInt64(f.bitPattern)) }
    return String(h, radix: 16)
}

/// A table read back from CSV (every cell as text): the inverse of `Table.csv`.
public func parseCSVTable(_ text: String, path: String) throws -> Table {
    var records: [[String]] = []
    var field = "", record: [String] = [], quoted = false, afterQuote = false
    var chars = text.makeIterator()
    while let ch = chars.next() {
        if quoted {
            if ch == "\"" { quoted = false; afterQuote = true } else { field.append(ch) }
            continue
        }
        switch ch {
        case "\"":
            if afterQuote { field.append("\"") }   // "" inside a quoted field
            quoted = true
            afterQuote = false
        case ",":
            record.append(field); field = ""; afterQuote = false
        case "\n":
            record.append(field); records.append(record); field = ""; record = []; afterQuote = false
        case "\r": continue
        default:
            field.append(ch); afterQuote = false
        }
    }
    if quoted { throw SettingError("\(path) ends inside a quoted field; the file is damaged") }
    if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
    guard let header = records.first, !header.isEmpty else { throw SettingError("\(path) is empty; it should start with a header line") }
    var table = Table(columns: header)
    for (i, r) in records.dropFirst().enumerated() {
        guard r.count == header.count else {
            throw SettingError("\(path) line \(i + 2) has \(r.count) fields for the \(header.count) columns of its header; the file is damaged")
        }
        table.append(r.map { .text($0) })
    }
    return table
}

/// Reads a CSV table written by the suite.
public func readCSVTable(_ path: String) throws -> Table {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw SettingError("\(path) cannot be read (missing or not a file)")
    }
    guard let text = String(data: data, encoding: .utf8) else { throw SettingError("\(path) is not UTF-8 text; the file is damaged") }
    return try parseCSVTable(text, path: path)
}

/// The per-seed rows of one experiment and the test images each model got right.
public struct SeedRuns: Sendable {
    /// Key columns, then "seed", then metrics (accuracies, counts, seconds).
    public var results: Table
    /// Key columns, "seed", "test_count", "test_fingerprint", "correct" (see `CorrectBits`); nil when
    /// the experiment has no per-image predictions.
    public var correct: Table?
    /// How many leading key columns name a group (a toy problem); pairs are compared within a group.
    public var groupColumns: Int

    public init(results: Table, correct: Table?, groupColumns: Int = 0) {
        self.results = results
        self.correct = correct
        self.groupColumns = groupColumns
    }

    var seedColumn: Int { results.columns.firstIndex(of: "seed") ?? results.columns.count }
    public var keyColumns: [String] { Array(results.columns[..<seedColumn]) }
    public var metricColumns: [String] { Array(results.columns[(seedColumn + 1)...]) }

    /// The distinct keys, in the order they first appear.
    public var keys: [[String]] {
        var seen = Set<[String]>(), out: [[String]] = []
        for r in results.rows {
            let k = r[..<seedColumn].map(\.csv)
            if seen.insert(k).inserted { out.append(k) }
        }
        return out
    }

    /// Checks the columns and that no (key, seed) appears twice.
    public func validate(source: String) throws {
        guard results.columns.contains("seed") else { throw SettingError("\(source) has no seed column; it is not a per-seed table") }
        var seen = Set<[String]>()
        for r in results.rows {
            let k = r[...seedColumn].map(\.csv)
            guard seen.insert(k).inserted else {
                throw SettingError("\(source) has two rows for \(k.dropLast().joined(separator: " ")) with seed \(k.last ?? "?"); the same run was merged twice")
            }
            for m in (seedColumn + 1)..<r.count where Double(r[m].csv) == nil {
                throw SettingError("\(source): \(results.columns[m]) of \(k.joined(separator: " ")) is \"\(r[m].csv)\", not a number")
            }
        }
        if let c = correct {
            let need = keyColumns + ["seed", "test_count", "test_fingerprint", "correct"]
            guard c.columns == need else {
                throw SettingError("\(source): the correct-answers table has the columns \(c.columns.joined(separator: ",")), not \(need.joined(separator: ","))")
            }
        }
    }

    /// One row per key: n, then for each metric its mean (named as the metric), `_std`, `_ci95_low` and
    /// `_ci95_high` (empty with one seed; an accuracy's interval is clipped to [0, 1], that of a
    /// time or a count, never negative, to [0, ∞)). Numbers keep the
    /// decimals of the per-seed table.
    public func summary() -> (csv: Table, markdown: Table) {
        let s = seedColumn
        var csvColumns = keyColumns + ["n"]
        for m in metricColumns { csvColumns += [m, m + "_std", m + "_ci95_low", m + "_ci95_high"] }
        var csv = Table(columns: csvColumns)
        var md = Table(columns: keyColumns + ["n"] + metricColumns.map { $0 + " (mean ± sd [95% CI])" })
        for key in keys {
            let rows = results.rows.filter { $0[..<s].map(\.csv) == key }
            var csvRow = key.map { Cell.text($0) } + [.int(rows.count)]
            var mdRow = key.map { Cell.text($0) } + [.int(rows.count)]
            for m in (s + 1)..<results.columns.count {
                let texts = rows.map { $0[m].csv }
                let decimals = texts.map { t in t.firstIndex(of: ".").map { t.distance(from: $0, to: t.endIndex) - 1 } ?? 0 }.max() ?? 0
                let values = texts.compactMap(Double.init)
                var summary = Summary(values)
                // An accuracy's interval stays within [0, 1] (the t-interval of a few seeds can cross 1).
                if results.columns[m].contains("accuracy"), values.allSatisfy({ (0...1).contains($0) }), let ci = summary.ci95 {
                    summary.ci95 = max(0, ci.lowerBound)...min(1, ci.upperBound)
                }
                // A time or a count is never negative: its interval starts at 0 at the lowest.
                if !results.columns[m].contains("accuracy"), values.allSatisfy({ $0 >= 0 }), let ci = summary.ci95, ci.lowerBound < 0 {
                    summary.ci95 = 0...max(0, ci.upperBound)
                }
                func f(_ v: Double) -> String { String(format: "%.\(decimals)f", v) }
                csvRow += [.text(f(summary.mean)), .text(summary.std.map(f) ?? ""),
                           .text(summary.ci95.map { f($0.lowerBound) } ?? ""), .text(summary.ci95.map { f($0.upperBound) } ?? "")]
                var text = f(summary.mean)
                if let sd = summary.std, let ci = summary.ci95 { text += " ± \(f(sd)) [\(f(ci.lowerBound)), \(f(ci.upperBound))]" }
                mdRow.append(.text(text))
            }
            csv.append(csvRow)
            md.append(mdRow)
        }
        return (csv, md)
    }

    /// Every pair of models of a group scored on the same test images: mean accuracies, McNemar's exact
    /// test in each seed (Holm-corrected over the group's pairs within the seed), the paired t-test of
    /// the accuracies across seeds (Holm-corrected over the group's pairs), and the verdict at the
    /// 0.05 level: with two or more seeds the paired test across seeds decides, with one seed McNemar's.
    /// Nil without per-image results. `headline` is the pair of the best classical and the best deep
    /// model of each group (by mean accuracy) when a "family" key column says which is which.
    public func significance(alpha: Double = 0.05) throws -> (table: Table, headline: [String])? {
        guard let correct else { return nil }
        let keyCount = keyColumns.count
        struct Run { var count: Int; var fingerprint: String; var bits: [Bool] }
        var runs: [[String]: [UInt64: Run]] = [:]
        for r in correct.rows {
            let key = r[..<keyCount].map(\.csv)
            guard let seed = UInt64(r[keyCount].csv), let count = Int(r[keyCount + 1].csv),
                  let bits = CorrectBits.decode(r[keyCount + 3].csv, count: count) else {
                throw SettingError("the correct-answers row of \(key.joined(separator: " ")) is damaged (seed \(r[keyCount].csv))")
            }
            guard runs[key, default: [:]][seed] == nil else {
                throw SettingError("two correct-answers rows for \(key.joined(separator: " ")) with seed \(seed); the same run was merged twice")
            }
            runs[key, default: [:]][seed] = Run(count: count, fingerprint: r[keyCount + 2].csv, bits: bits)
        }
        let familyColumn = keyColumns.firstIndex(of: "family")
        let groupWidth = groupColumns
        let columns = Array(keyColumns[..<groupWidth]) + ["model_a", "model_b", "seeds", "accuracy_a", "accuracy_b", "difference",
                                                          "mcnemar_p_holm", "mcnemar_significant", "paired_t", "paired_p",
                                                          "paired_p_holm", "test", "p_holm", "verdict"]
        var table = Table(columns: columns)
        var headline: [String] = []
        // The identity of a model within its group: the key columns after the group's (the family column left out).
        func name(_ key: [String]) -> String {
            key.enumerated().filter { $0.offset >= groupWidth && $0.offset != familyColumn }.map(\.element).joined(separator: " ")
        }
        let allKeys = keys.filter { runs[$0] != nil }
        var groups: [[String]] = []
        for k in allKeys where !groups.contains(Array(k[..<groupWidth])) { groups.append(Array(k[..<groupWidth])) }
        for group in groups {
            let members = allKeys.filter { Array($0[..<groupWidth]) == group }
            struct Pair { var a: [String]; var b: [String]; var seeds: [UInt64]; var accA: [Double]; var accB: [Double]; var mcnemar: [Double] }
            var pairs: [Pair] = []
            for i in 0..<members.count {
                for j in (i + 1)..<max(i + 1, members.count) {
                    let ra = runs[members[i]]!, rb = runs[members[j]]!
                    let seeds = ra.keys.filter { s in rb[s].map { $0.fingerprint == ra[s]!.fingerprint && $0.count == ra[s]!.count } ?? false }.sorted()
                    guard !seeds.isEmpty else { continue }
                    var p = Pair(a: members[i], b: members[j], seeds: seeds, accA: [], accB: [], mcnemar: [])
                    for s in seeds {
                        let x = ra[s]!, y = rb[s]!
                        var b = 0, c = 0, ca = 0, cb = 0
                        for t in 0..<x.count {
                            if x.bits[t] { ca += 1 }
                            if y.bits[t] { cb += 1 }
                            if x.bits[t] && !y.bits[t] { b += 1 } else if !x.bits[t] && y.bits[t] { c += 1 }
                        }
                        p.accA.append(Double(ca) / Double(x.count))
                        p.accB.append(Double(cb) / Double(x.count))
                        p.mcnemar.append(Statistics.mcnemarExactP(b: b, c: c))
                    }
                    pairs.append(p)
                }
            }
            // McNemar: Holm over the pairs within each seed.
            var mcnemarHolm = pairs.map { [Double](repeating: 1, count: $0.seeds.count) }
            let seedSet = Set(pairs.flatMap(\.seeds)).sorted()
            for s in seedSet {
                let at = pairs.indices.compactMap { i in pairs[i].seeds.firstIndex(of: s).map { (i, $0) } }
                let adjusted = Statistics.holm(at.map { pairs[$0.0].mcnemar[$0.1] })
                for (k, (i, j)) in at.enumerated() { mcnemarHolm[i][j] = adjusted[k] }
            }
            // The paired test across seeds: Holm over the pairs that have one.
            let paired = pairs.map { Statistics.pairedTTest($0.accA, $0.accB) }
            let withTest = paired.indices.filter { paired[$0] != nil }
            var pairedHolm = [Double?](repeating: nil, count: pairs.count)
            for (k, v) in Statistics.holm(withTest.map { paired[$0]!.p }).enumerated() { pairedHolm[withTest[k]] = v }

            for (i, p) in pairs.enumerated() {
                let meanA = Summary(p.accA).mean, meanB = Summary(p.accB).mean
                let decisive: (test: String, p: Double)
                if let ph = pairedHolm[i] {
                    decisive = ("paired t across \(p.seeds.count) seeds", ph)
                } else {
                    decisive = ("McNemar exact (1 seed)", mcnemarHolm[i][0])
                }
                let (na, nb) = (name(p.a), name(p.b))
                let verdict: String
                if decisive.p < alpha && meanA != meanB {
                    verdict = "\(meanA > meanB ? na : nb) better (p = \(pText(decisive.p)))"
                } else {
                    verdict = "no significant difference (p = \(pText(decisive.p)))"
                }
                let significantSeeds = mcnemarHolm[i].filter { $0 < alpha }.count
                var tText = ""
                if let t = paired[i]?.t { tText = t.isFinite ? String(format: "%.3f", t) : (t > 0 ? "inf" : "-inf") }
                let groupCells: [Cell] = group.map { Cell.text($0) }
                var cells: [Cell] = [.text(na), .text(nb), .int(p.seeds.count), .fraction(meanA), .fraction(meanB)]
                cells.append(.real(meanA - meanB, digits: 4))
                cells.append(.text(mcnemarHolm[i].map(pText).joined(separator: " ")))
                cells.append(.text("\(significantSeeds) of \(p.seeds.count)"))
                cells.append(.text(tText))
                cells.append(.text(paired[i].map { pText($0.p) } ?? ""))
                cells.append(.text(pairedHolm[i].map(pText) ?? ""))
                cells += [.text(decisive.test), .text(pText(decisive.p)), .text(verdict)]
                table.append(groupCells + cells)
            }
            // The headline: best classical against best deep.
            if let fc = familyColumn {
                func best(_ family: String) -> [String]? {
                    members.filter { $0[fc] == family }.max { a, b in
                        let ma = meanAccuracy(a), mb = meanAccuracy(b)
                        return (ma, members.firstIndex(of: b)!) < (mb, members.firstIndex(of: a)!)
                    }
                }
                if let c = best("classical"), let d = best("deep"),
                   let row = table.rows.last(where: { r in
                       let names = [r[groupWidth].csv, r[groupWidth + 1].csv]
                       return names.contains(name(c)) && names.contains(name(d)) && Array(r[..<groupWidth].map(\.csv)) == group }) {
                    let cols = table.columns
                    func cell(_ c: String) -> String { row[cols.firstIndex(of: c)!].csv }
                    let prefix = group.isEmpty ? "" : group.joined(separator: " ") + ": "
                    headline.append(prefix + "best classical \(name(c)) against best deep \(name(d)) over \(cell("seeds")) seed(s): "
                                    + "\(cell("model_a")) \(cell("accuracy_a")), \(cell("model_b")) \(cell("accuracy_b")); \(cell("verdict")), "
                                    + "\(cell("test")), Holm-corrected over the \(pairs.count) pairs; McNemar significant in \(cell("mcnemar_significant")) seeds.")
                }
            }
        }
        return (table, headline)
    }

    func meanAccuracy(_ key: [String]) -> Double {
        // The summary's mean test accuracy of `key` (the first metric named test_accuracy).
        guard let m = results.columns.firstIndex(of: "test_accuracy") else { return 0 }
        let s = seedColumn
        return Summary(results.rows.filter { $0[..<s].map(\.csv) == key }.compactMap { Double($0[m].csv) }).mean
    }

    /// Writes <stem>.csv/.md (the summary), <stem>-seeds.csv (the per-seed rows), correct-seeds.csv and
    /// significance.csv/.md (when there are per-image results) into `folder`. Returns the headline
    /// sentences of the significance table.
    @discardableResult
    public func write(to folder: String, stem: String) throws -> [String] {
        try validate(source: "\(folder)/\(stem)-seeds.csv")
        try writeFileAtomically(modelMajor(results).csv, to: "\(folder)/\(stem)-seeds.csv")
        let (csv, md) = summary()
        try writeFileAtomically(csv.csv, to: "\(folder)/\(stem).csv")
        try writeFileAtomically(md.markdown, to: "\(folder)/\(stem).md")
        guard let correct, let sig = try significance() else { return [] }
        try writeFileAtomically(modelMajor(correct).csv, to: "\(folder)/correct-seeds.csv")
        try writeFileAtomically(sig.table.csv, to: "\(folder)/significance.csv")
        let intro = "Pairs of models scored on the same test images. With two or more seeds the paired t-test of the test accuracies across seeds decides; with one seed McNemar's exact test does. p-values are Holm-corrected over the pairs (McNemar's within each seed); significant means p < 0.05.\n\n"
        let lines = sig.headline.map { "- " + $0 + "\n" }.joined()
        try writeFileAtomically(intro + lines + (lines.isEmpty ? "" : "\n") + sig.table.markdown, to: "\(folder)/significance.md")
        return sig.headline
    }

    /// The rows of `table` grouped by key (in the order the keys first appear), each group by seed:
    /// the order a merge of task folders gives, so that a run in one process and a merged sweep write
    /// the same bytes.
    func modelMajor(_ table: Table) -> Table {
        let s = seedColumn
        var firstSeen: [[String]: Int] = [:]
        for r in table.rows where firstSeen[r[..<s].map(\.csv)] == nil { firstSeen[r[..<s].map(\.csv)] = firstSeen.count }
        let ordered = table.rows.enumerated().sorted { a, b in
            let (ka, kb) = (firstSeen[a.element[..<s].map(\.csv)]!, firstSeen[b.element[..<s].map(\.csv)]!)
            if ka != kb { return ka < kb }
            let (sa, sb) = (UInt64(a.element[s].csv) ?? 0, UInt64(b.element[s].csv) ?? 0)
            return sa != sb ? sa < sb : a.offset < b.offset
        }
        var out = Table(columns: table.columns)
        for r in ordered { out.append(r.element) }
        return out
    }

    /// The runs of several folders as one: the same columns, rows sorted by `order` of the keys (then by
    /// seed), so that the result does not depend on the order of `parts`. Refuses a (key, seed) twice.
    public static func combine(_ parts: [SeedRuns], source: String,
                               keyOrder: ([String], [String]) -> Bool) throws -> SeedRuns {
        guard let first = parts.first else { throw SettingError("\(source): no per-seed tables to merge") }
        for p in parts where p.results.columns != first.results.columns || p.correct?.columns != first.correct?.columns {
            throw SettingError("\(source): the per-seed tables have different columns (\(first.results.columns.joined(separator: ",")) and \(p.results.columns.joined(separator: ","))); they come from different versions of the suite")
        }
        let s = first.seedColumn
        func sorted(_ rows: [[Cell]]) -> [[Cell]] {
            rows.sorted { x, y in
                let kx = x[..<s].map(\.csv), ky = y[..<s].map(\.csv)
                if kx != ky { return keyOrder(kx, ky) || (!keyOrder(ky, kx) && kx.lexicographicallyPrecedes(ky)) }
                return (UInt64(x[s].csv) ?? 0) < (UInt64(y[s].csv) ?? 0)
            }
        }
        var results = Table(columns: first.results.columns)
        for r in sorted(parts.flatMap(\.results.rows)) { results.append(r) }
        var correct: Table?
        if first.correct != nil {
            var c = Table(columns: first.correct!.columns)
            for r in sorted(parts.flatMap { $0.correct?.rows ?? [] }) { c.append(r) }
            correct = c
        }
        let merged = SeedRuns(results: results, correct: correct, groupColumns: first.groupColumns)
        try merged.validate(source: source)
        return merged
    }

    /// The per-seed files of a folder written by `write(to:stem:)`.
    public static func read(folder: String, stem: String, groupColumns: Int = 0) throws -> SeedRuns {
        let results = try readCSVTable("\(folder)/\(stem)-seeds.csv")
        let correctPath = "\(folder)/correct-seeds.csv"
        let correct = FileManager.default.fileExists(atPath: correctPath) ? try readCSVTable(correctPath) : nil
        let runs = SeedRuns(results: results, correct: correct, groupColumns: groupColumns)
        try runs.validate(source: "\(folder)/\(stem)-seeds.csv")
        return runs
    }
}

/// A p-value as text: 3 significant digits, "<1e-16" below what a double resolves.
func pText(_ p: Double) -> String {
    if p < 1e-16 { return "<1e-16" }
    if p >= 0.001 { return String(format: "%.3f", p) }
    return String(format: "%.2e", p)
}
