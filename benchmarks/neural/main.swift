// Benchmarks of the neural-network module: training throughput (images/s at batch 64) of LeNet-5
// and MLP(784-100-10) on MNIST-shaped data, and optionally the MNIST-5k accuracies. Writes CSV
// `task,unit,value`; the PyTorch reference script writes the same task names for `make compare`.
import ArgumentParser
import Classifiers
import Datasets
import Experiments
import Foundation
import NeuralNetworks
import Tensors

struct BenchNeural: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvd-bench-neural",
        abstract: "Measure neural-network training speed (and optionally accuracy); write CSV task,unit,value.")

    @Option(help: "Output CSV file.")
    var out: String = "results/bench/neural.csv"

    @Flag(help: "Fewer batches and repeats (for a quick look, not for the record).")
    var quick = false

    @Flag(help: "Also train MLP(100) and LeNet-5 on the MNIST-5k split (4,000 / 1,000, seed 0) and report test accuracy.")
    var accuracy = false

    @Flag(help: "Also train on Fashion-MNIST (60k / 10k) when it is installed.")
    var fashion = false

    @Option(help: "With --accuracy: override LeNet-5's epochs, batch size, learning rate, weight decay (e.g. 20,32,0.05,0.0005).")
    var lenet: String?

    @Option(help: "With --accuracy: override the MLP's epochs, batch size, learning rate, weight decay.")
    var mlp: String?

    @Option(help: "With --accuracy or --fashion: train LeNet-5 on images shifted by up to this many pixels (0: none; default: the configuration's).")
    var lenetShift: Int?

    @Option(help: "With --accuracy or --fashion: seed of the weights and the shuffling.")
    var seed: UInt64 = 0

    @Option(help: "With --accuracy or --fashion: write each run's learning curve to <folder>/<task>.csv.")
    var curves: String?

    @Flag(help: "Skip the throughput measurements.")
    var noSpeed = false

    @Option(help: "Measure only these throughput rows (comma-separated: lenet5_train, vgg_small_train, mlp100_train, lenet5_infer, mlp100_infer), as for a profiler.")
    var only: String?

    // Constants of the measurements.
    static let batchSize = 64
    static let imageShape = [1, 28, 28]

    @Flag(help: "Print where LeNet-5's training time goes, layer by layer, and exit.")
    var profile = false

    func run() throws {
        log("BLAS: \(BLAS.description); kernels: \(CPUFeatures.description); threads: \(Parallel.threadCount)")
        if profile { try profileLeNet(); return }
        var rows: [(String, String, Double)] = []
        let repeats = quick ? 2 : 5
        let speedTasks = ["lenet5_train", "vgg_small_train", "mlp100_train", "lenet5_infer", "mlp100_infer"]
        let chosen = only.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? speedTasks
        if let unknown = chosen.first(where: { !speedTasks.contains($0) }) {
            throw ValidationError("--only: unknown task \(unknown); the tasks are \(speedTasks.joined(separator: ", "))")
        }
        if !noSpeed && only != nil {
            for task in chosen {
                let speed = try measure(task, quick: quick, repeats: repeats)
                log(String(format: "%@: %.0f images/s", task, speed))
                rows.append((task, "images_per_s", speed))
            }
        } else if !noSpeed {
            let lenetSpeed = try measure("lenet5_train", quick: quick, repeats: repeats)
            log(String(format: "lenet5_train: %.0f images/s", lenetSpeed))
            rows.append(("lenet5_train", "images_per_s", lenetSpeed))
            let vggSpeed = try measure("vgg_small_train", quick: quick, repeats: repeats)
            log(String(format: "vgg_small_train: %.0f images/s", vggSpeed))
            rows.append(("vgg_small_train", "images_per_s", vggSpeed))
            let mlpSpeed = try measure("mlp100_train", quick: quick, repeats: repeats)
            log(String(format: "mlp100_train: %.0f images/s", mlpSpeed))
            rows.append(("mlp100_train", "images_per_s", mlpSpeed))
            let lenetInfer = try measure("lenet5_infer", quick: quick, repeats: repeats)
            log(String(format: "lenet5_infer: %.0f images/s", lenetInfer))
            rows.append(("lenet5_infer", "images_per_s", lenetInfer))
            let mlpInfer = try measure("mlp100_infer", quick: quick, repeats: repeats)
            log(String(format: "mlp100_infer: %.0f images/s", mlpInfer))
            rows.append(("mlp100_infer", "images_per_s", mlpInfer))
            // Each row's effective rate against the machine's own multiply-add limit, measured here.
            let peak = CPUFeatures.fmaPeakGflops(seconds: quick ? 0.1 : 0.3)
            rows.append(("fma_peak", "gflops", peak))
            for (task, speed, flops) in [("lenet5_train", lenetSpeed, 3 * lenetForwardFlops), ("mlp100_train", mlpSpeed, 3 * mlpForwardFlops),
                                         ("lenet5_infer", lenetInfer, lenetForwardFlops), ("mlp100_infer", mlpInfer, mlpForwardFlops)] {
                let gflops = speed * flops / 1e9
                log(String(format: "%@: %.1f GFLOP/s, %.0f%% of the FMA limit (%.1f GFLOP/s, %@)", task, gflops, 100 * gflops / peak, peak, CPUFeatures.description))
                rows.append((task + "_gflops", "gflops", gflops))
                rows.append((task + "_share_of_fma_peak", "ratio", gflops / peak))
            }
        }

        var runs: [(task: String, classifier: NeuralNetworkClassifier, train: Dataset, test: Dataset)] = []
        if accuracy {
            let (train, test) = try stratifiedSplit(try loadMNIST5k(), testCount: 1000, seed: 0)
            // The digits table's networks, with the model catalogue's settings.
            runs.append(("mnist5k_mlp100", try catalogueNetwork("mlp", override: mlp, shape: train.imageShape), train, test))
            runs.append(("mnist5k_lenet5", try catalogueNetwork("lenet5", override: lenet, shape: train.imageShape), train, test))
        }
        if fashion {
            let (train, test) = try loadFashionMNIST()
            runs.append(("fashion_mlp100", .mlp(hidden: [100], options: try options(mlp, FashionConfiguration.mlp)), train, test))
            runs.append(("fashion_lenet5", .lenet5(options: try options(lenet, FashionConfiguration.lenet5, shift: lenetShift)), train, test))
        }
        for run in runs {
            var c = run.classifier
            let o = c.options
            log("\(run.task): \(o.epochs) epochs, batch \(o.batchSize), learning rate \(o.learningRate), \(o.optimizer), \(o.schedule), weight decay \(o.weightDecay), augmentation \(o.augmentation), seed \(o.seed)")
            c.progress = TerminalProgressReporter().report
            let clock = Stopwatch()
            try c.fit(run.train.features, run.train.labels, classCount: 10, test: (run.test.features, run.test.labels))
            let seconds = clock.seconds
            let acc = try c.score(run.test.features, run.test.labels)
            log(String(format: "%@: test accuracy %.4f, fit %.1f s (load %@)", run.task, acc, seconds, loadAverage()))
            rows.append((run.task + "_accuracy", "accuracy", acc))
            rows.append((run.task + "_fit", "seconds", seconds))
            if let folder = curves { try c.learningCurve?.write(to: folder + "/" + run.task + ".csv") }
        }
        let csv = "task,unit,value\n" + rows.map { "\($0.0),\($0.1),\(format($0.2))" }.joined(separator: "\n") + "\n"
        try writeFileAtomically(csv, to: out)
        print(csv, terminator: "")
    }

    /// Images per second of one throughput task (see `--only`).
    func measure(_ task: String, quick: Bool, repeats: Int) throws -> Double {
        let lenetImages = quick ? 64 * 30 : 64 * 120
        switch task {
        case "lenet5_train": return try throughput(images: lenetImages, repeats: repeats) { try Models.lenet5(seed: 0) }
        case "vgg_small_train":
            // vgg-small with the catalogue's default width and dense head.
            let vgg = try ModelCatalog.entry("vgg-small").settings()
            return try throughput(images: lenetImages / 2, repeats: repeats) {
                try Models.cnn(inputShape: BenchNeural.imageShape, stages: Models.vggStages(width: vgg.int("width")), hidden: vgg.ints("hidden"),
                               classes: 10, seed: 0)
            }
        case "mlp100_train":
            return try throughput(images: quick ? 64 * 300 : 64 * 1500, repeats: repeats) { try Models.mlp(inputs: 784, hidden: [100], outputs: 10, seed: 0) }
        // Prediction throughput at batch 256 (inference mode: no dropout, batch norm's running
        // statistics), as the reference measures it under torch.no_grad() and eval().
        case "lenet5_infer": return try inferenceThroughput(images: quick ? 256 * 8 : 256 * 40, repeats: repeats) { try Models.lenet5(seed: 0) }
        case "mlp100_infer":
            return try inferenceThroughput(images: quick ? 256 * 100 : 256 * 400, repeats: repeats) { try Models.mlp(inputs: 784, hidden: [100], outputs: 10, seed: 0) }
        default: throw ValidationError("--only: unknown task \(task)")
        }
    }

    /// The catalogue's network `name` (its default settings, "epochs,batch,rate,decay" from an option
    /// on top, and --lenet-shift for LeNet-5), built for `shape` with `--seed`.
    func catalogueNetwork(_ name: String, override text: String?, shape: ImageShape?) throws -> NeuralNetworkClassifier {
        let entry = try ModelCatalog.entry(name)
        var given: [String: SettingValue] = [:]
        if let text {
            let parts = text.split(separator: ",").map(String.init)
            guard parts.count == 4, let e = Int(parts[0]), let b = Int(parts[1]), let r = Double(parts[2]), let d = Double(parts[3]) else {
                throw ValidationError("expected epochs,batch,rate,decay such as 20,32,0.05,0.0005; got \(text)")
            }
            given = ["epochs": .int(e), "batch-size": .int(b), "lr": .real(r), "weight-decay": .real(d)]
        }
        if name == "lenet5", let lenetShift { given["shift"] = .int(lenetShift) }
        let model = try entry.build(try entry.settings(given: given), BuildContext(imageShape: shape, seed: seed))
        guard let network = model as? NeuralNetworkClassifier else {
            throw BenchmarkError(description: "the catalogue's \(name) builds a \(type(of: model)), not a neural network")
        }
        return network
    }

    /// `base` with the seed of `--seed` and, when given, "epochs,batch,rate,decay" from an option.
    func options(_ text: String?, _ base: TrainingOptions, shift: Int? = nil) throws -> TrainingOptions {
        var o = base
        o.seed = seed
        if let shift { o.augmentation = shift > 0 ? .randomShift(pixels: shift) : .none }
        guard let text else { return o }
        let parts = text.split(separator: ",").map(String.init)
        guard parts.count == 4, let e = Int(parts[0]), let b = Int(parts[1]), let r = Float(parts[2]), let d = Float(parts[3]) else {
            throw ValidationError("expected epochs,batch,rate,decay such as 20,32,0.05,0.0005; got \(text)")
        }
        (o.epochs, o.batchSize, o.learningRate, o.weightDecay) = (e, b, r, d)
        return o
    }

    /// Best of `repeats` training epochs over `images` random MNIST-shaped samples at batch 64, in
    /// images per second (the whole step: gather, forward, loss, backward, SGD-momentum update).
    func throughput(images: Int, repeats: Int, _ make: () throws -> Sequential) throws -> Double {
        var rng = Xoshiro256(seed: 7)
        let x = Matrix(rows: images, cols: 784, data: (0..<images * 784).map { _ in rng.uniform() })
        let y = (0..<images).map { _ in rng.int(below: 10) }
        let model = try make()
        let trainer = Trainer(options: TrainingOptions(epochs: 1, batchSize: BenchNeural.batchSize, learningRate: 0.01, evaluateTrainingSet: false))
        _ = try trainer.fit(model, x: x.rows(0..<min(images, 64 * 10)), y: Array(y[0..<min(images, 64 * 10)]))  // warm-up
        var best = 0.0, bestCPU = 0.0
        for _ in 0..<repeats {
            let cpu = processCPUSeconds()
            let curve = try trainer.fit(model, x: x, y: y)
            best = max(best, Double(images) / curve.trainSeconds)
            bestCPU = max(bestCPU, Double(images) / (processCPUSeconds() - cpu))
        }
        // On a shared machine the wall-clock figure is what the other processes left; the CPU time
        // shows the work itself (images per CPU-second, times the threads for the ideal both-core rate).
        log(String(format: "  %.0f images per CPU-second (%.0f images/s if %d threads had their cores to themselves); load %@",
                   bestCPU, bestCPU * Double(Parallel.threadCount), Parallel.threadCount, loadAverage()))
        return best
    }

    /// Multiply-adds ×2 of one image's forward pass: LeNet-5 (conv 1→20 5×5 on 28×28, conv 20→50
    /// 5×5 on 14×14, dense 2450→500→10) and the MLP (784→100→10). Training costs about three
    /// forward passes (the backward pass computes two products per layer).
    var lenetForwardFlops: Double { 2 * (28 * 28 * 20 * 25 + 14 * 14 * 50 * 20 * 25 + 2450 * 500 + 500 * 10) }
    var mlpForwardFlops: Double { 2 * (784 * 100 + 100 * 10) }

    /// Best-of-`repeats` images per second of the network's inference outputs, batch 256.
    func inferenceThroughput(images: Int, repeats: Int, _ make: () throws -> Sequential) throws -> Double {
        var rng = Xoshiro256(seed: 8)
        let x = Matrix(rows: images, cols: 784, data: (0..<images * 784).map { _ in rng.uniform() })
        let model = try make()
        _ = try model.outputs(x.rows(0..<min(images, 512)), batchSize: 256)  // warm-up
        var best = 0.0
        for _ in 0..<repeats {
            let t = Stopwatch()
            _ = try model.outputs(x, batchSize: 256)
            best = max(best, Double(images) / t.seconds)
        }
        return best
    }

    /// Mean milliseconds per batch of each layer's forward and backward pass (LeNet-5, batch 64).
    func profileLeNet() throws {
        let model = try Models.lenet5(seed: 0)
        var rng = Xoshiro256(seed: 7)
        let n = BenchNeural.batchSize
        let x = (0..<n * 784).map { _ in rng.uniform() }
        let dy = (0..<n * 10).map { _ in rng.uniform(-0.01, 0.01) }
        let batches = quick ? 20 : 100
        // Wall-clock and CPU time (all threads) per layer: on a shared machine the CPU time shows the
        // work, the wall-clock time what the other processes left of the cores.
        var fwd = [Double](repeating: 0, count: model.layers.count), bwd = fwd, fwdCPU = fwd, bwdCPU = fwd
        try x.withUnsafeBufferPointer { xp in
            try dy.withUnsafeBufferPointer { gp in
                guard let input = xp.baseAddress, let outputGradient = gp.baseAddress else {
                    throw BenchmarkError(description: "the profiling batch holds no values")
                }
                for b in 0..<(batches + 5) {
                    var h = input
                    for (i, layer) in model.layers.enumerated() {
                        let t = Stopwatch(), c = processCPUSeconds()
                        h = layer.forward(h, batch: n, training: true)
                        if b >= 5 { fwd[i] += t.seconds; fwdCPU[i] += processCPUSeconds() - c }
                    }
                    var g = outputGradient
                    for i in stride(from: model.layers.count - 1, through: 0, by: -1) {
                        let t = Stopwatch(), c = processCPUSeconds()
                        let r = model.layers[i].backward(g, inputGradient: i > 0)
                        if b >= 5 { bwd[i] += t.seconds; bwdCPU[i] += processCPUSeconds() - c }
                        if let r { g = r }
                    }
                }
            }
        }
        let per = 1e3 / Double(batches)
        for (i, layer) in model.layers.enumerated() {
            log(String(format: "%-32@ forward %6.3f ms (CPU %6.3f)  backward %6.3f ms (CPU %6.3f)", layer.label,
                       fwd[i] * per, fwdCPU[i] * per, bwd[i] * per, bwdCPU[i] * per))
        }
        let total = (fwd.reduce(0, +) + bwd.reduce(0, +)) / Double(batches)
        let totalCPU = (fwdCPU.reduce(0, +) + bwdCPU.reduce(0, +)) / Double(batches)
        log(String(format: "total %.3f ms per batch = %.0f images/s (without loss and update); CPU %.3f ms = %.0f images/s on %d cores",
                   total * 1e3, Double(n) / total, totalCPU * 1e3, Double(n * Parallel.threadCount) / totalCPU, Parallel.threadCount))
        // The GEMM shapes behind the big layers: per sample for the convolutions, per batch of 64 for
        // the dense layer (as the layers call them).
        let shapes: [(String, Bool, Bool, Int, Int, Int)] = [
            ("conv2 forward Wᵀ·cols", true, false, 50, 196, 500), ("conv2 dW dy·rows", false, false, 50, 500, 196),
            ("conv2 dcols Wᵀ·dy", true, false, 500, 196, 50), ("conv1 forward Wᵀ·cols", true, false, 20, 784, 25),
            ("conv1 dW dy·rows", false, false, 20, 25, 784),
            ("dense1 forward x·Wᵀ", false, true, 64, 500, 2450), ("dense1 dW dyᵀ·x", true, false, 500, 2450, 64),
            ("dense1 dx dy·W", false, false, 64, 2450, 500)]
        for (label, ta, tb, m, nn, k) in shapes {
            let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * nn)
            var c = [Float](repeating: 0, count: m * nn)
            var best = Double.infinity
            // Wall-clock time: the BLAS may run on threads of its own, whose CPU time this thread's
            // clock would not see.
            for _ in 0..<20 {
                let t = Stopwatch()
                sgemm(transA: ta, transB: tb, m: m, n: nn, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : nn, c: &c, ldc: nn)
                best = min(best, t.seconds)
            }
            var best1 = Double.infinity
            for _ in 0..<20 {
                let t0 = threadCPUSeconds()
                Kernels.sgemmSingle(transA: ta, transB: tb, m: m, n: nn, k: k, a: a, lda: ta ? m : k, b: b, ldb: tb ? k : nn, c: &c, ldc: nn)
                best1 = min(best1, threadCPUSeconds() - t0)
            }
            log(String(format: "%-24@ %4d×%5d×%5d  BLAS %.3f ms  %.0f GFLOP/s; own 1 thread %.3f ms %.0f GFLOP/s", label, m, nn, k, best * 1e3, 2 * Double(m * nn * k) / best / 1e9,
                       best1 * 1e3, 2 * Double(m * nn * k) / best1 / 1e9))
        }
    }

    func format(_ v: Double) -> String { v >= 100 ? String(format: "%.0f", v) : String(format: "%.4f", v) }
    func log(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }
}

/// A benchmark that cannot run as set up.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}

/// The 1-minute load average, as `uptime` shows it.
func loadAverage() -> String {
    var loads = [Double](repeating: 0, count: 3)
    return getloadavg(&loads, 3) == 3 ? String(format: "%.2f", loads[0]) : "unknown"
}

/// CPU seconds of the whole process, all threads.
func processCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// CPU seconds of the calling thread (unaffected by other processes sharing the cores).
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

/// The configurations of the Fashion-MNIST goals (MLP within 20 epochs, LeNet-5 within 10).
enum FashionConfiguration {
    static let mlp = TrainingOptions(epochs: 20, batchSize: 64, learningRate: 0.05, schedule: .cosine())
    static let lenet5 = TrainingOptions(epochs: 10, batchSize: 64, learningRate: 0.05, schedule: .cosine())
}

BenchNeural.main()
