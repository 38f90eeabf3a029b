// cvd: the suite's umbrella command. Train any model of the suite on your own image folder and save
// it, classify a folder of images with a saved model, run the experiments, and regenerate
// results/README.md from the tables and pictures under results/.
import ArgumentParser
import Classifiers
import Datasets
import Experiments
import Foundation
import ImageFiles
import NeuralNetworks
import Tensors

struct CVD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvd",
        abstract: "Classical vs deep image classification: use the suite's models on your own images.",
        subcommands: [Train.self, Evaluate.self, Classify.self, Models.self, Shapes.self, Run.self, Report.self, Sweep.self])
}

/// Runs a command body: errors become one sentence on standard error and exit status 1.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch let e as ValidationError { throw e } catch {
        FileHandle.standardError.write(Data("cvd: \(describe(error))\n".utf8))
        throw ExitCode(1)
    }
}

func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

// MARK: - train

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on an image folder (one sub-folder per class) and save it to a folder.",
        discussion: """
            A stratified share of the images (--test-fraction) is held out and scored, or a separate labelled folder \
            (--test DIR, then --test-fraction 0 trains on every image of --data). Every setting `cvd models` lists can \
            be given as an option (those of other models are refused). The model folder gets model.json (the model card), \
            the learned tensors (learned-<hash>.safetensors), the report on the held-out images in evaluation/ (accuracy, \
            per-class precision and recall, confusion matrix, most confident mistakes, summary.json) and, for networks, \
            learning-curve.csv and learning-curve.png/.svg. Models: \(ModelCatalog.names.joined(separator: ", ")).
            """)

    @Option(parsing: .unconditional, help: "Model: \(ModelCatalog.names.joined(separator: ", ")).")
    var model: String = "lenet5"

    @Option(parsing: .unconditional, help: "Training data: an image folder with one sub-folder per class (or mnist5k, fashion, an IDX folder).")
    var data: String

    @Option(parsing: .unconditional, help: ArgumentHelp("A separate labelled image folder (same class sub-folders) to score the model on.", valueName: "dir"))
    var test: String?

    @Option(parsing: .unconditional, help: "Folder to save the trained model in.")
    var out: String

    @Option(parsing: .unconditional, help: "Images are converted to this width and height.")
    var size: Int = 28

    @Option(parsing: .unconditional, help: "Channels images are converted to: 1 (gray) or 3 (RGB).")
    var channels: Int = 1

    @Option(parsing: .unconditional, help: "Share of the images held out to measure accuracy (default 0.2, or 0 with --test).")
    var testFraction: Double?

    @Option(parsing: .unconditional, help: "Seed of the split, the initialization and the shuffling (a whole number ≥ 0).",
            transform: seedArgument)
    var seed: UInt64 = 0

    @OptionGroup(title: "Model settings (see `cvd models`)")
    var settings: SettingOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Networks: save the training state to this file after every epoch (default with --resume: <out>/training-checkpoint.safetensors; off otherwise).", valueName: "file"))
    var checkpoint: String?

    @Flag(help: "Networks: continue the training from the checkpoint (same final model as an uninterrupted run); train from the start when there is none.")
    var resume = false

    var fraction: Double { testFraction ?? (test == nil ? 0.2 : 0) }

    func validate() throws {
        do {
            let entry = try ModelCatalog.entry(model)
            try settings.check(against: [entry], context: "--model \(entry.name)")
        } catch let e as SettingError { throw ValidationError(e.description + ".") }
        if size < 8 || size > 512 { throw ValidationError("--size must be between 8 and 512, got \(size).") }
        if channels != 1 && channels != 3 { throw ValidationError("--channels must be 1 or 3, got \(channels).") }
        if !(fraction >= 0 && fraction <= 0.9) { throw ValidationError("--test-fraction must be between 0 and 0.9, got \(fraction).") }
        if fraction == 0 && test == nil { throw ValidationError("--test-fraction 0 needs a separate test folder (--test DIR) to score the model on.") }
        if out.isEmpty { throw ValidationError("--out must name a folder, got an empty path.") }
        if let checkpoint {
            if checkpoint.isEmpty { throw ValidationError("--checkpoint must name a file, got an empty path.") }
            switch fileKind(atPath: checkpoint) {
            case .regular, .unavailable: break   // an existing checkpoint, or one to write
            case .folder: throw ValidationError("--checkpoint \(checkpoint) is a folder, not a file; name a file such as \(checkpoint)/training-checkpoint.safetensors.")
            case let .special(description): throw ValidationError("--checkpoint \(checkpoint) is \(description), not a regular file.")
            }
        }
    }

    func run() throws {
        try guarded {
            let entry = try ModelCatalog.entry(model)
            let values = try settings.settings(for: entry)
            try createFolder(out, what: "model folder")   // before training: a bad --out fails in a second, not after the training
            let loaded = try loadDataset(spec: data, options: DataLoadOptions(testFraction: fraction, seed: seed, imageWidth: size,
                                                                              imageHeight: size, imageChannels: channels))
            if !loaded.skippedFiles.isEmpty { note("skipped \(loaded.skippedFiles.count) files that are not images (first: \(loaded.skippedFiles[0]))") }
            let train = loaded.train
            guard let shape = train.imageShape else {
                throw SavedModelError(description: "\(data) holds feature rows, not images; cvd trains on images")
            }
            var heldOut = loaded.test, heldOutSource = "held-out part of \(loaded.source)"
            if let test {
                let t = try loadLabelledFolder(test, classNames: train.classNames, shape: shape)
                if !t.skipped.isEmpty { note("skipped \(t.skipped.count) files of \(test) that are not images") }
                (heldOut, heldOutSource) = (t.data, "test folder \(test)")
            }
            note("\(loaded.source): \(train.count) training images of \(shape), \(train.classCount) classes; scoring on \(heldOut.count) images (\(heldOutSource))")
            note("\(entry.name): \(entry.describe(values))")
            let checkpointPath = checkpoint ?? (resume ? out + "/training-checkpoint.safetensors" : nil)
            let classifier = try entry.build(values, BuildContext(imageShape: shape, seed: seed,
                                                                  checkpoint: entry.isNetwork ? checkpointPath.map { CheckpointSettings(path: $0, resume: resume) } : nil))
            let reporter = ProgressReporter(label: entry.name)
            let e = try evaluate(classifier, on: train, heldOut, scoreTraining: false, progress: reporter)
            let notes = trainingNotes(e.model)
            for n in notes { note(n) }
            let card = ModelCard(model: entry.name, settings: values, seed: seed, classNames: train.classNames,
                                 imageShape: [shape.channels, shape.height, shape.width], trainedOn: loaded.source,
                                 trainingSamples: train.count, heldOutAccuracy: heldOut.count > 0 ? e.testAccuracy : nil,
                                 heldOutSamples: heldOut.count, notes: notes)
            try saveModel(e.model, card: card, to: out)
            if let curve = e.learningCurve {
                try curve.write(to: out + "/learning-curve.csv")
                try writeFigure(learningCurveChart(curve, title: "\(entry.name) on \(train.name)"), to: out, stem: "learning-curve", ppm: false)
            }
            var report = ""
            if heldOut.count > 0 {
                let summary = try writeEvaluationReport(model: entry.name, data: heldOut, source: heldOutSource,
                                                        probabilities: e.testProbabilities, to: out + "/evaluation")
                report = String(format: "; accuracy %.4f on %d images (%@), report in %@/evaluation", summary.accuracy, heldOut.count, heldOutSource, out)
            }
            print(String(format: "trained %@ on %d images in %.1f s%@; saved to %@", entry.name, train.count, e.fitSeconds, report, out))
        }
    }
}

// MARK: - evaluate

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a saved model on a labelled image folder (one sub-folder per class) and write a report.",
        discussion: "Writes to --out: summary.json (accuracy, per-class precision, recall and F1, confusion matrix), per-class.csv/.md, confusion.csv/.md with a heat map confusion.png/.svg, and mistakes.png/.svg, a gallery of the most confident mistakes with true and predicted labels. Prints the accuracy.")

    @Option(parsing: .unconditional, help: "Folder of a model saved by `cvd train`.")
    var model: String

    @Argument(help: "Labelled image folder: one sub-folder per class, named as the model's classes.")
    var folder: String

    @Option(parsing: .unconditional, help: "Folder for the report (default: <model>/evaluation-<folder name>).")
    var out: String?

    @Flag(help: "Print the summary as JSON instead of a sentence.")
    var json = false

    func run() throws {
        try guarded {
            let loaded = try loadModel(model)
            let card = loaded.card
            let shape = ImageShape(channels: card.imageShape[0], height: card.imageShape[1], width: card.imageShape[2])
            let (data, skipped) = try loadLabelledFolder(folder, classNames: card.classNames, shape: shape)
            if !skipped.isEmpty { note("skipped \(skipped.count) files that are not images (first: \(skipped[0]))") }
            let target = out ?? model + "/evaluation-" + (folder as NSString).lastPathComponent
            let summary = try writeEvaluationReport(model: card.model, data: data, source: folder,
                                                    probabilities: try loaded.probabilities(data.features), to: target)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print(String(format: "%@ on %@: accuracy %.4f (%d images, %d mistakes); report in %@", card.model, folder,
                             summary.accuracy, summary.images, summary.mistakes, target))
            }
        }
    }
}

// MARK: - classify

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify every image in a folder (and its sub-folders) with a saved model; print file, label, probability.")

    @Option(parsing: .unconditional, help: "Folder of a model saved by `cvd train`.")
    var model: String

    @Argument(help: "Folder of images (PNG, JPEG, PPM/PGM), or one image file.")
    var images: String

    @Option(parsing: .unconditional, help: "Print the K most probable classes of each image (default 1).")
    var top: Int = 1

    @Flag(help: "Print CSV with a header: file,label,probability (with --top: file,rank,label,probability).")
    var csv = false

    @Flag(help: "Print JSON: one object per file with its most probable classes.")
    var json = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1, got \(top).") }
        if csv && json { throw ValidationError("--csv and --json cannot be used together; choose one.") }
    }

    func run() throws {
        try guarded {
            let files = try imageFiles(images)
            let loaded = try loadModel(model)
            let card = loaded.card
            let (c, h, w) = (card.imageShape[0], card.imageShape[1], card.imageShape[2])
            var x = Matrix(rows: files.count, cols: c * h * w)
            for (i, file) in files.enumerated() {
                // The same conversion as the image-folder loader: fewer channels first, else resize first.
                let image = try readImage(atPath: file.path)
                let fitted = image.channels > c
                    ? image.converted(toChannels: c).resized(width: w, height: h)
                    : image.resized(width: w, height: h).converted(toChannels: c)
                let values = fitted.planarFloats()
                for j in 0..<values.count { x[i, j] = values[j] }
            }
            let p = try loaded.probabilities(x)
            let k = min(top, card.classNames.count)
            let ranked = (0..<files.count).map { i in
                (0..<p.cols).sorted { (p[i, $0], $1) > (p[i, $1], $0) }.prefix(k).map { (card.classNames[$0], p[i, $0]) }
            }
            if json {
                struct Row: Encodable { var file: String; var classes: [Choice] }
                struct Choice: Encodable { var label: String; var probability: Double }
                let rows = zip(files, ranked).map { f, r in Row(file: f.name, classes: r.map { Choice(label: $0.0, probability: Double($0.1)) }) }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                return
            }
            if csv { print(k == 1 ? "file,label,probability" : "file,rank,label,probability") }
            let width = min(60, files.map(\.name.count).max() ?? 4)
            for (file, r) in zip(files, ranked) {
                for (rank, (label, probability)) in r.enumerated() {
                    let pText = String(format: "%.4f", probability)
                    if csv {
                        print(([csvField(file.name)] + (k == 1 ? [] : [String(rank + 1)]) + [csvField(label), pText]).joined(separator: ","))
                    } else {
                        let name = rank == 0 ? file.name : ""
                        print(name.padding(toLength: max(width, file.name.count), withPad: " ", startingAt: 0) + "  " + label + "  " + pText)
                    }
                }
            }
        }
    }
    func csvField(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The image files under `path` (sorted, relative names), or `path` itself when it is one file.
    func imageFiles(_ path: String) throws -> [(path: String, name: String)] {
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw SavedModelError(description: "\(path) does not exist; pass a folder of images or an image file")
        }
        guard isFolder.boolValue else { return [(path, (path as NSString).lastPathComponent)] }
        guard let walker = fm.enumerator(atPath: path) else {
            throw SavedModelError(description: "the folder \(path) cannot be read")
        }
        var names: [String] = []
        for case let name as String in walker {
            let last = (name as NSString).lastPathComponent
            if !last.hasPrefix("."), imageFileExtensions.contains((name as NSString).pathExtension.lowercased()) { names.append(name) }
        }
        guard !names.isEmpty else {
            throw SavedModelError(description: "the folder \(path) holds no PNG, JPEG or PPM/PGM images")
        }
        return names.sorted().map { ((path as NSString).appendingPathComponent($0), $0) }
    }
}

// MARK: - models

struct Models: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the models `cvd train` knows, each with its settings: option, default, valid values and meaning.")
    func run() throws {
        for (i, entry) in ModelCatalog.entries.enumerated() {
            let defaults = try entry.settings()
            print((i == 0 ? "" : "\n") + "\(entry.name)\(entry.aliases.isEmpty ? "" : " (also: \(entry.aliases.joined(separator: ", ")))")  [\(entry.input == .images ? "images" : "pixels or features")]")
            print("  " + entry.summary)
            for h in entry.hyperparameters {
                let option = "--\(h.name) \(defaults[h.name]?.description ?? "")".padding(toLength: 26, withPad: " ", startingAt: 0)
                print("  \(option)\(h.help); \(h.rangeText)")
            }
            if !entry.grid.isEmpty {
                let epochs = entry.grid.trialEpochs.map { ", \($0) epochs per trial" } ?? ""
                print("  digits tunes: \(entry.grid.text) (on a validation part of the training set\(epochs))")
            }
        }
    }
}

// MARK: - shapes

struct Shapes: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a folder of generated colour shapes (circle, square, triangle, cross) to try the models on.",
        discussion: "Each image has a random size, rotation, position and hues, the shape brighter than its background, and Gaussian noise; every third is a JPEG, the others PNG. Writes <out>/train/<class>/ and <out>/test/<class>/ (drawn with different seeds), so `cvd train --data <out>/train --test <out>/test --test-fraction 0` or `--data <out>` works.")

    @Option(parsing: .unconditional, help: "Folder to write (created; existing images of the same names are replaced).")
    var out: String

    @Option(parsing: .unconditional, help: "Training images per class.")
    var train: Int = 200

    @Option(parsing: .unconditional, help: "Test images per class.")
    var test: Int = 50

    @Option(parsing: .unconditional, help: "Side of the square images, in pixels.")
    var side: Int = 64

    @Option(parsing: .unconditional, help: "Seed of the drawing, a whole number ≥ 0 (the test part uses seed + 1,000,000).",
            transform: seedArgument)
    var seed: UInt64 = 0

    func validate() throws {
        if !(1...100_000).contains(train) { throw ValidationError("--train must be between 1 and 100000, got \(train).") }
        if !(1...100_000).contains(test) { throw ValidationError("--test must be between 1 and 100000, got \(test).") }
        if !(16...1024).contains(side) { throw ValidationError("--side must be between 16 and 1024, got \(side).") }
        if out.isEmpty { throw ValidationError("--out must name a folder, got an empty path.") }
    }

    func run() throws {
        try guarded {
            try createFolder(out, what: "output folder")
            try ShapeImages.writeFolder(out + "/train", perClass: train, side: side, seed: seed)
            try ShapeImages.writeFolder(out + "/test", perClass: test, side: side, seed: seed &+ 1_000_000)
            print("wrote \(4 * train) training and \(4 * test) test images of \(side)×\(side) pixels to \(out)/train and \(out)/test")
        }
    }
}

// MARK: - run

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiments (default: all, in order) into <results>/<name>, then regenerate <results>/README.md.",
        discussion: """
            The experiment executables are looked for beside this one. Options after -- go to every experiment \
            (e.g. `cvd run digits -- --quick --lr 0.01`); a model setting goes only to the experiments that take it, \
            and one that none of them takes is refused.
            """)

    /// The experiment names, then (after --) the options for the experiments: the parser puts the
    /// words after the terminator at the end of the one positional list (two lists cannot follow
    /// each other), and `names` / `passThrough` split them again.
    @Argument(help: ArgumentHelp("Experiments to run: \(ExperimentCatalog.names.joined(separator: ", ")) (default: all); after --, options for the experiments.",
                                 valueName: "experiments"))
    var words: [String] = []

    /// What follows the first `--` of the command line.
    var passThrough: [String] {
        guard let i = CommandLine.arguments.firstIndex(of: "--") else { return [] }
        return Array(CommandLine.arguments[(i + 1)...])
    }

    var experiments: [String] { Array(words.dropLast(min(words.count, passThrough.count))) }

    @Option(parsing: .unconditional, help: "The results folder.")
    var results: String = "results"

    @Option(parsing: .unconditional, help: "Seed passed to every experiment, a whole number ≥ 0 (default: each experiment's own, 0).",
            transform: seedArgument)
    var seed: UInt64?

    @Flag(help: "Run the small versions.")
    var quick = false


    func validate() throws {
        for e in experiments where !ExperimentCatalog.names.contains(e) {
            throw ValidationError("unknown experiment \"\(e)\"; choose from \(ExperimentCatalog.names.joined(separator: ", ")).")
        }
        let chosen = try selected()
        for (name, _) in settingArguments() where !chosen.contains(where: { $0.settings.contains(name) }) {
            throw ValidationError("--\(name) (after --) is a setting none of \(chosen.map(\.name).joined(separator: ", ")) takes.")
        }
    }

    func selected() throws -> [ExperimentEntry] {
        try (experiments.isEmpty ? ExperimentCatalog.names : experiments).map { try ExperimentCatalog.entry($0) }
    }

    /// The model settings among the pass-through options, as (name, value).
    func settingArguments() -> [(String, String)] {
        let names = Set(ModelCatalog.allHyperparameters.map(\.name))
        var out: [(String, String)] = []
        var i = 0
        while i < passThrough.count {
            let a = passThrough[i]
            if a.hasPrefix("--"), names.contains(String(a.dropFirst(2))), i + 1 < passThrough.count {
                out.append((String(a.dropFirst(2)), passThrough[i + 1]))
                i += 2
            } else { i += 1 }
        }
        return out
    }

    /// The pass-through options for `experiment`: every option, but model settings it does not take.
    func arguments(for experiment: ExperimentEntry) -> [String] {
        let names = Set(ModelCatalog.allHyperparameters.map(\.name))
        var out: [String] = []
        var i = 0
        while i < passThrough.count {
            let a = passThrough[i]
            if a.hasPrefix("--"), names.contains(String(a.dropFirst(2))), i + 1 < passThrough.count {
                if experiment.settings.contains(String(a.dropFirst(2))) { out += [a, passThrough[i + 1]] }
                i += 2
            } else {
                out.append(a)
                i += 1
            }
        }
        return out
    }

    func run() throws {
        try guarded {
            let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let clock = Stopwatch()
            let chosen = try selected()
            for experiment in chosen {
                let exe = folder.appendingPathComponent(experiment.name)
                guard FileManager.default.isExecutableFile(atPath: exe.path) else {
                    throw SavedModelError(description: "the \(experiment.name) executable is not beside cvd (\(folder.path)); build the package first")
                }
                note("==> \(experiment.name)")
                let process = Process()
                process.executableURL = exe
                process.arguments = ["--out", results + "/" + experiment.name] + (seed.map { ["--seed", String($0)] } ?? [])
                    + (quick ? ["--quick"] : []) + arguments(for: experiment)
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
            }
            try writeResultsReadme(results: results)
            note(String(format: "ran %d experiment(s) in %.0f s; wrote %@/README.md", chosen.count, clock.seconds, results))
        }
    }
}

// MARK: - report

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate <results>/README.md: every Markdown table inline and every PNG embedded.")

    @Option(parsing: .unconditional, help: "The results folder.")
    var results: String = "results"

    func run() throws {
        try guarded {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: results, isDirectory: &isFolder), isFolder.boolValue else {
                throw SavedModelError(description: "the results folder \(results) does not exist; run the experiments first")
            }
            try writeResultsReadme(results: results)
            print("wrote \(results)/README.md")
        }
    }
}

installStopHandlers()
CVD.mainReportingOneSentence()
