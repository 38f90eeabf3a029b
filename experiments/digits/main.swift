// digits: classical versus deep on digit images. Logistic regression (on the pixels and on their
// principal components), 5-NN, linear and RBF-kernel SVMs on the pixels, HOG + RBF SVM, bag of
// visual words (hard histogram and triangle code), an MLP, LeNet-5 and a small VGG network with batch
// norm, all fitted on the same stratified split and measured the same way.
//
// What the table shows (seed 0, every model tuned on a validation part): on MNIST-5k (4,000
// training / 1,000 test digits) the pixel-level linear models and 5-NN stop near 90–94 % and the RBF
// SVM at 95.8 %; local features (HOG 97.9 %, visual words 97.8 %, dense SIFT with Fisher vectors
// 98.3 %) and the convolutional networks (LeNet-5 97.9 %, small VGG 97.3 %), which all look at small
// patches, meet near 98 %. On Fashion-MNIST (60,000 / 10,000) the pixel models stop at 84–90 %,
// HOG with the pixels and an RBF SVM reaches 92.65 %, Fisher vectors 91.6 %, LeNet-5 93.0 % and the
// small VGG 93.1 %.
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
            Writes to <out>/<dataset>/: comparison.csv/.md (model, test and train accuracy, learned values, fit, predict \
            and tuning seconds), models.csv/.md (features and settings of each model), confusion-<model>.csv/.md with a heat map \
            confusion-<model>.ppm/.png per model, learning-curve-<model>.csv per network and learning-curves.ppm/.png. \
            Default data: the embedded MNIST-5k, split 4,000/1,000 stratified with --seed.

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
            let progress = Progress(experiment: "digits", steps: chosen.count)
            // The output folder is taken (and checked) before any work; the run writes into its staging folder.
            let output = try OutputFolder(options.outputFolder(default: "digits") + "/" + dataFolderName(options.data))
            let data = try loadExperimentData(options.data, seed: options.seed, quick: options.quick, quickSizes: quickSizes)
            let out = output.staging
            let (train, test) = (data.train, data.test)
            progress.note("\(data.source): \(train.count) training, \(test.count) test samples, \(train.featureCount) features, \(train.classCount) classes")
            // Full runs always checkpoint (a long Fashion-MNIST training interrupted by Ctrl-C can then go
            // on with --resume); quick runs, which take seconds, only when asked.
            let checkpointFolder = checkpoints ?? (resume || !options.quick ? "checkpoints/digits/\(data.name)\(options.quick ? "-quick" : "")" : nil)
            if let folder = checkpointFolder { progress.note("checkpoints: \(folder)/<model>.safetensors\(resume ? " (resuming where present)" : "")") }

            var comparison = Table(columns: ["model", "test_accuracy", "train_accuracy", "parameters", "fit_seconds", "predict_seconds",
                                             "tune_seconds"])
            var described = Table(columns: ["model", "features", "parameters", "settings", "grid", "chosen", "validation_accuracy", "tuning",
                                            "description"])
            var tuningTable = Table(columns: ["model", "trial", "settings", "validation_accuracy", "chosen", "seconds"])
            let budget = TuningBudget()
            var curves: [(name: String, curve: LearningCurve)] = []
            for entry in chosen {
                let base = try settings.settings(for: entry, quick: options.quick)
                if entry.input == .images && train.imageShape == nil {
                    progress.step("\(entry.rowName(base)): skipped, the data are feature rows, not images")
                    continue
                }
                let fitSet = entry.name.hasPrefix("bovw")
                    ? try stratifiedSubset(train, count: bagOfWordsTrainingCap, seed: options.seed) : train
                if fitSet.count < train.count { progress.note("\(entry.rowName(base)): fitting on \(fitSet.count) of the \(train.count) training samples") }
                // The grid without the settings given on the command line; the test set takes no part.
                let grid = noTuning ? TuningGrid() : tuningGrid(entry, fixing: Set(try settings.values(for: entry).keys))
                let context = BuildContext(imageShape: train.imageShape, seed: options.seed)
                let tuned = try tune(entry, grid: grid, base: base, train: fitSet, context: context, budget: budget, note: progress.note)
                let values = tuned?.settings ?? base
                let row = entry.rowName(values)
                let checkpoint = checkpointFolder.map { CheckpointSettings(path: "\($0)/\(row).safetensors", resume: resume) }
                let earlyStopping = entry.isNetwork && self.earlyStopping
                    ? EarlyStopping(validationFraction: Double(budget.validationCount(of: fitSet.count)) / Double(fitSet.count), patience: budget.patience)
                    : nil
                // The learning curves take the training figures as running means over each epoch's batches
                // (a further pass over the whole training set would cost a quarter of LeNet-5's training time).
                let model = try entry.build(values, BuildContext(imageShape: train.imageShape, seed: options.seed,
                                                                 checkpoint: entry.isNetwork ? checkpoint : nil, earlyStopping: earlyStopping,
                                                                 evaluateTrainingSet: false))
                progress.note("\(row): \(entry.describe(values))\(tuned.map { " (chosen: \($0.chosenText))" } ?? "")")
                let e = try evaluate(model, on: fitSet, test, progress: ProgressReporter(label: row), onResume: { epoch, of in
                    progress.note("\(row): resumed from its checkpoint after epoch \(epoch) of \(of)")
                })
                for line in trainingNotes(e.model) { progress.note(line) }
                comparison.append([.text(row), .fraction(e.testAccuracy), .fraction(e.trainAccuracy ?? 0), .int(e.parameters),
                                   .seconds(e.fitSeconds), .seconds(e.predictSeconds), .seconds(tuned?.seconds ?? 0)])
                described.append([.text(row), .int(classifierFeatureCount(e.model, inputCount: train.featureCount)),
                                  .int(e.parameters), .text(entry.describe(values)), .text(tuned?.grid.text ?? "—"),
                                  .text(tuned?.chosenText ?? "—"), tuned.map { .fraction($0.chosenTrial.validationAccuracy) } ?? .text("—"),
                                  .text(tuningBudgetText(tuned, entry: entry, trainCount: fitSet.count, budget: budget, earlyStopping: self.earlyStopping)), .text(entry.summary)])
                if let tuned {
                    for (i, t) in tuned.trials.enumerated() {
                        let words = tuned.grid.axes.compactMap { a in t.values[a.name].map { "\(a.name)=\($0)" } }.joined(separator: " ")
                        tuningTable.append([.text(row), .int(i + 1), .text(words), .fraction(t.validationAccuracy),
                                            .text(i == tuned.chosen ? "yes" : ""), .seconds(t.seconds)])
                    }
                }
                let counts = try confusionMatrix(predicted: e.testPredictions, actual: test.labels, classCount: test.classCount)
                try confusionTable(counts, classNames: test.classNames).write(to: out, stem: "confusion-\(row)")
                let heat = confusionHeatMap(counts, classNames: test.classNames,
                                            title: String(format: "%@ on %@: test accuracy %.4f", row, data.name, e.testAccuracy))
                try writeFigure(heat, to: out, stem: "confusion-\(row)")
                if let curve = e.learningCurve {
                    try curve.write(to: out + "/learning-curve-\(row).csv")
                    curves.append((row, curve))
                }
                progress.step(String(format: "%@: test accuracy %.4f, train %.4f, fit %.2f s, predict %.2f s",
                                     row, e.testAccuracy, e.trainAccuracy ?? 0, e.fitSeconds, e.predictSeconds))
            }
            if !curves.isEmpty {
                var series: [Series] = []
                for (name, curve) in curves {
                    series.append(Series(name: "\(name) train", points: curve.epochs.map { (Double($0.epoch), $0.trainAccuracy) }))
                    series.append(Series(name: "\(name) test", points: curve.epochs.map { (Double($0.epoch), $0.testAccuracy ?? 0) }))
                }
                let lowest = series.flatMap(\.points).map(\.y).min() ?? 0
                let chart = lineChart(series, title: "Learning curves on \(data.name)", xLabel: "EPOCH", yLabel: "ACC",
                                      yRange: (min(lowest, 0.9) - 0.01)...1.0)
                try writeFigure(chart, to: out, stem: "learning-curves")
            }
            try described.write(to: out, stem: "models")
            if !tuningTable.rows.isEmpty { try tuningTable.write(to: out, stem: "tuning") }
            try comparison.write(to: out, stem: "comparison")
            try output.commit()
            progress.note("wrote \(output.path)/comparison.csv and the confusion matrices\(curves.isEmpty ? "" : " and learning curves")")
        }
    }
}

DigitsExperiment.mainReportingOneSentence()
