// digits: classical versus deep on digit images. Logistic regression (on the pixels and on their
// principal components), 5-NN, linear and RBF-kernel SVMs on the pixels, HOG + RBF SVM, bag of
// visual words (hard histogram and triangle code), an MLP, LeNet-5 and a small VGG network with batch
// norm, all fitted on the same stratified split and measured the same way.
//
// What the table shows (MNIST-5k: the mean of 5 seeds, each its own 4,000 / 1,000 split and its own
// tuning on a validation part): the pixel-level linear models stop near 90 % (logistic regression
// 90.0 %, linear SVM 89.8 %), 5-NN at 93.1 %, the RBF SVM at 96.0 %; local features (HOG 98.0 %,
// visual words 98.2 % hard / 97.2 % triangle, dense SIFT with Fisher vectors 98.7 %) and the
// convolutional networks (LeNet-5 98.2 %, small VGG 97.8 %), which all look at small patches, meet
// near 98 %; the paired t-test across the seeds puts the Fisher vectors ahead of LeNet-5 (p = 0.031,
// Holm-corrected over the 66 pairs). On Fashion-MNIST (60,000 / 10,000, the mean of 3 seeds) the
// pixel models stop at 84–90 %, HOG with an RBF SVM reaches 92.65 %, Fisher vectors 91.6 %, LeNet-5
// 93.1 % and the small VGG 93.1 %; HOG against LeNet-5 is no significant difference (p = 0.151).
import ArgumentParser
import Classifiers
import Datasets
import Experiments
import BagOfWords
import Foundation
import ImageFiles
import NeuralNetworks
import Plots
import Tensors

// MARK: - The experiment's constants
// The models, in table order: the model catalogue (logreg, pca-logreg, knn, svm-linear, svm-rbf, hog-svm,
// bovw-hist, bovw-triangle, sift-fv-svm, mlp, lenet5, vgg-small),
// with its default settings (shared with the command-line tool); every setting can be changed by an option.
let quickSizes = (train: 1000, test: 300)
/// Fashion-MNIST has 60,000 training images: the bag-of-words pipelines learn from this many of
/// them (stratified), as the benchmark does; every other model sees all of them.
let bagOfWordsTrainingCap = 10_000

struct DigitsExperiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digits",
        abstract: "Classical vs deep on digit images: logistic regression, k-NN, SVMs, HOG, bag of visual words, MLP, LeNet-5, small VGG.",
        discussion: """
            Writes to <out>/<dataset>/: comparison.csv/.md (per model over the seeds: n, and the mean, standard deviation \
            and 95% Student-t confidence interval of test and train accuracy, learned values, fit, predict and tuning seconds), \
            comparison-seeds.csv (one row per model and seed), correct-seeds.csv (which test images each model got right), \
            significance.csv/.md (every pair of models: McNemar's exact test per seed, the paired t-test across seeds, \
            Holm-corrected; the best classical against the best deep model first), models.csv/.md (features and settings of \
            each model, the choice of each seed), tuning.csv/.md (every trial of every seed), confusion-<model>.csv/.md with a heat \
            map confusion-<model>.ppm/.png per model (summed over the seeds), learning-curve-<model>.csv per network (a seed \
            column with several seeds) and learning-curves.ppm/.png (mean ± sd over the seeds). \
            Default data: the embedded MNIST-5k, split 4,000/1,000 stratified with each seed; default seeds: 0 (--seeds 0-4 for five).

            Tuning: each model chooses its settings from the small grid of its catalogue entry (see `cvd models` and \
            models.md): a stratified tenth of the training set (at most 5,000) is held out, each grid point is fitted on at \
            most 10,000 of the rest (networks for a few epochs) and scored on it, and the best wins (the model's own \
            default stays within one standard error). Every model then fits the whole training set with the chosen values \
            (networks for their epochs; with --early-stopping they hold the validation part out and keep the epoch of best \
            validation accuracy). The test set never takes part. models.md/.csv show grid, choice, validation accuracy and budget; tuning.csv/.md every trial. \
            A setting given on the command line is not tuned; --no-tuning fits the defaults.

            Checkpoints: the networks (mlp, lenet5, vgg-small) save their whole training state after every epoch to \
            <checkpoints>/<model>.safetensors (default folder: checkpoints/digits/<dataset>, beside results/, not in it; \
            with --quick only when --checkpoints or --resume asks, as checkpoints/digits/<dataset>-quick). --resume continues each network \
            from its checkpoint after an interruption (Ctrl-C, a killed run) and ends with the same bits as an uninterrupted \
            run; the checkpoint of a finished training gives its model back without training. The other models are fitted \
            again (they take seconds). Resuming refuses a checkpoint made with other settings, data or seed and names what \
            differs; delete the checkpoint to start afresh.
            """)

    @OptionGroup var options: ExperimentOptions

    @Option(help: "Comma-separated models to run (default: all of \(ModelCatalog.names.joined(separator: ", "))).")
    var models: String?

    @OptionGroup(title: "Model settings (each applies to the chosen models that have it; see `cvd models`)")
    var settings: SettingOptions

    @Option(help: ArgumentHelp("Save each network's training state after every epoch in this folder (default: checkpoints/digits/<dataset>; with --quick, off unless --resume is given).", valueName: "dir"))
    var checkpoints: String?

    @Flag(help: "Continue each network's training from its checkpoint (same final results as an uninterrupted run); train from the start where there is none.")
    var resume = false

    @Flag(name: .customLong("early-stopping"),
          help: "Networks hold the validation part out of their final training too and keep the epoch of best validation accuracy (default: they train on the whole training set for their epochs).")
    var earlyStopping = false

    @Flag(name: .customLong("no-tuning"),
          help: "Fit every model with its default (or given) settings instead of choosing them from its grid on a validation part of the training set.")
    var noTuning = false

    func validate() throws {
        do {
            try settings.check(against: try chosenModels(), context: "this run")
        } catch let e as SettingError {
            throw ValidationError(e.description + ".")
        }
    }

    /// The models of --models (default: the whole catalogue), in the order given.
    func chosenModels() throws -> [ModelEntry] {
        guard let list = models else { return ModelCatalog.entries }
        return try list.split(separator: ",", omittingEmptySubsequences: false).map { name in
            do { return try ModelCatalog.entry(String(name)) } catch let e as SettingError {
                throw SettingError(e.description.replacingOccurrences(of: "unknown model", with: "unknown model in --models:"))
            }
        }
    }

    func run() throws {
        runExperiment("digits") {
            options.applyThreads()
            let chosen = try chosenModels()
            let seeds = options.seeds()
            let progress = Progress(experiment: "digits", steps: chosen.count * seeds.count)
            // The output folder is taken (and checked) before any work; the run writes into its staging folder.
            let output = try OutputFolder(options.outputFolder(default: "digits") + "/" + dataFolderName(options.data))
            try output.recordCommand()
            let out = output.staging
            var results = Table(columns: ["model", "family", "seed", "test_accuracy", "train_accuracy", "parameters", "fit_seconds",
                                          "predict_seconds", "tune_seconds"])
            var correct = Table(columns: ["model", "family", "seed", "test_count", "test_fingerprint", "correct"])
            var tuningTable = Table(columns: ["model", "seed", "trial", "settings", "validation_accuracy", "chosen", "seconds"])
            // Per model (in table order): what models.md shows, gathered over the seeds.
            var described: [String: (first: [Cell], chosen: [(UInt64, String)], validation: [Double])] = [:]
            var rowOrder: [String] = []
            var confusions: [String: [[Int]]] = [:]
            var curves: [String: [LearningCurve]] = [:]
            var dataName = "", classNames: [String] = []
            for seed in seeds {
                let data = try loadExperimentData(options.data, seed: seed, quick: options.quick, quickSizes: quickSizes)
                let (train, test) = (data.train, data.test)
                (dataName, classNames) = (data.name, test.classNames)
                progress.note("\(data.source)\(seeds.count > 1 ? " (seed \(seed))" : ""): \(train.count) training, \(test.count) test samples, \(train.featureCount) features, \(train.classCount) classes")
                let fingerprint = testSetFingerprint(labels: test.labels, features: test.features.data)
                // Full runs always checkpoint (a long Fashion-MNIST training interrupted by Ctrl-C can then go
                // on with --resume); quick runs, which take seconds, only when asked. Several seeds: one sub-folder each.
                let checkpointFolder = (checkpoints ?? (resume || !options.quick ? "checkpoints/digits/\(data.name)\(options.quick ? "-quick" : "")" : nil))
                    .map { seeds.count > 1 ? "\($0)/seed-\(seed)" : $0 }
                if let folder = checkpointFolder { progress.note("checkpoints: \(folder)/<model>.safetensors\(resume ? " (resuming where present)" : "")") }
                let budget = TuningBudget()
                // The first seed's test set as pictures: its pixels embedded in 2-D (the models add theirs).
                let pictures = seed == seeds.first && test.imageShape != nil
                if pictures { try writeEmbedding(test.features, labels: test.labels, classNames: test.classNames, of: "pixels",
                                                 what: "test images as pixels", dataName: data.name, seed: seed, to: out) }
                for entry in chosen {
                    let base = try settings.settings(for: entry, quick: options.quick)
                    if entry.input == .images && train.imageShape == nil {
                        progress.step("\(entry.rowName(base)): skipped, the data are feature rows, not images")
                        continue
                    }
                    let fitSet = entry.name.hasPrefix("bovw")
                        ? try stratifiedSubset(train, count: bagOfWordsTrainingCap, seed: seed) : train
                    if fitSet.count < train.count { progress.note("\(entry.rowName(base)): fitting on \(fitSet.count) of the \(train.count) training samples") }
                    // The grid without the settings given on the command line; the test set takes no part.
                    let grid = noTuning ? TuningGrid() : tuningGrid(entry, fixing: Set(try settings.values(for: entry).keys))
                    let context = BuildContext(imageShape: train.imageShape, seed: seed)
                    let tuned = try tune(entry, grid: grid, base: base, train: fitSet, context: context, budget: budget, note: progress.note)
                    let values = tuned?.settings ?? base
                    // The row keeps the name of the default settings, so that seeds choosing differently share a row.
                    let row = entry.rowName(base)
                    let checkpoint = checkpointFolder.map { CheckpointSettings(path: "\($0)/\(entry.rowName(values)).safetensors", resume: resume) }
                    let earlyStopping = entry.isNetwork && self.earlyStopping
                        ? EarlyStopping(validationFraction: Double(budget.validationCount(of: fitSet.count)) / Double(fitSet.count), patience: budget.patience)
                        : nil
                    // The learning curves take the training figures as running means over each epoch's batches
                    // (a further pass over the whole training set would cost a quarter of LeNet-5's training time).
                    let model = try entry.build(values, BuildContext(imageShape: train.imageShape, seed: seed,
                                                                     checkpoint: entry.isNetwork ? checkpoint : nil, earlyStopping: earlyStopping,
                                                                     evaluateTrainingSet: false))
                    progress.note("\(row): \(entry.describe(values))\(tuned.map { " (chosen: \($0.chosenText))" } ?? "")")
                    let e = try evaluate(model, on: fitSet, test, progress: ProgressReporter(label: row), onResume: { epoch, of in
                        progress.note("\(row): resumed from its checkpoint after epoch \(epoch) of \(of)")
                    })
                    for line in trainingNotes(e.model) { progress.note(line) }
                    let family = entry.isNetwork ? "deep" : "classical"
                    results.append([.text(row), .text(family), .int(Int(seed)), .fraction(e.testAccuracy), .fraction(e.trainAccuracy ?? 0),
                                    .int(e.parameters), .seconds(e.fitSeconds), .seconds(e.predictSeconds), .seconds(tuned?.seconds ?? 0)])
                    correct.append([.text(row), .text(family), .int(Int(seed)), .int(test.count), .text(fingerprint),
                                    .text(CorrectBits.encode(zip(e.testPredictions, test.labels).map { $0 == $1 }))])
                    if described[row] == nil {
                        rowOrder.append(row)
                        described[row] = ([.text(row), .int(classifierFeatureCount(e.model, inputCount: train.featureCount)),
                                           .int(e.parameters), .text(entry.describe(values)), .text(tuned?.grid.text ?? "—")], [], [])
                    }
                    if let tuned {
                        described[row]!.chosen.append((seed, tuned.chosenText))
                        described[row]!.validation.append(tuned.chosenTrial.validationAccuracy)
                        for (i, t) in tuned.trials.enumerated() {
                            let words = tuned.grid.axes.compactMap { a in t.values[a.name].map { "\(a.name)=\($0)" } }.joined(separator: " ")
                            tuningTable.append([.text(row), .int(Int(seed)), .int(i + 1), .text(words), .fraction(t.validationAccuracy),
                                                .text(i == tuned.chosen ? "yes" : ""), .seconds(t.seconds)])
                        }
                    }
                    if described[row]!.first.count == 5 {
                        described[row]!.first += [.text(tuningBudgetText(tuned, entry: entry, trainCount: fitSet.count, budget: budget, earlyStopping: self.earlyStopping)),
                                                  .text(entry.summary)]
                    }
                    let counts = try confusionMatrix(predicted: e.testPredictions, actual: test.labels, classCount: test.classCount)
                    confusions[row] = confusions[row].map { zip($0, counts).map { zip($0, $1).map { $0 + $1 } } } ?? counts
                    if let curve = e.learningCurve { curves[row, default: []].append(curve) }
                    if pictures, let shape = test.imageShape {
                        try writeMistakes(e, row: row, test: test, shape: shape, dataName: data.name, seed: seed, to: out)
                        if let hog = e.model as? Pipeline, entry.name == "hog-svm" {
                            try writeEmbedding(try hog.features(test.features), labels: test.labels, classNames: test.classNames, of: "hog",
                                               what: "test images as HOG features", dataName: data.name, seed: seed, to: out)
                        }
                        if let network = e.model as? NeuralNetworkClassifier, let layers = network.model?.layers.count, layers > 1 {
                            let hidden = try network.activations(test.features, throughLayers: layers - 1)
                            try writeEmbedding(hidden, labels: test.labels, classNames: test.classNames, of: row,
                                               what: "\(row)'s last hidden layer (\(hidden.cols) units)",
                                               dataName: data.name, seed: seed, to: out)
                        }
                    }
                    progress.step(String(format: "%@%@: test accuracy %.4f, train %.4f, fit %.2f s, predict %.2f s", row,
                                         seeds.count > 1 ? " (seed \(seed))" : "", e.testAccuracy, e.trainAccuracy ?? 0, e.fitSeconds, e.predictSeconds))
                }
            }
            for row in rowOrder {
                guard let counts = confusions[row] else { continue }
                try confusionTable(counts, classNames: classNames).write(to: out, stem: "confusion-\(row)")
                let total = counts.joined().reduce(0, +), right = counts.indices.map { counts[$0][$0] }.reduce(0, +)
                let heat = confusionHeatMap(counts, classNames: classNames,
                                            title: String(format: "%@ on %@: test accuracy %.4f%@", row, dataName, Double(right) / Double(max(1, total)),
                                                          seeds.count > 1 ? " over \(seeds.count) seeds (counts summed)" : ""))
                try writeFigure(heat, to: out, stem: "confusion-\(row)")
            }
            try writeCurves(curves, order: rowOrder, dataName: dataName, seeds: seeds, to: out)
            try perClassTable(confusions, order: rowOrder, classNames: classNames).write(to: out, stem: "per-class")
            var models = Table(columns: ["model", "features", "parameters", "settings", "grid", "chosen", "validation_accuracy", "tuning",
                                         "description"])
            for row in rowOrder {
                guard let d = described[row] else { continue }
                let chosenText = d.chosen.isEmpty ? "—" : chosenSummary(d.chosen, seeds: seeds.count)
                let validation: Cell = d.validation.isEmpty ? .text("—") : .fraction(Summary(d.validation).mean)
                models.append(Array(d.first[..<5]) + [.text(chosenText), validation] + Array(d.first[5...]))
            }
            try models.write(to: out, stem: "models")
            if !tuningTable.rows.isEmpty { try tuningTable.write(to: out, stem: "tuning") }
            let headline = try SeedRuns(results: results, correct: correct).write(to: out, stem: "comparison")
            try output.commit()
            for line in headline { progress.note(line) }
            progress.note("wrote \(output.path)/comparison.csv (\(seeds.count) seed\(seeds.count == 1 ? "" : "s")), significance.csv, the confusion matrices\(curves.isEmpty ? "" : " and learning curves")")
        }
    }

    /// The settings each seed chose, grouped: "C=10 (seeds 0, 2, 3); C=1 (seeds 1, 4)", or the one choice.
    func chosenSummary(_ chosen: [(UInt64, String)], seeds: Int) -> String {
        var order: [String] = [], bySetting: [String: [UInt64]] = [:]
        for (seed, text) in chosen {
            if bySetting[text] == nil { order.append(text) }
            bySetting[text, default: []].append(seed)
        }
        if order.count == 1 { return order[0] + (seeds > 1 ? " (every seed)" : "") }
        return order.map { "\($0) (seed\(bySetting[$0]!.count > 1 ? "s" : "") \(bySetting[$0]!.map(String.init).joined(separator: ", ")))" }.joined(separator: "; ")
    }

    /// per-class.csv/.md: each class's test accuracy (recall: the share of its test images predicted as
    /// it, over every seed) under each model, and the class's count.
    func perClassTable(_ confusions: [String: [[Int]]], order: [String], classNames: [String]) -> Table {
        let rows = order.filter { confusions[$0] != nil }
        var table = Table(columns: ["class", "test_images"] + rows)
        for (c, name) in classNames.enumerated() {
            let count = confusions[rows.first ?? ""].map { $0[c].reduce(0, +) } ?? 0
            table.append([.text(name), .int(count)] + rows.map { row in
                let counts = confusions[row]![c]
                return .fraction(Double(counts[c]) / Double(max(1, counts.reduce(0, +))))
            })
        }
        return table
    }

    /// mistakes-<model>.png/.svg: the model's most confident mistakes on the test set (highest
    /// probability given to the wrong class; ties in test order), each image with its true and
    /// predicted class and that probability.
    func writeMistakes(_ e: Evaluation, row: String, test: Dataset, shape: ImageShape, dataName: String, seed: UInt64, to out: String,
                       count: Int = 24) throws {
        let wrong = test.labels.indices.filter { e.testPredictions[$0] != test.labels[$0] }
        let confidence = { (i: Int) in e.testProbabilities[i, e.testPredictions[i]] }
        let chosen = wrong.sorted { (confidence($0), $1) > (confidence($1), $0) }.prefix(count)
        let names = test.classNames
        let items = chosen.map { i -> (image: Image, caption: [String]) in
            let row = Array(test.features.data[(i * test.featureCount)..<((i + 1) * test.featureCount)])
            return (Image(planarFloats: row, channels: shape.channels, height: shape.height, width: shape.width),
                    ["true: \(names[test.labels[i]])", String(format: "pred: %@ (p %.2f)", names[e.testPredictions[i]], confidence(i))])
        }
        let which: String
        switch wrong.count {
        case 0: which = "no mistakes"
        case items.count: which = "all \(wrong.count) mistake\(wrong.count == 1 ? "" : "s"), most confident first"
        default: which = "the \(items.count) most confident of \(wrong.count) mistakes"
        }
        let title = "\(row) on \(dataName): \(which) (seed \(seed); p: the prediction's probability)"
        try writeFigure(mistakesGallery(items, columns: 8, title: title), to: out, stem: "mistakes-\(row)", ppm: false)
    }

    /// embedding-<of>.png/.svg: `features` (one row per test image) projected on their first two
    /// principal components, coloured by class.
    func writeEmbedding(_ features: Matrix, labels: [Int], classNames: [String], of name: String, what: String,
                        dataName: String, seed: UInt64, to out: String) throws {
        var pca = try PCA(components: 2, seed: seed)
        try pca.fit(features)
        let z = try pca.transform(features)
        guard z.cols == 2 else { return }
        let shown = pca.explainedVarianceRatio.prefix(2).map { String(format: "%.1f %%", 100 * $0) }
        let points = (0..<z.rows).map { (x: Double(z[$0, 0]), y: Double(z[$0, 1])) }
        let chart = scatterChart(points, labels: labels, classNames: classNames,
                                 title: "\(dataName), \(what): PCA (seed \(seed))",
                                 xLabel: "component 1 (\(shown.first ?? "") of the variance)", yLabel: "component 2 (\(shown.last ?? ""))")
        try writeFigure(chart, to: out, stem: "embedding-\(name)", ppm: false)
    }

    /// learning-curve-<model>.csv (the first seed's curve, with a seed column per extra seed's rows) and
    /// learning-curves.png: the mean accuracy per epoch over the seeds, with ±1 standard deviation bars.
    func writeCurves(_ curves: [String: [LearningCurve]], order: [String], dataName: String, seeds: [UInt64], to out: String) throws {
        guard !curves.isEmpty else { return }
        var series: [(accuracy: Series, loss: Series, model: Int, dashed: Bool?)] = []
        var modelCount = 0
        for row in order {
            guard let list = curves[row], let first = list.first else { continue }
            defer { modelCount += 1 }
            if list.count == 1 {
                try first.write(to: out + "/learning-curve-\(row).csv")
            } else {
                // One block per seed: "seed,<the curve's columns>".
                var text = ""
                for (seed, c) in zip(seeds, list) {
                    let lines = c.csv.split(separator: "\n", omittingEmptySubsequences: false)
                    if text.isEmpty { text = "seed," + lines[0] + "\n" }
                    for l in lines.dropFirst() where !l.isEmpty { text += "\(seed),\(l)\n" }
                }
                try writeFileAtomically(text, to: out + "/learning-curve-\(row).csv")
            }
            let epochs = list.map(\.epochs.count).min() ?? 0
            func line(_ name: String, _ value: (EpochMetrics) -> Double) -> Series {
                let stats = (0..<epochs).map { i in Summary(list.map { value($0.epochs[i]) }) }
                return Series(name: name, points: (0..<epochs).map { (Double(first.epochs[$0].epoch), stats[$0].mean) },
                              errors: list.count > 1 ? stats.map { $0.std ?? 0 } : nil)
            }
            let validated = list.allSatisfy { $0.epochs.prefix(epochs).allSatisfy { $0.validationAccuracy != nil } }
            let model = modelCount
            series.append((line("\(row) train", { $0.trainAccuracy }), line("\(row) train", { $0.trainLoss }), model, true))
            if validated {
                series.append((line("\(row) validation", { $0.validationAccuracy ?? 0 }), line("\(row) validation", { $0.validationLoss ?? 0 }), model, nil))
            }
            series.append((line("\(row) test", { $0.testAccuracy ?? 0 }), line("\(row) test", { $0.testLoss ?? 0 }), model, false))
        }
        // A model's color; training dashed, validation dotted, test solid.
        func styled(_ s: Series, _ model: Int, _ dashed: Bool?) -> Series {
            var s = s
            s.colorIndex = model
            s.dashed = dashed ?? false
            s.dotted = dashed == nil
            return s
        }
        let accuracy = series.map { styled($0.accuracy, $0.model, $0.dashed) }
        let loss = series.map { styled($0.loss, $0.model, $0.dashed) }
        let over = seeds.count > 1 ? " (mean, ± sd over \(seeds.count) seeds)" : ""
        // The lowest and highest value drawn, error bars included.
        func extent(_ lines: [Series]) -> (low: Double, high: Double) {
            let values = lines.flatMap { s in s.points.indices.flatMap { i in [s.points[i].y - (s.errors?[i] ?? 0), s.points[i].y + (s.errors?[i] ?? 0)] } }
            return (values.min() ?? 0, values.max() ?? 1)
        }
        // The accuracy axis starts a little below the lowest point and its error bar (at most 0.9),
        // so that the curves near 1.0 are told apart, and ends a little above 1.0, so that a curve
        // at 1.0 is not drawn on the frame.
        let floor = ((min(extent(accuracy).low, 0.9) - 0.005) * 50).rounded(.down) / 50
        try writeFigure(lineChart(accuracy, title: "Accuracy per epoch on \(dataName)\(over)", xLabel: "epoch", yLabel: "accuracy",
                                  yRange: max(0, floor)...1.005),
                        to: out, stem: "learning-curves")
        // A loss is never negative: its axis starts at 0.
        try writeFigure(lineChart(loss, title: "Cross-entropy loss per epoch on \(dataName)\(over)", xLabel: "epoch",
                                  yLabel: "mean cross-entropy loss", yRange: 0...(max(extent(loss).high, 0.01) * 1.05)),
                        to: out, stem: "loss-curves")
    }
}

DigitsExperiment.mainReportingOneSentence()
