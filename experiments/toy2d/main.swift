// toy2d: the lectures' toy 2-D cases ("can logistic regression handle these?"). Four two-class
// problems and two three-class ones (a spiral, three blobs) × logistic regression, 5-NN,
// one-hidden-layer networks of logistic units (2, 3, 4, 10) and a network of two ReLU layers of 8,
// as an accuracy table and one decision-boundary picture per (problem, model), plus a montage; for
// every network, the map of each hidden unit's activation over the plane and the boundary's
// evolution during training; for the ReLU network, the plane coloured by linear region.
// `--data FILE.csv` draws the same pictures for a user's own 2-D points.
//
// What the table shows: logistic regression stays near the majority-class rate on Four Gaussians
// and Two Pockets (no line separates them), k-NN fits all of them, on Two Pockets a network needs
// more than two hidden units to enclose both pockets, and the spiral needs the widest network.
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
/// Epochs at which the evolution strips show the boundary (those up to the run's epochs, and its last).
let snapshotEpochs = [1, 5, 20, 50, 100, 200, 400]
/// The frames of the widest network's animated GIF (those up to the run's epochs, and its last).
let animationEpochs = [1, 2, 3, 5, 8, 12, 16, 20, 25, 30, 40, 50, 65, 80, 100, 125, 150, 200, 250, 300, 350, 400]
/// The network whose boundary is also animated, per problem.
let animatedHidden = 10
/// The ReLU network beside the logistic ones: this many hidden layers of this many units. Its
/// plane is also drawn coloured by linear region (each on/off pattern of its ReLU units).
let reluNetwork = (layers: 2, width: 8)
let reluName = "mlp-relu-\(reluNetwork.layers)x\(reluNetwork.width)"

/// One problem of the run: a generated toy problem or the points of a user's CSV file.
struct Problem {
    let name: String, title: String
    let classNames: [String]
    let xRange: ClosedRange<Float>, yRange: ClosedRange<Float>
    /// The training and test points of one seed.
    let make: (UInt64) throws -> (train: Dataset, test: Dataset)
}

/// The plotted range of `values` with a tenth of their span as margin on each side.
func paddedRange(_ values: [Float]) -> ClosedRange<Float> {
    let lo = values.min() ?? -1, hi = values.max() ?? 1
    let margin = max((hi - lo) * 0.1, 1e-3)
    return (lo - margin)...(hi + margin)
}

/// The map of one hidden unit's activation over the plotted plane: white (0) to dark blue (1) on
/// the ramp of the heat maps, with the line where the unit crosses ½ (logistic units: its own
/// linear boundary) in dark gray; activations outside [0, 1] are scaled by the unit's own range.
/// `boundary` puts the line elsewhere: 0 for a ReLU unit (where it switches off), drawn from 0 to
/// the unit's largest value.
func activationMap(_ values: ArraySlice<Float>, side n: Int, boundary: Float? = nil) -> Image {
    let a = Array(values)
    let lo = a.min() ?? 0, hi = a.max() ?? 1
    let (from, span): (Float, Float) = boundary != nil ? (0, max(hi, 1e-6))
        : lo >= 0 && hi <= 1 ? (0, 1) : (lo, max(hi - lo, 1e-6))
    let mid = boundary.map { $0 + 1e-7 } ?? from + span / 2
    var pixels = [UInt8](repeating: 0, count: n * n * 3)
    for i in 0..<(n * n) {
        let (px, py) = (i % n, i / n)
        var c = RGB.ramp(Double((a[i] - from) / span))
        let crosses = (px + 1 < n && (a[i] < mid) != (a[i + 1] < mid)) || (py + 1 < n && (a[i] < mid) != (a[i + n] < mid))
        if crosses { c = RGB(60, 60, 60) }
        if px == 0 || py == 0 || px == n - 1 || py == n - 1 { c = RGB(175, 175, 175) }  // a frame: white areas end at the plane's edge
        pixels[3 * i] = c.r; pixels[3 * i + 1] = c.g; pixels[3 * i + 2] = c.b
    }
    return Image(width: n, height: n, channels: 3, pixels: pixels)
}

/// The plane's grid points, row by row from the top (as `decisionBoundaryShading` samples it).
func planeGrid(_ style: DecisionBoundaryStyle) -> Matrix {
    let n = max(2, style.resolution)
    let (x0, x1, y0, y1) = (style.xRange.lowerBound, style.xRange.upperBound, style.yRange.lowerBound, style.yRange.upperBound)
    var grid = Matrix(rows: n * n, cols: 2)
    for py in 0..<n {
        for px in 0..<n {
            grid[py * n + px, 0] = x0 + (Float(px) + 0.5) * (x1 - x0) / Float(n)
            grid[py * n + px, 1] = y1 - (Float(py) + 0.5) * (y1 - y0) / Float(n)
        }
    }
    return grid
}

/// A network with one hidden layer of `h` logistic units, trained with Adam on mini-batches.
/// Defaults (changed by --batch-size, --lr, --optimizer): batch 16, Adam, learning rate 0.03.
func network(hidden h: Int, seed: UInt64, epochs: Int, settings: SettingOptions) throws -> NeuralNetworkClassifier {
    let options = TrainingOptions(epochs: epochs, batchSize: try settings.int("batch-size", default: 16),
                                  learningRate: Float(try settings.real("lr", default: 0.03)),
                                  optimizer: optimizerKind(try settings.word("optimizer", default: "adam")),
                                  seed: seed, evaluateTrainingSet: false)
    return NeuralNetworkClassifier.mlp(hidden: [h], activation: .logistic, options: options, name: "mlp-h\(h)")
}

/// The ReLU network of `reluNetwork`, trained as the logistic ones are.
func reluClassifier(seed: UInt64, epochs: Int, settings: SettingOptions) throws -> NeuralNetworkClassifier {
    let options = TrainingOptions(epochs: epochs, batchSize: try settings.int("batch-size", default: 16),
                                  learningRate: Float(try settings.real("lr", default: 0.01)),
                                  optimizer: optimizerKind(try settings.word("optimizer", default: "adam")),
                                  seed: seed, evaluateTrainingSet: false)
    return NeuralNetworkClassifier.mlp(hidden: Array(repeating: reluNetwork.width, count: reluNetwork.layers), activation: .relu,
                                       options: options, name: reluName)
}

/// The plane coloured by linear region: grid points whose ReLU units are on and off alike share a
/// color (a region where the network is one affine map), with the edges between regions dark.
/// `patterns` holds one on/off pattern per grid point (row by row from the top, `side`²); the
/// colors follow the regions' first appearance in that order.
func linearRegionMap(_ patterns: [[Bool]], side n: Int) -> (image: Image, regions: Int) {
    var index: [[Bool]: Int] = [:]
    let ids = patterns.map { p -> Int in
        if let i = index[p] { return i }
        index[p] = index.count
        return index.count - 1
    }
    var pixels = [UInt8](repeating: 0, count: n * n * 3)
    for i in 0..<(n * n) {
        let (px, py) = (i % n, i / n)
        let edge = (px + 1 < n && ids[i] != ids[i + 1]) || (py + 1 < n && ids[i] != ids[i + n])
        // Hues a golden angle apart, pale enough for the edges to show.
        let hue = (Double(ids[i]) * 0.618033988749895).truncatingRemainder(dividingBy: 1)
        let c = edge ? RGB(50, 50, 50) : pastel(hue: hue, light: ids[i] % 2 == 0 ? 0.80 : 0.68)
        pixels[3 * i] = c.r; pixels[3 * i + 1] = c.g; pixels[3 * i + 2] = c.b
    }
    return (Image(width: n, height: n, channels: 3, pixels: pixels), index.count)
}

/// A color of `hue` (0..<1) at lightness `light`, saturation 0.55 (HSL).
func pastel(hue: Double, light: Double) -> RGB {
    let s = 0.55, c = (1 - abs(2 * light - 1)) * s
    let h = hue * 6, x = c * (1 - abs(h.truncatingRemainder(dividingBy: 2) - 1)), m = light - c / 2
    let (r, g, b): (Double, Double, Double) = h < 1 ? (c, x, 0) : h < 2 ? (x, c, 0) : h < 3 ? (0, c, x) : h < 4 ? (0, x, c) : h < 5 ? (x, 0, c) : (c, 0, x)
    func byte(_ v: Double) -> UInt8 { UInt8(max(0, min(255, ((v + m) * 255).rounded()))) }
    return RGB(byte(r), byte(g), byte(b))
}

struct Toy2DExperiment: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toy2d",
        abstract: "The lectures' toy 2-D cases: logistic regression vs k-NN vs small neural networks.",
        discussion: "Runs every problem and model once per seed (default: seeds 0-4, each an independent draw of the training and test points and of the networks' initialization and shuffling). Writes accuracy.csv/.md (per problem and model: n, mean, standard deviation and 95% Student-t confidence interval of the train and test accuracy), accuracy-seeds.csv (one row per seed), correct-seeds.csv (which test points each model got right), significance.csv/.md (every pair of models on a problem: McNemar's exact test per seed, the paired t-test across seeds, Holm-corrected), findings.csv/.md (the lectures' findings checked on the mean accuracies), one decision-boundary picture <dataset>-<model>.png/.svg/.ppm per problem and model with its test accuracy (the first seed's), for every network <dataset>-<model>-hidden.png (each hidden unit's activation over the plane) and <dataset>-<model>-evolution.png (the boundary after epochs \(snapshotEpochs.map(String.init).joined(separator: ", ")) that the run reaches), for \(reluName) <dataset>-\(reluName)-regions.png (the plane coloured by linear region, one color per on/off pattern of its ReLU units), for mlp-h\(animatedHidden) an animated <dataset>-mlp-h\(animatedHidden)-evolution.gif (\(animationEpochs.count) epochs from 1 to 400), and montage.png (PNG only: its tiles are written on their own). The plotted range is \(Toy2D.plotRange) on both axes (a CSV file's: its points' range plus a tenth), sampled on a \(resolution)×\(resolution) grid. --data FILE.csv (label, x₁, x₂ per line) runs the models on a user's own points, split four to one with each seed.")

    @OptionGroup var options: ExperimentOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("The problems to run, comma-separated (default: all: \(Toy2D.allCases.map(\.rawValue).joined(separator: ", "))).", valueName: "list"))
    var problems: String?

    @Option(name: .customLong("n"), parsing: .unconditional, help: "Training points per problem (default \(trainCount); --quick \(quickScale.train)); the test points are a fresh draw of \(testCount) (--quick \(quickScale.test)).")
    var pointCount: Int?

    @Option(parsing: .unconditional, help: "Standard deviation of the Gaussian offset added to every point (default \(Toy2D.defaultNoise)).")
    var noise: Float?

    @Option(parsing: .unconditional, help: "The shape's size parameter for every chosen problem: band half-width, pocket radius, blob standard deviation, the spiral's angle noise (default: each problem's own).")
    var spread: Float?

    @OptionGroup(title: "Model settings: --c (logistic regression, default 1), --k (k-NN, default 5), --epochs (networks, default 400), --batch-size (16), --lr (0.03), --optimizer (adam)")
    var settings: SettingOptions

    func validate() throws {
        do { try settings.check(experiment: try ExperimentCatalog.entry("toy2d")) } catch let e as SettingError {
            throw ValidationError(e.description + ".")
        }
        if let n = pointCount, n < 3 { throw ValidationError("--n must be at least 3 (one point per class), got \(n).") }
        if let v = noise, !(v.isFinite && v >= 0) { throw ValidationError("--noise must be a finite standard deviation ≥ 0, got \(v).") }
        if options.data != "mnist5k" {
            guard [".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz"].contains(where: { options.data.lowercased().hasSuffix($0) }) else {
                throw ValidationError("toy2d generates its own problems or reads a CSV file of 2-D points (label, x₁, x₂); --data \(options.data) is not a CSV file.")
            }
            if problems != nil || spread != nil { throw ValidationError("--problems and --spread choose generated problems; they do not apply with --data \(options.data).") }
        }
        _ = try chosenProblems()
    }

    /// The generated problems of --problems (default: all, in the lectures' order).
    func chosenProblems() throws -> [Toy2D] {
        guard let list = problems else { return Toy2D.allCases }
        return try list.split(separator: ",", omittingEmptySubsequences: false).map { word in
            guard let p = Toy2D(rawValue: String(word)) else {
                throw ValidationError("unknown problem '\(word)' in --problems; the problems are \(Toy2D.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            return p
        }
    }

    /// The run's problems: the chosen toy problems, or the user's CSV file split as digits splits it
    /// (a stratified fifth for testing, with the seed).
    func runProblems(nTrain: Int, nTest: Int) throws -> [Problem] {
        if options.data != "mnist5k" {
            let first = try loadExperimentData(options.data, seed: 0, quick: false)
            guard first.train.featureCount == 2 else {
                throw SettingError("\(options.data) has \(first.train.featureCount) feature columns; toy2d draws points of exactly 2 (label, x₁, x₂)")
            }
            let all = first.train.features.data + first.test.features.data
            let xs = stride(from: 0, to: all.count, by: 2).map { all[$0] }, ys = stride(from: 1, to: all.count, by: 2).map { all[$0] }
            return [Problem(name: first.name, title: first.name, classNames: first.train.classNames,
                            xRange: paddedRange(xs), yRange: paddedRange(ys)) { seed in
                let d = try loadExperimentData(options.data, seed: seed, quick: false)
                return (d.train, d.test)
            }]
        }
        let noise = self.noise ?? Toy2D.defaultNoise, spread = self.spread
        return try chosenProblems().map { p in
            Problem(name: p.rawValue, title: p.title, classNames: p.classNames, xRange: Toy2D.plotRange, yRange: Toy2D.plotRange) { seed in
                (try p.generate(count: nTrain, noise: noise, spread: spread, seed: seed),
                 try p.generate(count: nTest, noise: noise, spread: spread, seed: seed &+ testSeedOffset))
            }
        }
    }

    func run() throws {
        runExperiment("toy2d") {
            options.applyThreads()
            let output = try OutputFolder(options.outputFolder(default: "toy2d"))
            try output.recordCommand()
            let out = output.staging
            let quick = options.quick
            let nTrain = pointCount ?? (quick ? quickScale.train : trainCount), nTest = quick ? quickScale.test : testCount
            let side = quick ? quickScale.resolution : resolution
            let epochs = try settings.int("epochs", default: 400)
            let nEpochs = quick ? min(epochs, quickScale.epochs) : epochs
            let k = try settings.int("k", default: 5)
            let seeds = options.seeds(default: defaultSeeds)
            let problems = try runProblems(nTrain: nTrain, nTest: nTest)
            let shown = Array(Set(snapshotEpochs.filter { $0 < nEpochs } + [nEpochs])).sorted()
            let animated = Array(Set(animationEpochs.filter { $0 < nEpochs } + [nEpochs])).sorted()

            var results = Table(columns: ["dataset", "model", "seed", "train_accuracy", "test_accuracy"])
            var correct = Table(columns: ["dataset", "model", "seed", "test_count", "test_fingerprint", "correct"])
            var pictures: [[Figure]] = []
            var majority: [String: [Double]] = [:]
            var testAccuracies: [String: [Double]] = [:]
            let modelNames = ["logreg", "knn\(k)"] + hiddenSizes.map { "mlp-h\($0)" } + [reluName]
            let progress = Progress(experiment: "toy2d", steps: problems.count * modelNames.count * seeds.count)

            for problem in problems {
                var row: [Figure] = []
                for (s, seed) in seeds.enumerated() {
                    let (train, test) = try problem.make(seed)
                    let fingerprint = testSetFingerprint(labels: test.labels, features: test.features.data)
                    majority[problem.name, default: []].append(Double(test.classCounts.max() ?? 0) / Double(test.count))
                    var models: [any Classifier] = [try LogisticRegression(c: try settings.real("c", default: 1)), try KNearestNeighbors(k: k)]
                    models += try hiddenSizes.map { try network(hidden: $0, seed: seed, epochs: nEpochs, settings: settings) }
                    models.append(try reluClassifier(seed: seed, epochs: nEpochs, settings: settings))
                    for var model in models {
                        let style = DecisionBoundaryStyle(xRange: problem.xRange, yRange: problem.yRange, resolution: side,
                                                          title: "\(problem.title): \(model.name)")
                        // The first seed's networks: the boundary at chosen epochs while training.
                        var strip: [Figure] = [], frames: [Image] = []
                        var drawFailure: (any Error)?
                        if s == 0, var net = model as? NeuralNetworkClassifier {
                            let small = DecisionBoundaryStyle(xRange: problem.xRange, yRange: problem.yRange, resolution: min(side, 120))
                            let animate = net.name == "mlp-h\(animatedHidden)"
                            net.epochObserver = { epoch, probabilities in
                                guard shown.contains(epoch) || (animate && animated.contains(epoch)), drawFailure == nil else { return }
                                do {
                                    let shading = try decisionBoundaryShading(probabilities: probabilities, style: small)
                                    if shown.contains(epoch) {
                                        // The training accuracy so far under each frame: a plane of one
                                        // unsure color at epoch 1 reads as "not yet learned", not as a fault.
                                        let p = try probabilities(train.features)
                                        let right = (0..<p.rows).filter { i in (0..<p.cols).max { p[i, $0] < p[i, $1] } == train.labels[i] }.count
                                        strip.append(titled(shading, title: "epoch \(epoch)",
                                                            caption: String(format: "train %.2f", Double(right) / Double(max(1, p.rows)))))
                                    }
                                    if animate && animated.contains(epoch) {
                                        frames.append(titled(shading, title: "\(problem.title): \(net.name), epoch \(epoch)").rendered())
                                    }
                                } catch { drawFailure = error }
                            }
                            model = net
                        }
                        let clock = Stopwatch()
                        try model.fit(train.features, train.labels, classCount: train.classCount)
                        if let drawFailure { throw drawFailure }
                        let trainAccuracy = try model.score(train.features, train.labels)
                        let predicted = try model.predict(test.features)
                        let testAccuracy = accuracy(predicted: predicted, actual: test.labels)
                        results.append([.text(problem.name), .text(model.name), .int(Int(seed)), .fraction(trainAccuracy), .fraction(testAccuracy)])
                        correct.append([.text(problem.name), .text(model.name), .int(Int(seed)), .int(test.count), .text(fingerprint),
                                        .text(CorrectBits.encode(zip(predicted, test.labels).map { $0 == $1 }))])
                        testAccuracies[problem.name + "/" + model.name, default: []].append(testAccuracy)
                        // The pictures show the first seed's models.
                        if s == 0 {
                            var titledStyle = style
                            titledStyle.title += String(format: " (test %.3f)", testAccuracy)
                            let picture = try renderDecisionBoundary(probabilities: { try model.probabilities($0) },
                                                                     points: train.features, labels: train.labels,
                                                                     testPoints: test.features, testLabels: test.labels,
                                                                     classNames: test.classNames, style: titledStyle)
                            try writeFigure(picture, to: out, stem: "\(problem.name)-\(model.name)")
                            row.append(picture)
                            if let net = model as? NeuralNetworkClassifier {
                                try writeHiddenUnits(net, problem: problem, side: min(side, 120), to: out)
                                if net.name == reluName { try writeLinearRegions(net, problem: problem, side: side, to: out) }
                                if !strip.isEmpty {
                                    let evolution = montage([strip], rowLabels: [], columnLabels: [],
                                                            title: "\(problem.title): \(model.name), the boundary while training (seed \(seed); class colors as in its own picture, pale where unsure)")
                                    try writeFigure(evolution, to: out, stem: "\(problem.name)-\(model.name)-evolution", ppm: false)
                                }
                                if !frames.isEmpty {
                                    try writeAnimatedGIF(frames, toPath: out + "/\(problem.name)-\(model.name)-evolution.gif", delayCentiseconds: 40)
                                }
                            }
                        }
                        progress.step(String(format: "%@ × %@%@: train %.3f, test %.3f (%.2f s)", problem.name, model.name,
                                             seeds.count > 1 ? " (seed \(seed))" : "", trainAccuracy, testAccuracy, clock.seconds))
                    }
                }
                pictures.append(row)
            }
            try SeedRuns(results: results, correct: correct, groupColumns: 1).write(to: out, stem: "accuracy")
            let meanAccuracies = testAccuracies.mapValues { Summary($0).mean }
            let meanMajority = majority.mapValues { Summary($0).mean }
            try findings(meanAccuracies, majority: meanMajority, knn: "knn\(k)", problems: problems.map(\.name)).write(to: out, stem: "findings")
            let range = "\(problems[0].xRange.lowerBound)..\(problems[0].xRange.upperBound)"
            let sheet = montage(pictures, rowLabels: problems.map(\.title), columnLabels: modelNames,
                                title: "Toy 2-D problems: decision boundaries (\(side)×\(side) grid on \(range) in x₁ and x₂\(seeds.count > 1 ? ", seed \(seeds[0])" : ""))")
            try writeFigure(sheet, to: out, stem: "montage", ppm: false, svg: false)
            try output.commit()
            progress.note("wrote \(output.path)/accuracy.csv, \(problems.count * modelNames.count) boundary pictures, hidden-unit maps and evolution strips of every network, and montage.png")
        }
    }

    /// `<problem>-<model>-hidden.png`: the network's boundary beside the map of each hidden unit's
    /// activation over the plane (what each unit computes: for a logistic unit, one line).
    func writeHiddenUnits(_ net: NeuralNetworkClassifier, problem: Problem, side: Int, to out: String) throws {
        let style = DecisionBoundaryStyle(xRange: problem.xRange, yRange: problem.yRange, resolution: side)
        let grid = planeGrid(style)
        let relu = net.name == reluName
        let n = max(2, side)
        var rows: [[Figure]] = [[titled(try decisionBoundaryShading(probabilities: { try net.probabilities($0) }, style: style), title: "output")]]
        // Each hidden layer's units (a row per layer): Dense, then the activation, per layer.
        for layer in 0..<(relu ? reluNetwork.layers : 1) {
            let hidden = try net.activations(grid, throughLayers: 2 * layer + 2)
            for u in 0..<hidden.cols {
                var column = [Float](repeating: 0, count: grid.rows)
                for i in 0..<grid.rows { column[i] = hidden[i, u] }
                // A unit that stays (almost) at 0 over the whole plane is drawn white: say so.
                let largest = column.max() ?? 0
                let off = relu ? largest <= 0 : largest < 0.01
                let tile = titled(activationMap(column[...], side: n, boundary: relu ? 0 : nil),
                                  title: relu ? "layer \(layer + 1), unit \(u + 1)" : "unit \(u + 1)",
                                  caption: off ? "off on the whole plane" : "")
                if layer == 0 { rows[0].append(tile) } else { if rows.count <= layer { rows.append([]) }; rows[layer].append(tile) }
            }
        }
        let what = relu ? "each ReLU unit's activation (white 0, dark blue its largest; dark line where it switches off)"
            : "each hidden unit's activation (white 0, dark blue 1; dark line at ½)"
        let figure = montage(rows, rowLabels: [], columnLabels: [], title: "\(problem.title): \(net.name), \(what)")
        try writeFigure(figure, to: out, stem: "\(problem.name)-\(net.name)-hidden", ppm: false)
    }
}

extension Toy2DExperiment {
    /// `<problem>-<model>-regions.png`: the ReLU network's output beside the plane coloured by its
    /// linear regions (lecture 003: a ReLU network tiles the input space into pieces on which it is
    /// affine; every edge is where one unit switches on or off).
    func writeLinearRegions(_ net: NeuralNetworkClassifier, problem: Problem, side: Int, to out: String) throws {
        let style = DecisionBoundaryStyle(xRange: problem.xRange, yRange: problem.yRange, resolution: side)
        let grid = planeGrid(style)
        var patterns = [[Bool]](repeating: [], count: grid.rows)
        for layer in 0..<reluNetwork.layers {
            let hidden = try net.activations(grid, throughLayers: 2 * layer + 2)
            for i in 0..<grid.rows { for u in 0..<hidden.cols { patterns[i].append(hidden[i, u] > 0) } }
        }
        let map = linearRegionMap(patterns, side: max(2, side))
        let output = titled(try decisionBoundaryShading(probabilities: { try net.probabilities($0) }, style: style), title: "output")
        let regions = titled(map.image, title: "\(map.regions) linear regions")
        let figure = montage([[output, regions]], rowLabels: [], columnLabels: [],
                             title: "\(problem.title): \(net.name), one color per on/off pattern of its \(reluNetwork.layers * reluNetwork.width) ReLU units")
        try writeFigure(figure, to: out, stem: "\(problem.name)-\(net.name)-regions", ppm: false)
    }
}

/// The lectures' findings, checked on the measured test accuracies (keys "dataset/model").
func findings(_ acc: [String: Double], majority: [String: Double], knn: String, problems: [String]) -> Table {
    var table = Table(columns: ["finding", "measured", "holds"])
    func add(_ finding: String, _ measured: String, _ holds: Bool) { table.append([.text(finding), .text(measured), .text(holds ? "yes" : "no")]) }
    for problem in [Toy2D.fourGaussians, .twoPockets] where problems.contains(problem.rawValue) {
        let lr = acc["\(problem.rawValue)/logreg"] ?? 0, base = majority[problem.rawValue] ?? 0
        add("\(problem.rawValue): logistic regression within 5 points of the majority-class rate",
            String(format: "logreg %.4f, majority %.4f", lr, base), abs(lr - base) <= 0.05)
    }
    let knns = problems.map { acc["\($0)/\(knn)"] ?? 0 }
    add("k-NN (\(knn)) above 90% test accuracy on every problem", "lowest " + String(format: "%.4f", knns.min() ?? 0), knns.allSatisfy { $0 > 0.90 })
    guard problems.contains(Toy2D.twoPockets.rawValue) else { return table }
    let h2 = acc["two-pockets/mlp-h2"] ?? 0, h10 = acc["two-pockets/mlp-h10"] ?? 0, k5 = acc["two-pockets/\(knn)"] ?? 0
    add("two-pockets: 10 hidden units at least 10 points above 2", String(format: "mlp-h10 %.4f, mlp-h2 %.4f", h10, h2), h10 >= h2 + 0.10)
    add("two-pockets: 10 hidden units within 3 points of k-NN", String(format: "mlp-h10 %.4f, %@ %.4f", h10, knn, k5), h10 >= k5 - 0.03)
    return table
}

Toy2DExperiment.mainReportingOneSentence()
