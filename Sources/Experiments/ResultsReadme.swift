// results/README.md: every table of the default run inline and every PNG embedded, so a reader on
// a code host sees the findings without running anything. Generated, never edited by hand.
import Datasets
import Foundation
import Tensors

/// Short explanations shown above each experiment's section (from the experiment catalogue).
private let sectionIntros: [String: String] = Dictionary(uniqueKeysWithValues: ExperimentCatalog.entries.map { ($0.name, $0.summary) })
    .merging(["bench": "Benchmarks on this machine."]) { $1 }

/// More pictures than this in a section are shown as a grid of thumbnails.
private let gridThreshold = 8
private let gridColumns = 3

/// Where a file comes in its section: the main table and the overview pictures first.
private func rank(_ path: String) -> Int {
    let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
    if ["accuracy", "comparison", "sweep", "capacity", "montage", "learning-curves"].contains(stem) || stem.hasPrefix("accuracy-vs-") { return 0 }
    if ["findings", "significance", "models", "mlp-first-layer", "lenet5-filters"].contains(stem) || stem.hasPrefix("codebook-") { return 1 }
    return 2
}

/// Where a file comes among those of the same rank: the default data set (MNIST-5k) before the
/// others, toy problems in the lectures' order, models in catalogue order, then names with their
/// numbers compared as numbers (mlp-h2 before mlp-h10).
private func placeKey(_ path: String) -> [Int] {
    let parts = path.split(separator: "/").map(String.init)
    let dataset = parts.count >= 3 ? (parts[1] == "mnist5k" ? 0 : 1) : 0
    var stem = ((parts.last ?? "") as NSString).deletingPathExtension
    var problem = -1
    if let p = Toy2D.allCases.firstIndex(where: { stem.hasPrefix($0.rawValue + "-") }) {
        problem = p
        stem = String(stem.dropFirst(Toy2D.allCases[p].rawValue.count + 1))
    }
    for prefix in ["confusion-", "learning-curve-", "mistakes-"] where stem.hasPrefix(prefix) { stem = String(stem.dropFirst(prefix.count)) }
    let entries = ModelCatalog.entries
    let model = entries.firstIndex { $0.answers(to: stem) } ?? entries.firstIndex { stem.hasPrefix($0.name) } ?? entries.count
    return [dataset, rank(path), problem, model]
}

private func comesBefore(_ a: String, _ b: String) -> Bool {
    let (ka, kb) = (placeKey(a), placeKey(b))
    if ka != kb { return ka.lexicographicallyPrecedes(kb) }
    return a.compare(b, options: .numeric) == .orderedAscending
}

/// Writes `<results>/README.md` listing every `.md` table and embedding every `.png` image found in
/// the experiment folders under `results` (recursively), in a fixed order.
public func writeResultsReadme(results: String) throws {
    let fm = FileManager.default
    var files: [String] = []
    if let walker = fm.enumerator(atPath: results) {
        for case let path as String in walker where path.hasSuffix(".md") || path.hasSuffix(".png") {
            if path != "README.md" { files.append(path) }
        }
    }
    let order = ExperimentCatalog.names + ["bench"]
    func section(_ path: String) -> String { String(path.split(separator: "/").first ?? "") }
    let sections = Set(files.map(section)).sorted { a, b in
        (order.firstIndex(of: a) ?? order.count, a) < (order.firstIndex(of: b) ?? order.count, b)
    }
    var commands: [(folder: String, command: String)] = []
    if let walker = fm.enumerator(atPath: results) {
        for case let path as String in walker where (path as NSString).lastPathComponent == "command.txt" {
            let line = ((try? String(contentsOfFile: results + "/" + path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            if !line.isEmpty { commands.append((String((path as NSString).deletingLastPathComponent), line)) }
        }
    }
    func sectionPlace(_ folder: String) -> Int { order.firstIndex(of: section(folder)) ?? order.count }
    commands.sort { (sectionPlace($0.folder), $0.folder) == (sectionPlace($1.folder), $1.folder) ? false
        : sectionPlace($0.folder) != sectionPlace($1.folder) ? sectionPlace($0.folder) < sectionPlace($1.folder) : comesBefore($0.folder + "/command.txt", $1.folder + "/command.txt") }  // as the files in them: MNIST-5k first
    var text = "# Results\n\n" + madeBy(commands) + "\n\nA table over more seeds than an experiment's default comes from running it with `--seeds` (such as `digits --seeds 0-4`) before `cvd report`. Every table gives n, the number of seeds (independent runs: split, initialization, sampling, shuffling), and for each column the mean, the standard deviation and a 95% Student-t confidence interval; the per-seed rows are in the `*-seeds.csv` files, and `significance` tables say which differences between models are real. Tables are also in CSV beside each Markdown file; every picture is also written as SVG, and the decision boundaries, charts and confusion maps as binary PPM. Timing columns depend on the machine; accuracy columns and pictures are reproducible byte for byte on one machine (a CPU with other vector units can move an accuracy in the fourth decimal).\n"
    // The verdicts on the digits tables come with the digits section, in the order the experiments run.
    let verdicts = whereDeepTakesOver(results: results)
    if !sections.contains("digits") { text += verdicts }
    for name in sections {
        if name == "digits" { text += verdicts }
        text += "\n## \(name)\n\n"
        if let intro = sectionIntros[name] { text += intro + "\n" }
        let inSection = files.filter { section($0) == name }.sorted(by: comesBefore)
        for table in inSection where table.hasSuffix(".md") {
            let body = (try? String(contentsOfFile: results + "/" + table, encoding: .utf8)) ?? ""
            text += "\n### \(table.dropLast(3))\n\n"
            // A long table folds: its first lines (a sentence, a headline) stay in view.
            let lines = body.split(separator: "\n", omittingEmptySubsequences: false)
            if let start = lines.firstIndex(where: { $0.hasPrefix("|") }), lines.count - start > 30 {
                text += lines[..<start].joined(separator: "\n") + "\n<details><summary>the whole table (\(lines.count - start - 3) rows)</summary>\n\n"
                    + lines[start...].joined(separator: "\n") + "\n</details>\n"
            } else {
                text += body
            }
        }
        let images = inSection.filter { $0.hasSuffix(".png") }
        let (headline, rest) = (images.filter { rank($0) < 2 }, images.filter { rank($0) >= 2 })
        if !images.isEmpty { text += "\n### Pictures\n\n" }
        // The toy networks' hidden-unit maps and evolution strips, the digits models' mistakes and the
        // embeddings fold into groups of their own.
        let groups: [(title: String, holds: (String) -> Bool)] = [
            ("what each hidden unit computes", { $0.hasSuffix("-hidden.png") }),
            ("the boundary while training", { $0.hasSuffix("-evolution.png") }),
            ("the ReLU network's linear regions", { $0.hasSuffix("-regions.png") }),
            ("each model's most confident mistakes", { ($0 as NSString).lastPathComponent.hasPrefix("mistakes-") }),
            ("the test images in 2-D: pixels, HOG features and each network's last hidden layer (PCA)",
             { ($0 as NSString).lastPathComponent.hasPrefix("embedding-") }),
        ]
        let main = rest.filter { image in !groups.contains { $0.holds(image) } }
        for image in headline + (main.count > gridThreshold ? [] : main) {
            text += "**\(image.dropLast(4))**\n\n![\(image.dropLast(4))](\(image))\n\n"
        }
        if main.count > gridThreshold { text += thumbnailGrid(main) }
        for group in groups {
            let members = rest.filter(group.holds)
            guard !members.isEmpty else { continue }
            let animations = members.map { String($0.dropLast(4)) + ".gif" }.filter { fm.fileExists(atPath: results + "/" + $0) }
            text += "\n<details><summary>\(group.title) (\(members.count) pictures\(animations.isEmpty ? "" : ", \(animations.count) animated"))</summary>\n\n"
            text += thumbnailGrid(members)
            for gif in animations { text += "\n**\(gif.dropLast(4)) (animated)**\n\n![\(gif.dropLast(4))](\(gif))\n" }
            text += "\n</details>\n"
        }
    }
    try writeFileAtomically(text, to: results + "/README.md")
}

/// The page's first paragraph: which commands made the results in it (from each output folder's
/// `command.txt`), and what a `--quick` run among them means.
func madeBy(_ commands: [(folder: String, command: String)]) -> String {
    guard !commands.isEmpty else {
        return "Made by `make experiments` (which runs every experiment and then `cvd report`); the runs recorded no command line."
    }
    var text = "Made by `cvd report` from these runs (`make experiments` runs each experiment with its default seeds, then the report): "
        + commands.map { "`\($0.command)` → \($0.folder)" }.joined(separator: "; ") + "."
    let quick = commands.filter { $0.command.split(separator: " ").contains("--quick") }
    if !quick.isEmpty {
        text += " **" + quick.map(\.folder).joined(separator: ", ") + (quick.count == 1 ? " is" : " are")
            + " from a `--quick` run**: small subsets, few epochs and grids (digits: 1,000 training and 300 test images), a check that runs in seconds, not the experiment's figures."
    }
    return text
}

/// Many pictures of one kind (one per table row): a grid of thumbnails, each linking to the full picture.
private func thumbnailGrid(_ images: [String]) -> String {
    var text = "<table>\n"
    for start in stride(from: 0, to: images.count, by: gridColumns) {
        text += "<tr>" + images[start..<min(start + gridColumns, images.count)].map { image in
            let stem = String((image as NSString).lastPathComponent.dropLast(4))
            return "<td align=\"center\"><a href=\"\(image)\"><img src=\"\(image)\" width=\"300\" alt=\"\(stem)\"></a><br><sub>\(stem)</sub></td>"
        }.joined() + "</tr>\n"
    }
    return text + "</table>\n"
}

/// One paragraph per digits data set, computed from its comparison table: the best model on the
/// pixels, the best classical pipeline on hand-made features, the best network, how far apart
/// they are and what each costs to fit. Empty when no digits table exists.
func whereDeepTakesOver(results: String) -> String {
    let folder = results + "/digits"
    let sets = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted { a, b in
        (a == "mnist5k" ? 0 : 1, a) < (b == "mnist5k" ? 0 : 1, b)
    }
    var paragraphs: [String] = []
    for set in sets {
        guard let text = try? String(contentsOfFile: "\(folder)/\(set)/comparison.csv", encoding: .utf8) else { continue }
        let lines = text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, let m = header.firstIndex(of: "model"), let a = header.firstIndex(of: "test_accuracy"),
              let f = header.firstIndex(of: "fit_seconds") else { continue }
        struct Row { var model: String; var accuracy: Double; var fit: Double; var entry: ModelEntry? }
        let rows = lines.dropFirst().compactMap { r -> Row? in
            guard r.count == header.count, let acc = Double(r[a]), let fit = Double(r[f]) else { return nil }
            let entry = ModelCatalog.entries.first { $0.rowName((try? $0.settings()) ?? ModelSettings([:])) == r[m] || $0.answers(to: r[m]) }
            return Row(model: r[m], accuracy: acc, fit: fit, entry: entry)
        }
        func best(_ keep: (Row) -> Bool) -> Row? { rows.filter(keep).max { ($0.accuracy, -$0.fit) < ($1.accuracy, -$1.fit) } }
        guard let network = best({ $0.entry?.isNetwork == true }),
              let classical = best({ $0.entry.map { !$0.isNetwork } ?? false }) else { continue }
        let pixels = best { $0.entry.map { !$0.isNetwork && $0.input == .features } ?? false }
        func acc(_ r: Row) -> String { String(format: "%.3f", r.accuracy) }
        func cost(_ r: Row) -> String { r.fit < 10 ? String(format: "%.2g s", r.fit) : String(format: "%.0f s", r.fit) }
        let gap = (network.accuracy - classical.accuracy) * 100
        let n = header.firstIndex(of: "n").flatMap { i in lines.dropFirst().first.flatMap { $0.count > i ? Int($0[i]) : nil } } ?? 1
        var p = "**\(set)** (\(n) seed\(n == 1 ? "" : "s")): the best classical pipeline, \(classical.model), scores \(acc(classical)) (fit \(cost(classical))); the best network, \(network.model), \(acc(network)) (fit \(cost(network))). "
        // The verdict of the significance table on this pair.
        let verdict = pairVerdict(folder: "\(folder)/\(set)", classical.model, network.model)
        let leader = gap > 0 ? "The network leads" : "The classical pipeline leads"
        if let verdict, verdict.significant {
            p += String(format: "%@ by %.1f points, a real difference (%@, p = %@, Holm-corrected)%@. ", leader, abs(gap), verdict.test, verdict.p,
                        gap > 0 ? ": here deep takes over" : "")
        } else if let verdict {
            p += String(format: "They are %.1f points apart, and the difference is not significant (%@, p = %@, Holm-corrected): on these images hand-made features still match the network. ",
                        abs(gap), verdict.test, verdict.p)
        } else {
            p += String(format: "%@ by %.1f points. ", leader, abs(gap))
        }
        if let pixels, pixels.model != classical.model {
            p += String(format: "On the raw pixels the best classical model, %@, reaches %@, %.1f points below the network; hand-made features (%@) win back %.1f of them%@.",
                        pixels.model, acc(pixels), (network.accuracy - pixels.accuracy) * 100, classical.model,
                        (classical.accuracy - pixels.accuracy) * 100,
                        classical.fit < network.fit ? ", at \(String(format: "%.0f", max(1, network.fit / max(classical.fit, 1e-3))))× less fit time than the network" : "")
        }
        paragraphs.append(p)
    }
    guard !paragraphs.isEmpty else { return "" }
    return "\n## Where classical stops and deep takes over\n\nFrom the digits tables below (means over the seeds; the verdicts from each data set's significance table).\n\n"
        + paragraphs.joined(separator: "\n\n") + "\n"
}

/// The significance table's verdict on the pair (a, b) in `folder`: whether it is significant at 0.05,
/// by which test, and the corrected p-value. Nil without a significance table or that pair.
func pairVerdict(folder: String, _ a: String, _ b: String) -> (significant: Bool, test: String, p: String)? {
    guard let table = try? readCSVTable(folder + "/significance.csv"),
          let ia = table.columns.firstIndex(of: "model_a"), let ib = table.columns.firstIndex(of: "model_b"),
          let it = table.columns.firstIndex(of: "test"), let ip = table.columns.firstIndex(of: "p_holm"),
          let iv = table.columns.firstIndex(of: "verdict") else { return nil }
    guard let row = table.rows.first(where: { Set([$0[ia].csv, $0[ib].csv]) == Set([a, b]) }) else { return nil }
    return (!row[iv].csv.hasPrefix("no significant"), row[it].csv, row[ip].csv)
}
