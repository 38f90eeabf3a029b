// The options every experiment executable shares, and the way each one starts and stops: errors
// become one sentence on standard error and a non-zero exit, SIGINT/SIGTERM stop cleanly.
import ArgumentParser
import Foundation
import Tensors

/// `--seed`/`--seeds`, `--quick`, `--out`, `--data`, `--threads`: shared by all experiments.
public struct ExperimentOptions: ParsableArguments {
    @Option(name: .customLong("seed"), parsing: .unconditional,
            help: "Seed for every random step (splits, sampling, initialization, shuffling): a whole number ≥ 0 (one run; see --seeds).",
            transform: seedArgument)
    public var singleSeed: UInt64?

    @Option(name: .customLong("seeds"), parsing: .unconditional,
            help: ArgumentHelp("Seeds to run, each an independent run (split, initialization, sampling, shuffling): a list or ranges, such as 0-4 or 0,3,7. Tables then give mean, standard deviation, 95% confidence interval and n.", valueName: "list"))
    public var seedsText: String?

    @Flag(help: "A small, fast version of the experiment (for tests and a first look).")
    public var quick = false

    @Option(parsing: .unconditional, help: "Folder for this experiment's tables and images.")
    public var out: String?

    @Option(parsing: .unconditional, help: "Data: 'mnist5k' (embedded), 'fashion' (Fashion-MNIST, after `make data-fashion`), or a path to an IDX folder, an image folder (one sub-folder per class) or a CSV file.")
    public var data: String = "mnist5k"

    @Option(parsing: .unconditional, help: "Worker threads (default: CVD_THREADS or the number of cores). Results do not depend on it.")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1, got \(t).") }
        if out?.isEmpty == true { throw ValidationError("--out must name a folder, got an empty path.") }
        if data.isEmpty { throw ValidationError("--data must name a data set, a folder or a file, got an empty string.") }
        if singleSeed != nil && seedsText != nil { throw ValidationError("--seed and --seeds cannot both be given; use --seeds for several seeds.") }
        if let seedsText {
            do { _ = try parseSeeds(seedsText) } catch let e as SettingError { throw ValidationError(e.description + ".") }
        }
    }

    /// The seeds of this run: --seeds, else --seed, else `defaults`.
    public func seeds(default defaults: [UInt64] = [0]) -> [UInt64] {
        if let seedsText, let list = try? parseSeeds(seedsText) { return list }
        return singleSeed.map { [$0] } ?? defaults
    }

    /// The first seed of the run (the one whose pictures are drawn).
    public var seed: UInt64 { seeds().first ?? 0 }

    /// The output folder: `--out`, or `results/<experiment>`.
    public func outputFolder(default experiment: String) -> String { out ?? "results/\(experiment)" }

    /// Applies `--threads` to the suite's parallel loops and BLAS.
    public func applyThreads() {
        if let t = threads { Parallel.threadCount = t }
    }
}

/// Runs an experiment body: on an error prints "<experiment>: <sentence>" to standard error and
/// exits 1; SIGINT and SIGTERM exit 130 and 143 (files are written atomically, so earlier results
/// stay intact and no partial file is left).
public func runExperiment(_ name: String, _ body: () throws -> Void) -> Never {
    installStopHandlers()
    do {
        try body()
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("\(name): \(describe(error))\n".utf8))
        exit(1)
    }
}

/// A one-sentence description of any error (typed errors of the suite describe themselves).
public func describe(_ error: Error) -> String {
    // A file of a run's staging folder is named by where it was meant to go (the staging folder
    // is removed when the run fails, and the folder's previous contents stay).
    let text = String(describing: error).replacingOccurrences(of: #"/\.([^/]+)\.staging-[0-9]+(/|\b)"#, with: "/$1$2",
                                                             options: .regularExpression)
    return text.hasSuffix(".") ? text : text + "."
}

/// SIGINT and SIGTERM remove the temporary files of writes in progress and exit 130 and 143
/// (earlier files, written atomically, stay as they were).
public func installStopHandlers() {
    signal(SIGINT) { _ in
        removeUnfinishedTemporaryFiles()
        let message: StaticString = "\ninterrupted: stopped; tables and images written so far are complete, unfinished ones were not written.\n"
        _ = write(2, message.utf8Start, message.utf8CodeUnitCount)
        _exit(130)
    }
    signal(SIGTERM) { _ in
        removeUnfinishedTemporaryFiles()
        _exit(143)
    }
}

extension ParsableCommand {
    /// Parses the command line and runs the command, like `main()`, but a parse error (unknown or
    /// bad option) prints one sentence instead of the whole usage: "<name>: <what is wrong> (see
    /// <name> --help)." `--help` prints the help as usual.
    public static func mainReportingOneSentence() -> Never {
        do {
            var command = try parseAsRoot()
            try command.run()
            Foundation.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            var name = configuration.commandName ?? "command"
            // A subcommand's error points at that subcommand's help ("cvd train --help").
            if CommandLine.arguments.count > 1,
               let sub = configuration.subcommands.first(where: { $0._commandName == CommandLine.arguments[1] }) {
                name += " " + sub._commandName
            }
            var text = message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
            if let first = text.split(separator: "\n").first { text = String(first) }
            if text.hasPrefix("Error: ") { text.removeFirst(7) }
            // "The value '-1' is invalid for '--seed <seed>': --seed must be ...": the option's own sentence.
            if text.hasPrefix("The value '"), let own = text.range(of: "': --") {
                text = String(text[text.index(own.lowerBound, offsetBy: 3)...])
            }
            while text.hasSuffix(".") { text.removeLast() }
            if !text.isEmpty {  // empty for an ExitCode thrown after the command printed its own sentence
                FileHandle.standardError.write(Data("\(name): \(text) (see \(name) --help).\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}

/// Parses a `--seed` value: a whole number in 0...2⁶⁴−1, or a sentence with that range.
public func seedArgument(_ text: String) throws -> UInt64 {
    guard let seed = UInt64(text) else {
        throw SettingError("--seed must be a whole number in 0...\(UInt64.max), got \"\(text)\"")
    }
    return seed
}
