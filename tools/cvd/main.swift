// cvd: the suite's umbrella command. Train any model of the suite on your own image folder and save
// it, classify a folder of images with a saved model, run the experiments, and regenerate
// results/README.md from the tables and pictures under results/.
import ArgumentParser
import Classifiers
import Datasets
import Experiments
import Foundation
import ImageIO
import NeuralNetworks
import Tensors

struct CVD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvd",
        abstract: "Classical vs deep image classification: use the suite's models on your own images.",
        subcommands: [Train.self, Classify.self, Models.self, Run.self, Report.self])
}

/// Runs a command body: errors become one sentence on standard error and exit status 1.
func guarded(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch let e as ValidationError { throw e } catch {
        FileHandle.standardError.write("cvd: \(describe(error))\n".data(using: .utf8)!)
        throw ExitCode(1)
    }
}

func note(_ line: String) { FileHandle.standardError.write((line + "\n").data(using: .utf8)!) }

// MARK: - train

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a model on an image folder (one sub-folder per class) and save it to a folder.",
        discussion: "A stratified share of the images (--test-fraction) is held out and scored; the rest trains the model. Models: \(SuiteModel.allCases.map(\.rawValue).joined(separator: ", ")) (see `cvd models`).")

    @Option(help: "Model: \(SuiteModel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var model: String = "lenet5"

    @Option(help: "Training data: an image folder with one sub-folder per class (or mnist5k, fashion, an IDX folder).")
    var data: String

    @Option(help: "Folder to save the trained model in.")
    var out: String

    @Option(help: "Images are converted to this width and height.")
    var size: Int = 28

    @Option(help: "Channels images are converted to: 1 (gray) or 3 (RGB).")
    var channels: Int = 1

    @Option(help: "Share of the images held out to measure accuracy.")
    var testFraction: Double = 0.2

    @Option(help: "Epochs for the networks (default: the digits table's).")
    var epochs: Int?

    @Option(help: "Seed of the split, the initialization and the shuffling.")
    var seed: UInt64 = 0

    @Option(help: ArgumentHelp("Networks: save the training state to this file after every epoch (default with --resume: <out>/training-checkpoint.safetensors; off otherwise).", valueName: "file"))
    var checkpoint: String?

    @Flag(help: "Networks: continue the training from the checkpoint (same final model as an uninterrupted run); train from the start when there is none.")
    var resume = false

    func validate() throws {
        if SuiteModel(rawValue: model) == nil {
            throw ValidationError("unknown model \"\(model)\"; choose one of \(SuiteModel.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        if size < 8 || size > 512 { throw ValidationError("--size must be between 8 and 512, got \(size).") }
        if channels != 1 && channels != 3 { throw ValidationError("--channels must be 1 or 3, got \(channels).") }
        if !(testFraction > 0 && testFraction < 1) { throw ValidationError("--test-fraction must be between 0 and 1, got \(testFraction).") }
        if let e = epochs, e < 1 { throw ValidationError("--epochs must be at least 1, got \(e).") }
    }

    func run() throws {
        try guarded {
            let kind = SuiteModel(rawValue: model)!
            let loaded = try loadDataset(spec: data, options: DataLoadOptions(testFraction: testFraction, seed: seed, imageWidth: size,
                                                                              imageHeight: size, imageChannels: channels))
            if !loaded.skippedFiles.isEmpty { note("skipped \(loaded.skippedFiles.count) files that are not images (first: \(loaded.skippedFiles[0]))") }
            let (train, test) = (loaded.train, loaded.test)
            guard let shape = train.imageShape else {
                throw SavedModelError(description: "\(data) holds feature rows, not images; cvd trains on images")
            }
            note("\(loaded.source): \(train.count) training and \(test.count) held-out images of \(shape), \(train.classCount) classes")
            let checkpointPath = checkpoint ?? (resume ? out + "/training-checkpoint.safetensors" : nil)
            let classifier = try makeSuiteModel(kind, imageShape: shape, seed: seed, epochs: epochs,
                                                checkpoint: kind.isNetwork ? checkpointPath.map { CheckpointSettings(path: $0, resume: resume) } : nil)
            let e = try evaluate(classifier, on: train, test, onEpoch: { m in
                note(String(format: "epoch %d: train loss %.4f, held-out accuracy %.4f", m.epoch, m.trainLoss, m.testAccuracy ?? 0))
            }, onResume: { epoch, of in note("resumed from the checkpoint after epoch \(epoch) of \(of)") })
            let card = ModelCard(model: kind.rawValue, seed: seed, epochs: kind.isNetwork ? (epochs ?? networkOptions(kind, seed: seed).epochs) : nil,
                                 quick: false, classNames: train.classNames, imageShape: [shape.channels, shape.height, shape.width],
                                 trainedOn: loaded.source, trainingSamples: train.count, heldOutAccuracy: e.testAccuracy)
            try saveModel(e.model, card: card, training: train, to: out)
            print(String(format: "trained %@ on %d images: held-out accuracy %.4f (%d images), fit %.1f s; saved to %@",
                         kind.rawValue, train.count, e.testAccuracy, test.count, e.fitSeconds, out))
        }
    }
}

// MARK: - classify

struct Classify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify every image in a folder (and its sub-folders) with a saved model; print file, label, probability.")

    @Option(help: "Folder of a model saved by `cvd train`.")
    var model: String

    @Argument(help: "Folder of images (PNG, JPEG, PPM/PGM), or one image file.")
    var images: String

    @Flag(help: "Print CSV with a header: file,label,probability.")
    var csv = false

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
            let best = p.rowArgmax()
            if csv { print("file,label,probability") }
            let width = min(60, files.map(\.name.count).max() ?? 4)
            for (i, file) in files.enumerated() {
                let label = card.classNames[best[i]]
                let probability = String(format: "%.4f", p[i, best[i]])
                if csv {
                    print([file.name, label].map(csvField).joined(separator: ",") + "," + probability)
                } else {
                    print(file.name.padding(toLength: max(width, file.name.count), withPad: " ", startingAt: 0) + "  " + label + "  " + probability)
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
    static let configuration = CommandConfiguration(abstract: "List the models `cvd train` knows, with their settings.")
    func run() throws {
        for m in SuiteModel.allCases { print("\(m.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0))\(m.settings())") }
    }
}

// MARK: - run

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run experiments (default: all, in order) into <results>/<name>, then regenerate <results>/README.md.",
        discussion: "The experiment executables are looked for beside this one. Extra options after -- go to every experiment.")

    @Argument(help: "Experiments to run: toy2d, digits, bovw, capacity (default: all).")
    var experiments: [String] = []

    @Option(help: "The results folder.")
    var results: String = "results"

    @Option(help: "Seed passed to every experiment.")
    var seed: UInt64 = 0

    @Flag(help: "Run the small versions.")
    var quick = false

    static let order = ["toy2d", "digits", "bovw", "capacity"]

    func validate() throws {
        for e in experiments where !Run.order.contains(e) {
            throw ValidationError("unknown experiment \"\(e)\"; choose from \(Run.order.joined(separator: ", ")).")
        }
    }

    func run() throws {
        try guarded {
            let folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            let clock = Stopwatch()
            for name in experiments.isEmpty ? Run.order : experiments {
                let exe = folder.appendingPathComponent(name)
                guard FileManager.default.isExecutableFile(atPath: exe.path) else {
                    throw SavedModelError(description: "the \(name) executable is not beside cvd (\(folder.path)); build the package first")
                }
                note("==> \(name)")
                let process = Process()
                process.executableURL = exe
                process.arguments = ["--out", results + "/" + name, "--seed", String(seed)] + (quick ? ["--quick"] : [])
                try process.run()
                process.waitUntilExit()
                guard process.terminationStatus == 0 else { throw ExitCode(process.terminationStatus) }
            }
            try writeResultsReadme(results: results)
            note(String(format: "ran %d experiment(s) in %.0f s; wrote %@/README.md", (experiments.isEmpty ? Run.order : experiments).count, clock.seconds, results))
        }
    }
}

// MARK: - report

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Regenerate <results>/README.md: every Markdown table inline and every PNG embedded.")

    @Option(help: "The results folder.")
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

CVD.mainReportingOneSentence()
