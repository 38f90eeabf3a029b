// The suite's benchmarks: `make bench` runs this in a release build and writes
// results/bench/bench.csv (header `benchmark,value,unit`).
import ArgumentParser
import Foundation
import Tensors

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cvd-bench",
        abstract: "Measure the suite's kernels and write a CSV of benchmark,value,unit.")

    @Option(help: "Output CSV file.")
    var out: String = "results/bench/bench.csv"

    @Flag(help: "Smaller sizes and fewer repeats (for a quick look, not for the record).")
    var quick = false

    func run() throws {
        var rows: [(String, Double, String)] = []
        FileHandle.standardError.write(Data("BLAS: \(BLAS.description); kernels: \(CPUFeatures.description); threads: \(Parallel.threadCount)\n".utf8))
        // The limit every kernel is measured against: independent FMAs on every thread.
        let peak = CPUFeatures.fmaPeakGflops(seconds: quick ? 0.1 : 0.3, repeats: quick ? 2 : 5)
        FileHandle.standardError.write(Data(String(format: "FMA limit (%@, %d threads): %.1f GFLOP/s\n", CPUFeatures.description, Parallel.threadCount, peak).utf8))
        rows.append(("fma_peak", peak, "gflops"))
        let sizes = quick ? [256, 512] : [512, 1024, 2048]
        for n in sizes {
            let g = sgemmGflops(n: n, repeats: quick ? 2 : 5)
            FileHandle.standardError.write(Data(String(format: "sgemm %d³: %.1f GFLOP/s\n", n, g).utf8))
            rows.append(("sgemm_\(n)", g, "gflops"))
            rows.append(("sgemm_\(n)_share_of_fma_peak", g / peak, "ratio"))
        }
        let csv = "benchmark,value,unit\n" + rows.map { String(format: "%@,%.2f,%@", $0.0, $0.1, $0.2) }.joined(separator: "\n") + "\n"
        try writeFileAtomically(csv, to: out)
        print(csv, terminator: "")
    }

    /// Best of `repeats` timings of C = A·B for n×n matrices, in GFLOP/s (2n³ flops).
    func sgemmGflops(n: Int, repeats: Int) -> Double {
        var rng = Xoshiro256(seed: 1)
        let a = Matrix(rows: n, cols: n, data: (0..<n * n).map { _ in rng.uniform(-1, 1) })
        let b = Matrix(rows: n, cols: n, data: (0..<n * n).map { _ in rng.uniform(-1, 1) })
        var c = Matrix(rows: n, cols: n)
        Matrix.multiply(a, b, into: &c)  // warm-up: loads the BLAS and its threads
        var best = Double.infinity
        for _ in 0..<repeats {
            let t = Stopwatch()
            Matrix.multiply(a, b, into: &c)
            best = min(best, t.seconds)
        }
        return 2 * Double(n) * Double(n) * Double(n) / best / 1e9
    }
}

Bench.main()
