// capacity: "how many layers, how many units?" MLPs of 1–3 hidden layers, 16–256 units each, with
// logistic, tanh or ReLU units, all trained the same way on the digits; accuracy against learned
// parameters and cost. And what the first layer learns: the MLP's first-layer weights and
// LeNet-5's first-layer filters as pictures ("the first layer is a bank of templates").
//
// What the table shows (seed 0): going from 16 to 64 units gains 1–3 points at every depth, more
// layers gain little on 4,000 digits; with the same optimizer and 20 epochs, logistic units end
// 1–5 points below tanh and ReLU, and lose accuracy as layers are added (their gradients shrink
// through each saturating layer), while ReLU networks keep gaining up to 3×256.
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
let depths = [1, 2, 3]
let widths = [16, 64, 256]
let activations: [(name: String, activation: Activation)] = [("logistic", .logistic), ("tanh", .tanh), ("relu", .relu)]
let epochs = 20                  // every MLP: SGD momentum 0.9, batch 32, learning rate 0.05, cosine decay
let templateModel = (depth: 1, width: 64, activation: "relu")   // whose first-layer weights are drawn
let quickScale = (depths: [1, 2], widths: [16, 64], epochs: 3, lenetEpochs: 1)   // LeNet-5 otherwise trains as the catalogue says

struct CapacityExperiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "MLP depth × width × activation on the digits: accuracy vs parameters and time; first-layer templates and filters.",
        discussion: """
            Writes capacity.csv/.md (depth, width, activation, parameters, multiply-adds per image, test and train \
            accuracy, fit seconds), accuracy-vs-parameters.ppm/.png (each width named over its models) and \
            accuracy-vs-time.ppm/.png (test accuracy against training seconds), mlp-first-layer.ppm/.png (the \(templateModel.width) \
            first-layer weight vectors of the \(templateModel.depth)×\(templateModel.width) \(templateModel.activation) MLP \
            as 28×28 templates) and lenet5-filters.ppm/.png (LeNet-5's 20 first-layer 5×5 filters after its \
            full training with the catalogue's settings; one epoch with --quick). Default data: MNIST-5k, 4,000/1,000 stratified.
            """)

    @OptionGroup var options: ExperimentOptions

    @OptionGroup(title: "Model settings of the MLPs: --epochs (default \(epochs)), --batch-size (32), --lr (0.05), --optimizer (momentum); LeNet-5 keeps the catalogue's")
    var settings: SettingOptions

    func validate() throws {
        do { try settings.check(experiment: try ExperimentCatalog.entry("capacity")) } catch let e as SettingError {
            throw ValidationError(e.description + ".")
        }
    }

    func run() throws {
        runExperiment("capacity") {
            options.applyThreads()
            let output = try OutputFolder(options.outputFolder(default: "capacity"))
            try output.recordCommand()
            let q = options.quick
            let seeds = options.seeds()
            let out = output.staging
            var table = Table(columns: ["depth", "width", "activation", "parameters", "multiply_adds", "seed", "test_accuracy", "train_accuracy", "fit_seconds"])
            var points: [String: [(x: Double, y: Double)]] = [:], timePoints: [String: [Int: [(seconds: Double, accuracy: Double)]]] = [:]
            // Per width: the parameters and fit seconds of every model of that width (for the labels over each group).
            var byWidth: [Int: (parameters: [Double], seconds: [Double])] = [:]
            var seriesOrder: [String] = []
            var progress: Experiments.Progress?
            var firstData: ExperimentData?
            for seed in seeds {
                let data = try loadExperimentData(options.data, seed: seed, quick: q)
                let (train, test) = (data.train, data.test)
                if firstData == nil { firstData = data }
                let ds = q ? quickScale.depths : depths, ws = q ? quickScale.widths : widths
                let n = try settings.int("epochs", default: q ? quickScale.epochs : epochs)
                if progress == nil { progress = Progress(experiment: "capacity", steps: ds.count * ws.count * activations.count * seeds.count + (train.imageShape == nil ? 0 : 1)) }
                let progress = progress!
                progress.note("\(data.source)\(seeds.count > 1 ? " (seed \(seed))" : ""): \(train.count) training, \(test.count) test samples")

                for (name, activation) in activations {
                    for depth in ds {
                        let key = "\(name) \(depth) layer\(depth > 1 ? "s" : "")"
                        if !seriesOrder.contains(key) { seriesOrder.append(key) }
                        for width in ws {
                            let options = TrainingOptions(epochs: n, batchSize: try settings.int("batch-size", default: 32),
                                                          learningRate: Float(try settings.real("lr", default: 0.05)),
                                                          optimizer: optimizerKind(try settings.word("optimizer", default: "momentum")),
                                                          schedule: .cosine(), seed: seed, evaluateTrainingSet: false)
                            let model = NeuralNetworkClassifier.mlp(hidden: Array(repeating: width, count: depth), activation: activation,
                                                                    options: options, name: "mlp-\(name)-\(depth)x\(width)")
                            let e = try evaluate(model, on: train, test)
                            guard let network = (e.model as? NeuralNetworkClassifier)?.model else {
                                throw SettingError("the capacity sweep trained \(e.model.name), which is not a network")
                            }
                            table.append([.int(depth), .int(width), .text(name), .int(e.parameters), .int(network.summary().totalMultiplyAdds), .int(Int(seed)),
                                          .fraction(e.testAccuracy), .fraction(e.trainAccuracy ?? 0), .seconds(e.fitSeconds)])
                            points[key, default: []].append((Double(e.parameters), e.testAccuracy))
                            timePoints[key, default: [:]][width, default: []].append((e.fitSeconds, e.testAccuracy))
                            byWidth[width, default: ([], [])].parameters.append(Double(e.parameters))
                            byWidth[width, default: ([], [])].seconds.append(e.fitSeconds)
                            if depth == templateModel.depth, width == templateModel.width, name == templateModel.activation, seed == seeds[0],
                               let shape = train.imageShape {
                                try writeTemplates(network, shape: shape, to: out)
                            }
                            progress.step(String(format: "%@, %d×%d%@: %d parameters, test %.4f, train %.4f (%.1f s)",
                                                 name, depth, width, seeds.count > 1 ? " (seed \(seed))" : "", e.parameters, e.testAccuracy, e.trainAccuracy ?? 0, e.fitSeconds))
                        }
                    }
                }
            }
            guard let data = firstData, let progress else { return }
            let (train, test) = (data.train, data.test)
            let seed = seeds[0]
            try SeedRuns(results: table, correct: nil).write(to: out, stem: "capacity")
            let series = seriesOrder.compactMap { key in points[key].map { seriesOverSeeds(name: key, points: $0) } }
            let lowest = series.flatMap(\.points).map(\.y).min() ?? 0
            // Each width's models share a region of the parameter axis: its label sits over their geometric mean.
            func geometricMean(_ v: [Double]) -> Double { exp(v.map { log(max($0, 1e-9)) }.reduce(0, +) / Double(max(1, v.count))) }
            let widthLabels = byWidth.keys.sorted().map { (x: geometricMean(byWidth[$0]!.parameters), label: "width \($0)") }
            let chart = lineChart(series, title: "MLP test accuracy vs learned parameters", xLabel: "learned parameters", yLabel: "test accuracy",
                                  yRange: (lowest - 0.01)...1.0, logX: true, width: 560, height: 360, topLabels: widthLabels)
            try writeFigure(chart, to: out, stem: "accuracy-vs-parameters")
            // The same models against their training time (per width: the mean seconds and accuracy over
            // the seeds, ± sd of the accuracy): the cost a wider or deeper network adds.
            let timeSeries = seriesOrder.compactMap { key -> Series? in
                guard let perWidth = timePoints[key] else { return nil }
                let widths = perWidth.keys.sorted()
                let stats = widths.map { (Summary(perWidth[$0]!.map(\.seconds)).mean, Summary(perWidth[$0]!.map(\.accuracy))) }
                return Series(name: key, points: stats.map { (x: $0.0, y: $0.1.mean) },
                              errors: seeds.count > 1 ? stats.map { $0.1.std ?? 0 } : nil)
            }
            let timeChart = lineChart(timeSeries, title: "MLP test accuracy vs training time", xLabel: "training seconds",
                                      yLabel: "test accuracy", yRange: (lowest - 0.01)...1.0, logX: true, width: 560, height: 360)
            try writeFigure(timeChart, to: out, stem: "accuracy-vs-time")

            if let shape = train.imageShape {
                let entry = try ModelCatalog.entry("lenet5")
                let lenetSettings = try entry.settings(given: q ? ["epochs": .int(quickScale.lenetEpochs)] : [:])
                let lenetEpochs = lenetSettings.int("epochs")
                let lenet = try entry.build(lenetSettings, BuildContext(imageShape: shape, seed: seed))
                let e = try evaluate(lenet, on: train, test)
                guard let conv = (e.model as? NeuralNetworkClassifier)?.model?.layers.compactMap({ $0 as? Conv2D }).first else {
                    throw SettingError("the lenet5 entry of the model catalogue built a model without a convolution")
                }
                let w = conv.weight.values
                let per = conv.weight.count / conv.outChannels
                let tiles = (0..<conv.outChannels).map { Array(w[$0 * per..<($0 + 1) * per]) }
                let picture = tileGrid(tiles, channels: shape.channels, height: conv.kernelSize, width: conv.kernelSize,
                                       columns: 10, scale: 8)
                try writeFigure(titled(picture, title: "LeNet-5: the \(conv.outChannels) first-layer \(conv.kernelSize)×\(conv.kernelSize) filters",
                                       caption: String(format: "after %d epochs (test %.4f); mid-gray = 0", lenetEpochs, e.testAccuracy)),
                                to: out, stem: "lenet5-filters")
                progress.step(String(format: "lenet5 (%d epochs, for its filters): test %.4f", lenetEpochs, e.testAccuracy))
            }
            try output.commit()
            progress.note("wrote \(output.path)/capacity.csv, accuracy-vs-parameters.png and the first-layer pictures")
        }
    }

    /// The first dense layer's weight vectors (one per hidden unit) drawn as images of the input's shape.
    func writeTemplates(_ network: Sequential, shape: ImageShape, to out: String) throws {
        guard let dense = network.layers.compactMap({ $0 as? Dense }).first else { return }
        let w = dense.weight.values
        let per = dense.weight.count / dense.outputs
        let tiles = (0..<dense.outputs).map { Array(w[$0 * per..<($0 + 1) * per]) }
        let picture = tileGrid(tiles, channels: shape.channels, height: shape.height, width: shape.width,
                               columns: Int(Double(dense.outputs).squareRoot().rounded(.up)), scale: 2)
        try writeFigure(titled(picture, title: "MLP \(templateModel.depth)×\(templateModel.width) \(templateModel.activation): first-layer weights",
                               caption: "one \(shape.height)×\(shape.width) template per hidden unit; mid-gray = 0"),
                        to: out, stem: "mlp-first-layer")
    }
}

CapacityExperiment.mainReportingOneSentence()
