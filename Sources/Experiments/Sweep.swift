// Sweeps: many small, independent runs of the experiment executables (one per experiment, data
// set, model, grid point and seed), planned into a folder, run by any engine (GNU parallel, xargs,
// a Slurm job array) in any order and on any node, and merged back into the tables of one run.
// `cvd sweep` drives it; this file holds the plan, the state of its tasks and the merge.
//
// A sweep folder holds manifest.txt (line i: the complete shell command of task i), sweep.json (the
// plan), run-task.sh (runs one line, its output into logs/<NNNN>.log), tasks/<NNNN>/ (everything a
// task writes) and logs/. A task is done when its per-seed table exists: the experiments write
// their folders atomically, so a task's files are complete or absent.
import Datasets
import Foundation
import Tensors

/// One task of a sweep: one run of one experiment executable with one seed.
public struct SweepTask: Codable, Equatable, Sendable {
    /// 1-based: line `number` of manifest.txt.
    public var number: Int
    public var experiment: String
    /// The data set as given to the executable (nil for toy2d, which makes its own).
    public var data: String?
    /// The folder name the data set's results get (digits), nil for toy2d.
    public var dataFolder: String?
    /// The catalogue name of the model (digits), nil for toy2d (which runs all of its models).
    public var model: String?
    /// The grid point: setting name → value (as the catalogue prints it).
    public var settings: [String: String]
    public var seed: UInt64
    /// Where the task writes everything.
    public var taskFolder: String
    /// Where its per-seed files will be.
    public var resultFolder: String
    /// The command, one word per element.
    public var command: [String]

    /// The per-seed table whose presence says the task is done.
    public var resultFile: String { resultFolder + "/" + SweepPlan.stem(experiment) + "-seeds.csv" }

    /// "name=value" pairs sorted by name, space-separated ("" without settings).
    public var settingsText: String { settings.keys.sorted().map { "\($0)=\(settings[$0]!)" }.joined(separator: " ") }

    /// A short description for messages: "digits mnist5k lenet5 lr=0.01 seed 3".
    public var summary: String {
        ([experiment, data, model, settingsText.isEmpty ? nil : settingsText].compactMap { $0 } + ["seed \(seed)"]).joined(separator: " ")
    }
}

/// A sweep: its tasks and where it lives.
public struct SweepPlan: Codable, Equatable, Sendable {
    /// The sweep folder (absolute).
    public var folder: String
    public var tasks: [SweepTask]

    public static let supportedExperiments = ["digits", "toy2d"]

    static func stem(_ experiment: String) -> String { experiment == "toy2d" ? "accuracy" : "comparison" }
    static func groupColumns(_ experiment: String) -> Int { experiment == "toy2d" ? 1 : 0 }

    public var manifestPath: String { folder + "/manifest.txt" }
    public var planPath: String { folder + "/sweep.json" }
    public var runnerPath: String { folder + "/run-task.sh" }
    public var logsFolder: String { folder + "/logs" }
    /// Digits of the task numbers in folder and log names (at least 4).
    public var width: Int { max(4, String(tasks.count).count) }
    public func id(_ number: Int) -> String {
        let s = String(number)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
    public func logPath(_ number: Int) -> String { logsFolder + "/" + id(number) + ".log" }

    /// The plan of a sweep: experiments × data sets × models × grid points × seeds, one task each.
    /// - Parameters:
    ///   - grid: (setting name, value texts) in the order given; each value is checked with the
    ///     catalogue's parser, and a setting none of the chosen experiments or models takes is refused.
    ///   - binFolder: where the experiment executables are (absolute in the commands).
    public static func make(folder: String, experiments: [String], data: [String]?, models: [String]?, seeds: [UInt64],
                            grid: [(name: String, values: [String])], quick: Bool, noTuning: Bool = false,
                            threads: Int?, binFolder: String) throws -> SweepPlan {
        let root = absolutePath(folder)
        let bin = absolutePath(binFolder)
        guard !experiments.isEmpty else { throw SettingError("--experiment names no experiment; choose from \(supportedExperiments.joined(separator: ", "))") }
        for e in experiments where !supportedExperiments.contains(e) {
            _ = try ExperimentCatalog.entry(e)   // an unknown name: the catalogue's sentence
            throw SettingError("a sweep runs \(supportedExperiments.joined(separator: " and ")); \(e) is not supported yet")
        }
        guard Set(experiments).count == experiments.count else { throw SettingError("--experiment names an experiment twice") }
        guard !seeds.isEmpty else { throw SettingError("--seeds names no seed") }
        let hasDigits = experiments.contains("digits")
        if !hasDigits, models != nil { throw SettingError("--models chooses digits' models; toy2d runs all of its own") }
        if !hasDigits, data != nil { throw SettingError("toy2d generates its own data; --data applies to digits only") }
        if let t = threads, t < 1 { throw SettingError("--threads must be at least 1, got \(t)") }
        // Data sets: the keywords as they are, paths made absolute so every node finds them.
        let dataSpecs = (data ?? ["mnist5k"]).map { spec -> String in
            ["mnist5k", "mnist-5k", "fashion", "fashion-mnist"].contains(spec.lowercased()) ? spec : absolutePath(spec)
        }
        guard Set(dataSpecs.map(dataFolderName)).count == dataSpecs.count else {
            throw SettingError("--data names two data sets with the same results folder (\(dataSpecs.map(dataFolderName).joined(separator: ", ")))")
        }
        let modelEntries: [ModelEntry] = try (models ?? ModelCatalog.names).map { name in
            do { return try ModelCatalog.entry(name) } catch let e as SettingError {
                throw SettingError(e.description.replacingOccurrences(of: "unknown model", with: "unknown model in --models:"))
            }
        }
        guard Set(modelEntries.map(\.name)).count == modelEntries.count else { throw SettingError("--models names a model twice") }

        // The grid: each name a setting, each value valid, some chosen experiment or model takes it.
        var axes: [(name: String, values: [String])] = []
        for (name, texts) in grid {
            guard let h = ModelCatalog.allHyperparameters.first(where: { $0.name == name }) else {
                throw SettingError("--grid \(name)=…: \(name) is not a setting of any model; the settings are \(ModelCatalog.allHyperparameters.map(\.name).joined(separator: ", "))")
            }
            guard !axes.contains(where: { $0.name == name }) else { throw SettingError("--grid gives \(name) twice; list all its values in one --grid \(name)=v1,v2") }
            let takers = experiments.flatMap { e -> [String] in
                e == "toy2d" ? (toy2dSettings.contains(name) ? ["toy2d"] : [])
                    : ModelCatalog.models(having: name, among: modelEntries).map(\.name)
            }
            guard !takers.isEmpty else {
                let owners = ModelCatalog.models(having: name).map(\.name).joined(separator: ", ")
                let chosen = (hasDigits ? modelEntries.map(\.name) : []) + experiments.filter { $0 == "toy2d" }
                throw SettingError("--grid \(name): \(name) is a setting of \(owners), and none of the chosen \(chosen.joined(separator: ", ")) takes it")
            }
            var values: [String] = []
            for text in splitGridValues(texts, of: h) {
                let value: SettingValue
                do { value = try h.parse(text) } catch let e as SettingError { throw SettingError("--grid \(name)=\(texts.joined(separator: ",")): \(e.description)") }
                guard !values.contains(value.description) else { throw SettingError("--grid \(name) gives the value \(value.description) twice") }
                values.append(value.description)
            }
            guard !values.isEmpty else { throw SettingError("--grid \(name) gives no value; write --grid \(name)=v1,v2") }
            axes.append((name, values))
        }

        // The grid points of the axes a run takes (the others would repeat the same run).
        func points(_ takes: (String) -> Bool) -> [[String: String]] {
            var out: [[String: String]] = [[:]]
            for axis in axes where takes(axis.name) {
                out = out.flatMap { p in axis.values.map { v in p.merging([axis.name: v]) { $1 } } }
            }
            return out
        }

        var tasks: [SweepTask] = []
        struct Draft { var experiment: String; var data: String?; var model: ModelEntry?; var settings: [String: String]; var seed: UInt64 }
        var drafts: [Draft] = []
        for e in experiments {
            if e == "toy2d" {
                for p in points({ toy2dSettings.contains($0) }) { for s in seeds { drafts.append(Draft(experiment: e, data: nil, model: nil, settings: p, seed: s)) } }
            } else {
                for d in dataSpecs {
                    for m in modelEntries {
                        for p in points({ n in m.hyperparameters.contains { $0.name == n } }) {
                            for s in seeds { drafts.append(Draft(experiment: e, data: d, model: m, settings: p, seed: s)) }
                        }
                    }
                }
            }
        }
        guard drafts.count <= 100_000 else { throw SettingError("the sweep would have \(drafts.count) tasks; at most 100000 (fewer seeds or grid values)") }
        var plan = SweepPlan(folder: root, tasks: [])
        let width = max(4, String(drafts.count).count)
        func id(_ n: Int) -> String { String(repeating: "0", count: max(0, width - String(n).count)) + String(n) }
        for (i, d) in drafts.enumerated() {
            let number = i + 1
            let taskFolder = root + "/tasks/" + id(number)
            var command = [bin + "/" + d.experiment]
            let resultFolder: String
            if let m = d.model, let spec = d.data {
                command += ["--data", spec, "--models", m.name]
                resultFolder = taskFolder + "/" + dataFolderName(spec)
            } else {
                resultFolder = taskFolder
            }
            command += ["--seeds", String(d.seed), "--out", taskFolder]
            if d.experiment == "digits" { command += ["--checkpoints", taskFolder + "/checkpoints"] }
            if quick { command.append("--quick") }
            if noTuning && d.experiment == "digits" { command.append("--no-tuning") }
            if let threads { command += ["--threads", String(threads)] }
            for axis in axes { if let v = d.settings[axis.name] { command += ["--" + axis.name, v] } }
            tasks.append(SweepTask(number: number, experiment: d.experiment, data: d.data, dataFolder: d.data.map(dataFolderName),
                                   model: d.model?.name, settings: d.settings, seed: d.seed, taskFolder: taskFolder,
                                   resultFolder: resultFolder, command: command))
        }
        plan.tasks = tasks
        for e in experiments where !FileManager.default.isExecutableFile(atPath: bin + "/" + e) {
            throw SettingError("the \(e) executable is not in \(bin); build the package first or point --bin at the folder holding it")
        }
        return plan
    }

    /// The settings toy2d takes.
    static var toy2dSettings: [String] { (try? ExperimentCatalog.entry("toy2d").settings) ?? [] }

    /// A list-valued setting (hidden=128,64) takes its values separated by ';' in a grid; the others by ','.
    static func splitGridValues(_ texts: [String], of h: Hyperparameter) -> [String] {
        if case .ints = h.kind { return texts.joined(separator: ",").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } }
        return texts.flatMap { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    // MARK: - Files of the plan

    public var manifest: String { tasks.map { $0.command.map(shellQuoted).joined(separator: " ") + "\n" }.joined() }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// The script that runs task N (line N of the manifest) with its output in logs/<NNNN>.log and
    /// prints one line when it ends; extra arguments go to the end of the command.
    public var runner: String {
        """
        #!/bin/sh
        # Runs task N of this sweep: line N of manifest.txt, its output into logs/<N, \(width) digits>.log.
        # Further arguments are appended to the command (e.g. --threads 4). Prints one line when done.
        dir=\(shellQuoted(folder))
        n=$1; shift
        id=$(printf '%0\(width)d' "$n")
        line=$(sed -n "${n}p" "$dir/manifest.txt")
        if [ -z "$line" ]; then echo "task $id: no such line in $dir/manifest.txt" >&2; exit 2; fi
        mkdir -p "$dir/logs"
        eval "$line \\"\\$@\\"" > "$dir/logs/$id.log" 2>&1 < /dev/null
        status=$?
        if [ "$status" -eq 0 ]; then echo "task $id: done"; else echo "task $id: failed (exit $status): $(tail -n 1 "$dir/logs/$id.log")"; fi
        exit "$status"

        """
    }

    /// Writes manifest.txt, sweep.json and run-task.sh into the sweep folder. The same plan again
    /// changes nothing; a different plan already there is refused.
    /// Returns false when the folder already held this very plan.
    @discardableResult
    public func write() throws -> Bool {
        let fm = FileManager.default
        let json = try json()
        if fm.fileExists(atPath: planPath) {
            guard fm.contents(atPath: planPath) == json, fm.contents(atPath: manifestPath) == Data(manifest.utf8) else {
                throw SettingError("\(folder) already holds a different sweep (sweep.json); plan into another --out, or remove the folder to start over")
            }
            return false
        }
        try createFolder(folder + "/tasks", what: "sweep folder")
        try createFolder(logsFolder, what: "sweep folder")
        try writeFileAtomically(manifest, to: manifestPath)
        try writeFileAtomically(runner, to: runnerPath)
        chmod(runnerPath, 0o755)
        try writeFileAtomically(String(decoding: json, as: UTF8.self), to: planPath)   // last: its presence says the plan is complete
        return true
    }

    /// The plan of the sweep folder `folder`.
    public static func load(_ folder: String) throws -> SweepPlan {
        let path = absolutePath(folder) + "/sweep.json"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError("\(folder) holds no sweep (no sweep.json); make one with `cvd sweep plan --out \(folder) …`")
        }
        do { return try JSONDecoder().decode(SweepPlan.self, from: data) } catch {
            throw SettingError("\(path) cannot be read as a sweep plan; the file is damaged")
        }
    }

    // MARK: - State

    /// The tasks whose per-seed table is not there yet.
    public var missing: [SweepTask] { tasks.filter { !FileManager.default.fileExists(atPath: $0.resultFile) } }

    /// The last non-empty line of a task's log, nil when there is no log.
    public func lastLogLine(_ number: Int) -> String? {
        guard let data = FileManager.default.contents(atPath: logPath(number)) else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // Progress lines end in carriage returns; the last line is the last piece of either kind.
        let lines = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return lines.last ?? "(empty log)"
    }

    /// "task 0003 (digits mnist5k knn seed 1): <last line of its log>" for a task without results.
    public func missingLine(_ t: SweepTask) -> String {
        "task \(id(t.number)) (\(t.summary)): " + (lastLogLine(t.number).map { "failed or unfinished; its log ends: \($0)" } ?? "not run yet")
    }

    /// The task numbers as compact ranges: "1-3,5,7-9".
    public static func ranges(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        let n = numbers.sorted()
        while i < n.count {
            var j = i
            while j + 1 < n.count && n[j + 1] == n[j] + 1 { j += 1 }
            parts.append(j == i ? "\(n[i])" : "\(n[i])-\(n[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// The job-array script of the missing tasks, nil when none is missing.
    public func slurmScript(cpusPerTask: Int, memory: String, time: String, partition: String?, jobName: String = "cvd-sweep") -> String? {
        let todo = missing.map(\.number)
        guard !todo.isEmpty else { return nil }
        var lines = ["#!/bin/sh",
                     "#SBATCH --job-name=\(jobName)",
                     "#SBATCH --array=\(Self.ranges(todo))",
                     "#SBATCH --cpus-per-task=\(cpusPerTask)",
                     "#SBATCH --mem=\(memory)",
                     "#SBATCH --time=\(time)"]
        if let partition { lines.append("#SBATCH --partition=\(partition)") }
        lines += ["#SBATCH --output=\(logsFolder)/%\(width)a.log",
                  "# Array task N runs line N of manifest.txt (task N of the sweep) with the job's CPUs as its threads.",
                  "# Only the tasks without results are listed; `cvd sweep slurm` again writes the array of those still missing.",
                  "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" \(shellQuoted(manifestPath)))",
                  "if [ -z \"$line\" ]; then echo \"no line $SLURM_ARRAY_TASK_ID in \(manifestPath)\" >&2; exit 2; fi",
                  "eval \"$line --threads ${SLURM_CPUS_PER_TASK:-1}\"",
                  ""]
        return lines.joined(separator: "\n")
    }

    // MARK: - Merge

    /// The (experiment, data folder) groups of the plan, in plan order of first appearance.
    public var groups: [(experiment: String, dataFolder: String?)] {
        var out: [(String, String?)] = []
        for t in tasks where !out.contains(where: { $0.0 == t.experiment && $0.1 == t.dataFolder }) { out.append((t.experiment, t.dataFolder)) }
        return out
    }

    /// The merged per-seed runs of each (experiment, data) group from the tasks that have results,
    /// read in `readOrder` (a permutation of the task indices; nil: plan order). The rows are put in
    /// a canonical order (catalogue order of the models, then settings, then seed; toy2d: problem
    /// order, then its model order), so the result does not depend on the order the tasks are read
    /// or ran in. A task with grid settings gets them in its model cell ("lenet5 lr=0.01").
    public func merged(readOrder: [Int]? = nil, dropTimes: Bool = false) throws -> [(folder: String, stem: String, runs: SeedRuns)] {
        let order = readOrder ?? Array(tasks.indices)
        let done = Set(tasks.indices.filter { FileManager.default.fileExists(atPath: tasks[$0].resultFile) })
        var out: [(String, String, SeedRuns)] = []
        for g in groups {
            let members = order.filter { done.contains($0) && tasks[$0].experiment == g.experiment && tasks[$0].dataFolder == g.dataFolder }
            guard !members.isEmpty else { continue }
            let stem = Self.stem(g.experiment), groupWidth = Self.groupColumns(g.experiment)
            var parts: [SeedRuns] = []
            // The rank of each (rewritten) model cell: the model's place, then its settings text.
            var rank: [String: (Int, String)] = [:]
            for i in members {
                let t = tasks[i]
                var runs = try SeedRuns.read(folder: t.resultFolder, stem: stem, groupColumns: groupWidth)
                let suffix = t.settingsText.isEmpty ? "" : " " + t.settingsText
                runs.results = try Self.renameModels(runs.results, suffix: suffix, source: t.resultFile)
                if let c = runs.correct { runs.correct = try Self.renameModels(c, suffix: suffix, source: t.resultFolder + "/correct-seeds.csv") }
                if let m = runs.results.columns.firstIndex(of: "model") {
                    for r in runs.results.rows {
                        let cell = r[m].csv
                        let base = String(cell.dropLast(suffix.count))
                        let place = t.model.flatMap { name in ModelCatalog.names.firstIndex(of: name) } ?? Self.toy2dModelPlace(base)
                        rank[cell] = (place, t.settingsText)
                    }
                }
                parts.append(runs)
            }
            let modelColumn = parts[0].results.columns.firstIndex(of: "model") ?? 0
            let problems = Toy2D.allCases.map(\.rawValue)
            let merged = try SeedRuns.combine(parts, source: "the tasks of \(g.experiment)\(g.dataFolder.map { " on " + $0 } ?? "")") { a, b in
                if groupWidth > 0, a[0] != b[0] {
                    return (problems.firstIndex(of: a[0]) ?? Int.max, a[0]) < (problems.firstIndex(of: b[0]) ?? Int.max, b[0])
                }
                let ra = rank[a[modelColumn]] ?? (Int.max, ""), rb = rank[b[modelColumn]] ?? (Int.max, "")
                if ra.0 != rb.0 { return ra.0 < rb.0 }
                if ra.1 != rb.1 { return ra.1 < rb.1 }
                return a.lexicographicallyPrecedes(b)
            }
            let final = dropTimes ? Self.withoutTimes(merged) : merged
            let folder = g.experiment + (g.dataFolder.map { "/" + $0 } ?? "")
            out.append((folder, stem, final))
        }
        return out
    }

    /// toy2d's model order: logistic regression, k-NN, then the networks by hidden units.
    static func toy2dModelPlace(_ name: String) -> Int {
        if name == "logreg" { return 0 }
        if name.hasPrefix("knn") { return 1 }
        if name.hasPrefix("mlp-h"), let h = Int(name.dropFirst(5)) { return 2 + h }
        return Int.max / 2
    }

    /// `table` with `suffix` appended to every cell of its model column.
    static func renameModels(_ table: Table, suffix: String, source: String) throws -> Table {
        guard !suffix.isEmpty else { return table }
        guard let m = table.columns.firstIndex(of: "model") else { throw SettingError("\(source) has no model column") }
        var out = Table(columns: table.columns)
        for var r in table.rows {
            r[m] = .text(r[m].csv + suffix)
            out.append(r)
        }
        return out
    }

    /// The runs without their timing columns (`*_seconds`), which differ between any two runs.
    static func withoutTimes(_ runs: SeedRuns) -> SeedRuns {
        let keep = runs.results.columns.indices.filter { !runs.results.columns[$0].hasSuffix("_seconds") }
        var t = Table(columns: keep.map { runs.results.columns[$0] })
        for r in runs.results.rows { t.append(keep.map { r[$0] }) }
        return SeedRuns(results: t, correct: runs.correct, groupColumns: runs.groupColumns)
    }

    /// Merges the tasks with results into `outFolder` (replaced as a whole, atomically), one folder
    /// per (experiment, data). Returns the folders written (relative to `outFolder`) and their row counts.
    @discardableResult
    public func writeMerged(to outFolder: String, readOrder: [Int]? = nil, dropTimes: Bool = false) throws -> [(folder: String, rows: Int)] {
        let groups = try merged(readOrder: readOrder, dropTimes: dropTimes)
        guard !groups.isEmpty else { throw SettingError("no task of \(folder) has results yet; run it with `cvd sweep run \(folder)`") }
        let output = try OutputFolder(outFolder)
        var written: [(String, Int)] = []
        for (sub, stem, runs) in groups {
            let target = output.staging + "/" + sub
            try createFolder(target, what: "merged folder")
            try runs.write(to: target, stem: stem)
            written.append((sub, runs.results.rows.count))
        }
        try output.commit()
        return written
    }
}

/// `path` as an absolute, standardized path (relative to the current directory).
public func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
}

/// A word for a POSIX shell: as it is when it holds only safe characters, else in single quotes.
public func shellQuoted(_ word: String) -> String {
    let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,=:+@%")
    if !word.isEmpty, word.allSatisfy(safe.contains) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
