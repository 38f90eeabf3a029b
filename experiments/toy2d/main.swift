// toy2d: the lectures' toy 2-D cases ("can logistic regression handle these?"). Four two-class
// problems × logistic regression, 5-NN and one-hidden-layer networks of logistic units (2, 3, 4, 10),
// as an accuracy table and one decision-boundary picture per (problem, model), plus a montage.
//
// What the table shows: logistic regression stays near the majority-class rate on Four Gaussians
// and Two Pockets (no line separates them), k-NN fits all four, and on Two Pockets a network needs
// more than two hidden units to enclose both pockets.
import ArgumentParser
import Classifiers
import Datasets
import Experiments
import Foundation
import ImageFiles
import NeuralNetworks
import Plots
import Tensors

// MARK: - The experiment's constants
let trainCount = 1000          // training points per problem (half per class)
let testCount = 1000           // fresh test points per problem, drawn with another seed
let testSeedOffset: UInt64 = 1_000
let hiddenSizes = [2, 3, 4, 10]
let resolution = 200           // decision-boundary pictures: 200×200 model evaluations
let quickScale = (train: 200, test: 300, resolution: 64, epochs: 60)
/// Seeds of a run without --seed/--seeds: five independent draws of every problem and model.
let defaultSeeds: [UInt64] = [0, 1, 2, 3, 4]

/// A network with one hidden layer of `h` logistic units, trained with Adam on mini-batches.
/// Defaults (changed by --batch-size, --lr, --optimizer): batch 16, Adam, learning rate 0.03.
func network(hidden h: Int, seed: UInt64, epochs: Int, settings: SettingOptions) throws -> NeuralNetworkClassifier {
    let options = TrainingOptions(epochs: epochs, batchSize: try settings.int("batch-size", default: 16),
                                  learningRate: Float(try settings.real("lr", default: 0.03)),
                                  optimizer: optimizerKind(try settings.word("optimizer", default: "adam")),
                                  seed: seed, evaluateTrainingSet: false)
    return NeuralNetworkClassifier.mlp(hidden: [h], activation: .logistic, options: options, name: "mlp-h\(h)")
}

struct Toy2DExperiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toy2d",
        abstract: "The lectures' toy 2-D cases: logistic regression vs k-NN vs small neural networks.",
        discussion: "Runs every problem and model once per seed (default: seeds 0-4, each an independent draw of the training and test points and of the networks' initialization and shuffling). Writes accuracy.csv/.md (per problem and model: n, mean, standard deviation and 95% Student-t confidence interval of the train and test accuracy), accuracy-seeds.csv (one row per seed), correct-seeds.csv (which test points each model got right), significance.csv/.md (every pair of models on a problem: McNemar's exact test per seed, the paired t-test across seeds, Holm-corrected), findings.csv/.md (the lectures' findings checked on the mean accuracies), one decision-boundary picture <dataset>-<model>.ppm/.png per problem and model (the first seed's) and montage.ppm/.png. The plotted range is \(Toy2D.plotRange) on both axes, sampled on a \(resolution)×\(resolution) grid.")

    @OptionGroup var options: ExperimentOptions

    @OptionGroup(title: "Model settings: --c (logistic regression, default 1), --k (k-NN, default 5), --epochs (networks, default 400), --batch-size (16), --lr (0.03), --optimizer (adam)")
    var settings: SettingOptions

    func validate() throws {
        do { try settings.check(experiment: try ExperimentCatalog.entry("toy2d")) } catch let e as SettingError {
            throw ValidationError(e.description + ".")
        }
        if options.data != "mnist5k" { throw ValidationError("toy2d generates its own data; --data does not apply.") }
    }

    func run() throws {
        runExperiment("toy2d") {
            options.applyThreads()
            let output = try OutputFolder(options.outputFolder(default: "toy2d"))
            let out = output.staging
            let quick = options.quick
            let nTrain = quick ? quickScale.train : trainCount, nTest = quick ? quickScale.test : testCount
            let side = quick ? quickScale.resolution : resolution
            let epochs = try settings.int("epochs", default: 400)
            let nEpochs = quick ? min(epochs, quickScale.epochs) : epochs
            let k = try settings.int("k", default: 5)
            let seeds = options.seeds(default: defaultSeeds)

            var results = Table(columns: ["dataset", "model", "seed", "train_accuracy", "test_accuracy"])
            var correct = Table(columns: ["dataset", "model", "seed", "test_count", "test_fingerprint", "correct"])
            var pictures: [[Figure]] = []
            var majority: [Toy2D: [Double]] = [:]
            var testAccuracies: [String: [Double]] = [:]
            let modelNames = ["logreg", "knn\(k)"] + hiddenSizes.map { "mlp-h\($0)" }
            let progress = Progress(experiment: "toy2d", steps: Toy2D.allCases.count * modelNames.count * seeds.count)

            for problem in Toy2D.allCases {
                var row: [Figure] = []
                for (s, seed) in seeds.enumerated() {
                    let train = try problem.generate(count: nTrain, seed: seed)
                    let test = try problem.generate(count: nTest, seed: seed &+ testSeedOffset)
                    let fingerprint = testSetFingerprint(labels: test.labels, features: test.features.data)
                    majority[problem, default: []].append(Double(test.classCounts.max() ?? 0) / Double(test.count))
                    var models: [any Classifier] = [try LogisticRegression(c: try settings.real("c", default: 1)), try KNearestNeighbors(k: k)]
                    models += try hiddenSizes.map { try network(hidden: $0, seed: seed, epochs: nEpochs, settings: settings) }
                    for var model in models {
                        let clock = Stopwatch()
                        try model.fit(train.features, train.labels, classCount: train.classCount)
                        let trainAccuracy = try model.score(train.features, train.labels)
                        let predicted = try model.predict(test.features)
                        let testAccuracy = accuracy(predicted: predicted, actual: test.labels)
                        results.append([.text(problem.rawValue), .text(model.name), .int(Int(seed)), .fraction(trainAccuracy), .fraction(testAccuracy)])
                        correct.append([.text(problem.rawValue), .text(model.name), .int(Int(seed)), .int(test.count), .text(fingerprint),
                                        .text(CorrectBits.encode(zip(predicted, test.labels).map { $0 == $1 }))])
                        testAccuracies[problem.rawValue + "/" + model.name, default: []].append(testAccuracy)
                        // The pictures show the first seed's models.
                        if s == 0 {
                            let style = DecisionBoundaryStyle(xRange: Toy2D.plotRange, yRange: Toy2D.plotRange, resolution: side,
                                                              title: "\(problem.title): \(model.name)")
                            let picture = try renderDecisionBoundary(probabilities: { try model.probabilities($0) },
                                                                     points: train.features, labels: train.labels, style: style)
                            try writeFigure(picture, to: out, stem: "\(problem.rawValue)-\(model.name)")
                            row.append(picture)
                        }
                        progress.step(String(format: "%@ × %@%@: train %.3f, test %.3f (%.2f s)", problem.rawValue, model.name,
                                             seeds.count > 1 ? " (seed \(seed))" : "", trainAccuracy, testAccuracy, clock.seconds))
                    }
                }
                pictures.append(row)
            }
            try SeedRuns(results: results, correct: correct, groupColumns: 1).write(to: out, stem: "accuracy")
            let meanAccuracies = testAccuracies.mapValues { Summary($0).mean }
            let meanMajority = majority.mapValues { Summary($0).mean }
            try findings(meanAccuracies, majority: meanMajority, knn: "knn\(k)").write(to: out, stem: "findings")
            let range = "\(Toy2D.plotRange.lowerBound)..\(Toy2D.plotRange.upperBound)"
            let sheet = montage(pictures, rowLabels: Toy2D.allCases.map(\.title), columnLabels: modelNames,
                                title: "Toy 2-D problems: decision boundaries (\(side)×\(side) grid on \(range) in x and y\(seeds.count > 1 ? ", seed \(seeds[0])" : ""))")
            try writeFigure(sheet, to: out, stem: "montage")
            try output.commit()
            progress.note("wrote \(output.path)/accuracy.csv, \(Toy2D.allCases.count * modelNames.count) boundary pictures and montage.png")
        }
    }
}

/// The lectures' findings, checked on the measured test accuracies (keys "dataset/model").
func findings(_ acc: [String: Double], majority: [Toy2D: Double], knn: String) -> Table {
    var table = Table(columns: ["finding", "measured", "holds"])
    func add(_ finding: String, _ measured: String, _ holds: Bool) { table.append([.text(finding), .text(measured), .text(holds ? "yes" : "no")]) }
    for problem in [Toy2D.fourGaussians, .twoPockets] {
        let lr = acc["\(problem.rawValue)/logreg"] ?? 0, base = majority[problem] ?? 0
        add("\(problem.rawValue): logistic regression within 5 points of the majority-class rate",
            String(format: "logreg %.4f, majority %.4f", lr, base), abs(lr - base) <= 0.05)
    }
    let knns = Toy2D.allCases.map { acc["\($0.rawValue)/\(knn)"] ?? 0 }
    add("k-NN (\(knn)) above 90% test accuracy on all four", "lowest " + String(format: "%.4f", knns.min() ?? 0), knns.allSatisfy { $0 > 0.90 })
    let h2 = acc["two-pockets/mlp-h2"] ?? 0, h10 = acc["two-pockets/mlp-h10"] ?? 0, k5 = acc["two-pockets/\(knn)"] ?? 0
    add("two-pockets: 10 hidden units at least 10 points above 2", String(format: "mlp-h10 %.4f, mlp-h2 %.4f", h10, h2), h10 >= h2 + 0.10)
    add("two-pockets: 10 hidden units within 3 points of k-NN", String(format: "mlp-h10 %.4f, %@ %.4f", h10, knn, k5), h10 >= k5 - 0.03)
    return table
}

Toy2DExperiment.mainReportingOneSentence()
