// cvd sweep: plan a sweep (experiments × data sets × models × settings grid × seeds, one small
// independent task each), run its missing tasks here (GNU parallel or xargs) or write a Slurm job
// array of them, and merge the tasks' per-seed files into the tables of one run.
import ArgumentParser
import Experiments
import Foundation
import Tensors

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sweeps: many small runs of digits or toy2d, run anywhere (here, GNU parallel, Slurm), merged into one set of tables.",
        discussion: """
            `cvd sweep plan` writes a sweep folder (manifest.txt: one shell command per task; sweep.json: the plan). \
            `cvd sweep run` runs the tasks that have no results yet; `cvd sweep slurm` writes a job-array script of them; \
            `cvd sweep merge` builds comparison/accuracy, per-seed and significance tables from every task's files.
            """,
        subcommands: [SweepPlanCommand.self, SweepRunCommand.self, SweepSlurmCommand.self, SweepMergeCommand.self])
}

// MARK: - plan

struct SweepPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Turn experiments × data sets × models × a settings grid × seeds into a sweep folder, one task per run.",
        discussion: """
            One task per (experiment, data set, model, grid point, seed); a model only gets the grid's settings it takes. \
            Task N writes only into <out>/tasks/<NNNN>/ (digits' checkpoints included) and is line N of <out>/manifest.txt, \
            a complete shell command with absolute paths (it runs from any directory, on any node sharing the file system). \
            Planning the same sweep again is harmless; a different plan in the same folder is refused.
            """)

    @Option(parsing: .unconditional, help: "The sweep folder to create.")
    var out: String

    @Option(parsing: .unconditional, help: "Experiments, comma-separated: digits, toy2d.")
    var experiment: String = "digits"

    @Option(parsing: .unconditional, help: "digits: data sets, comma-separated (mnist5k, fashion, or paths; default mnist5k).")
    var data: String?

    @Option(parsing: .unconditional, help: "digits: models, comma-separated (default: the whole catalogue; see `cvd models`).")
    var models: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("Seeds, one task each: a list or ranges such as 0-4 or 0,3,7.", valueName: "list"))
    var seeds: String = "0"

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("A setting and its values, one task each (repeat for more settings: the grid is their product); list values such as --hidden take ';' between values.", valueName: "name=v1,v2"))
    var grid: [String] = []

    @Flag(help: "Run the small versions of the experiments.")
    var quick = false

    @Flag(name: .customLong("no-tuning"), help: "digits: fit every model with its default (or grid) settings, no tuning on a validation part.")
    var noTuning = false

    @Option(parsing: .unconditional, help: "Worker threads per task (default: each task uses CVD_THREADS or every core; a Slurm array task uses its CPUs).")
    var threads: Int?

    @Option(parsing: .unconditional, help: ArgumentHelp("The folder holding the experiment executables (default: the folder of this cvd).", valueName: "dir"))
    var bin: String?

    func run() throws {
        try guarded {
            var axes: [(name: String, values: [String])] = []
            for g in grid {
                guard let eq = g.firstIndex(of: "="), eq != g.startIndex else {
                    throw SettingError("--grid \(g) is not of the form name=v1,v2 (e.g. --grid lr=0.01,0.1)")
                }
                let name = String(g[..<eq]).trimmingCharacters(in: .whitespaces)
                axes.append((name.hasPrefix("--") ? String(name.dropFirst(2)) : name, [String(g[g.index(after: eq)...])]))
            }
            func list(_ s: String?) -> [String]? {
                s.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
            }
            let binFolder = bin ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
            let plan = try SweepPlan.make(folder: out, experiments: list(experiment) ?? [], data: list(data), models: list(models),
                                          seeds: try parseSeeds(seeds), grid: axes, quick: quick, noTuning: noTuning,
                                          threads: threads, binFolder: binFolder)
            let fresh = try plan.write()
            let missing = plan.missing.count
            print("\(fresh ? "planned" : "already planned:") \(plan.tasks.count) task\(plan.tasks.count == 1 ? "" : "s") in \(plan.folder) (manifest.txt, sweep.json); \(missing) without results")
            print("run them here: cvd sweep run \(shellQuoted(plan.folder)) --jobs N; or on Slurm: cvd sweep slurm \(shellQuoted(plan.folder))")
        }
    }
}

// MARK: - run

struct SweepRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the tasks of a sweep that have no results yet, N at a time (GNU parallel, else xargs -P).",
        discussion: "Each task's output goes to <sweep>/logs/<NNNN>.log; one line is printed per finished task. Ends with how many ran and succeeded, names the failed ones with the last line of their log, and exits non-zero when any failed. Running it again runs only what is still missing.")

    @Argument(help: "The sweep folder (made by `cvd sweep plan`).")
    var folder: String

    @Option(parsing: .unconditional, help: "Tasks run at once.")
    var jobs: Int = 1

    @Option(parsing: .unconditional, help: "parallel (GNU parallel), xargs, or auto (GNU parallel when it is on PATH, else xargs).")
    var engine: String = "auto"

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1, got \(jobs).") }
        if !["auto", "parallel", "xargs"].contains(engine) { throw ValidationError("--engine must be parallel, xargs or auto, got \"\(engine)\".") }
    }

    func run() throws {
        try guarded {
            let plan = try SweepPlan.load(folder)
            let todo = plan.missing
            guard !todo.isEmpty else {
                print("every task of \(plan.folder) has its results (\(plan.tasks.count) tasks); merge them with: cvd sweep merge \(shellQuoted(plan.folder))")
                return
            }
            try createFolder(plan.logsFolder, what: "sweep folder")
            let gnuParallel = findGNUParallel()
            let useParallel: Bool
            switch engine {
            case "parallel":
                guard gnuParallel != nil else { throw SettingError("--engine parallel: GNU parallel is not on PATH (Debian: apt-get install parallel); --engine xargs needs nothing") }
                useParallel = true
            case "xargs": useParallel = false
            default: useParallel = gnuParallel != nil
            }
            let process = Process()
            if useParallel, let p = gnuParallel {
                process.executableURL = URL(fileURLWithPath: p)
                process.arguments = ["--will-cite", "--jobs", String(jobs), "--line-buffer", plan.runnerPath]
            } else {
                process.executableURL = URL(fileURLWithPath: findOnPath("xargs") ?? "/usr/bin/xargs")
                process.arguments = ["-P", String(jobs), "-n", "1", plan.runnerPath]
            }
            note("running \(todo.count) of \(plan.tasks.count) tasks, \(jobs) at a time, with \(useParallel ? "GNU parallel" : "xargs -P"); logs in \(plan.logsFolder)/")
            let input = Pipe()
            process.standardInput = input
            try process.run()
            input.fileHandleForWriting.write(Data(todo.map { "\($0.number)\n" }.joined().utf8))
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            let stillMissing = Set(plan.missing.map(\.number))
            let failed = todo.filter { stillMissing.contains($0.number) }
            print("ran \(todo.count) task\(todo.count == 1 ? "" : "s"): \(todo.count - failed.count) succeeded, \(failed.count) failed")
            for t in failed { print("  " + plan.missingLine(t)) }
            if !failed.isEmpty {
                throw SettingError("\(failed.count) task\(failed.count == 1 ? "" : "s") failed (logs in \(plan.logsFolder)/); `cvd sweep run \(plan.folder)` again runs only those")
            }
            let left = plan.tasks.count - plan.missing.count
            print("all \(left) tasks have results; merge them with: cvd sweep merge \(shellQuoted(plan.folder))")
        }
    }
}

/// An executable named `name` on PATH.
func findOnPath(_ name: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let p = String(dir) + "/" + name
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return nil
}

/// GNU parallel on PATH (not the `parallel` of other packages, which takes other options).
func findGNUParallel() -> String? {
    guard let p = findOnPath("parallel") else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: p)
    process.arguments = ["--version"]
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return nil }
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return text.contains("GNU parallel") ? p : nil
}

// MARK: - slurm

struct SweepSlurmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slurm",
        abstract: "Write <sweep>/sweep.sbatch, a Slurm job array of the tasks without results, and print the sbatch command.",
        discussion: "Array task N runs line N of manifest.txt with --threads set to the CPUs Slurm gives it; its output goes to <sweep>/logs/<NNNN>.log. After a partial run (time limit, failed node), `cvd sweep slurm` again lists only the tasks still missing.")

    @Argument(help: "The sweep folder (made by `cvd sweep plan`).")
    var folder: String

    @Option(name: .customLong("cpus-per-task"), parsing: .unconditional, help: "CPUs per array task (also its threads).")
    var cpusPerTask: Int = 2

    @Option(parsing: .unconditional, help: "Memory per array task, as Slurm writes it (4G, 500M).")
    var mem: String = "4G"

    @Option(parsing: .unconditional, help: "Time limit per array task, as Slurm writes it (01:00:00, 2-00:00:00).")
    var time: String = "01:00:00"

    @Option(parsing: .unconditional, help: "The partition to run in (default: the cluster's default).")
    var partition: String?

    func validate() throws {
        if cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1, got \(cpusPerTask).") }
        if mem.range(of: #"^[0-9]+[KMGT]?$"#, options: .regularExpression) == nil {
            throw ValidationError("--mem must be a size such as 4G or 500M, got \"\(mem)\".")
        }
        if time.range(of: #"^([0-9]+-)?[0-9]+(:[0-9]{1,2}){0,2}$"#, options: .regularExpression) == nil {
            throw ValidationError("--time must be a Slurm time such as 01:00:00 or 2-00:00:00, got \"\(time)\".")
        }
        if let p = partition, p.range(of: #"^[A-Za-z0-9_.,-]+$"#, options: .regularExpression) == nil {
            throw ValidationError("--partition must be a partition name (letters, digits, _ . , -), got \"\(p)\".")
        }
    }

    func run() throws {
        try guarded {
            let plan = try SweepPlan.load(folder)
            let script = plan.folder + "/sweep.sbatch"
            guard let text = plan.slurmScript(cpusPerTask: cpusPerTask, memory: mem, time: time, partition: partition) else {
                try? FileManager.default.removeItem(atPath: script)   // an old array would rerun finished tasks
                print("every task of \(plan.folder) has its results (\(plan.tasks.count) tasks); nothing to submit. Merge them with: cvd sweep merge \(shellQuoted(plan.folder))")
                return
            }
            try createFolder(plan.logsFolder, what: "sweep folder")   // Slurm does not create the folder of --output
            try writeFileAtomically(text, to: script)
            let todo = plan.missing.count
            print("wrote \(script): a job array of \(todo) task\(todo == 1 ? "" : "s") (\(SweepPlan.ranges(plan.missing.map(\.number)))) of \(plan.tasks.count)")
            print("submit it with: sbatch \(shellQuoted(script))")
        }
    }
}

// MARK: - merge

struct SweepMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the per-seed files of every task into the tables of one run: <out>/<experiment>/<data>/ (toy2d: <out>/toy2d/).",
        discussion: "Writes the per-seed tables, the summaries (n, mean, sd, 95% CI) and the significance tables, exactly as one run holding the same rows would. A task with grid settings keeps them in its model cell (\"lenet5 lr=0.01\"). The result does not depend on the order the tasks ran in or where. With a task missing or failed, nothing is written (unless --partial).")

    @Argument(help: "The sweep folder (made by `cvd sweep plan`).")
    var folder: String

    @Option(parsing: .unconditional, help: "The merged folder (default: <sweep>/merged; replaced as a whole).")
    var out: String?

    @Flag(name: .customLong("no-times"), help: "Leave out the timing columns (*_seconds), which differ between any two runs, so merged tables can be compared byte for byte.")
    var noTimes = false

    @Flag(help: "Merge the tasks that have results and name those left out, instead of refusing.")
    var partial = false

    /// Testing: read the task folders in another order (reverse, or a shuffle by this seed).
    @Option(name: .customLong("read-order"), parsing: .unconditional, help: .hidden)
    var readOrder: String?

    func run() throws {
        try guarded {
            let plan = try SweepPlan.load(folder)
            let missing = plan.missing
            if !missing.isEmpty {
                for t in missing { note(plan.missingLine(t)) }
                guard partial else {
                    throw SettingError("\(missing.count) of \(plan.tasks.count) tasks have no results (listed above), so nothing was merged; `cvd sweep run \(plan.folder)` (or `cvd sweep slurm` and sbatch) runs only the missing ones, and --partial merges what exists")
                }
            }
            var order = Array(plan.tasks.indices)
            if let readOrder {
                if readOrder == "reverse" { order.reverse() } else if let seed = UInt64(readOrder) {
                    var state = seed &+ 0x9e37_79b9_7f4a_7c15
                    for i in stride(from: order.count - 1, to: 0, by: -1) {
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        order.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
                    }
                } else { throw SettingError("--read-order must be reverse or a whole number, got \"\(readOrder)\"") }
            }
            let target = out.map(absolutePath) ?? plan.folder + "/merged"
            let written = try plan.writeMerged(to: target, readOrder: order, dropTimes: noTimes)
            let done = plan.tasks.count - missing.count
            print("merged \(done) task\(done == 1 ? "" : "s") into \(target): " + written.map { "\($0.folder) (\($0.rows) rows)" }.joined(separator: ", "))
            if !missing.isEmpty {
                print("left out \(missing.count) task\(missing.count == 1 ? "" : "s") without results: \(SweepPlan.ranges(missing.map(\.number))) (listed above)")
            }
        }
    }
}
