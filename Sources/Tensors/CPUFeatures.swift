// Which vector instructions the suite's kernels use: one probe for all of them (CCPUFeatures). The
// environment variable CVD_CPU=portable (or avx2, or avx512 to leave out VNNI) lowers it for a whole run;
// `CPUFeatures.withLimit` lowers it for a block of code, which is how the tests run every kernel's
// portable path on a CPU that has AVX-512.
import CCPUFeatures
import CTensorKernels

public enum CPUFeatures {
    /// A set of instruction-set extensions the kernels may use.
    public struct Set: OptionSet, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        /// AVX-512 F, BW, DQ and VL.
        public static let avx512 = Set(rawValue: CVD_CPU_AVX512)
        /// AVX-512 VNNI (the 8-bit k-NN kernel).
        public static let vnni = Set(rawValue: CVD_CPU_VNNI)
        /// AVX2 and FMA.
        public static let avx2 = Set(rawValue: CVD_CPU_AVX2)
        /// Nothing beyond the portable C loops.
        public static let portable: Set = []

        public var description: String {
            contains(.vnni) ? "AVX-512 + VNNI" : contains(.avx512) ? "AVX-512" : contains(.avx2) ? "AVX2" : "portable"
        }
    }

    /// What the kernels use now.
    public static var active: Set { Set(rawValue: cvd_cpu_features()) }
    /// What the CPU has.
    public static var hardware: Set { Set(rawValue: cvd_cpu_hardware_features()) }
    /// What the kernels use, with the reason when a switch lowered it (for logs and benchmarks).
    public static var description: String { String(cString: cvd_cpu_description()) }

    /// Runs `body` with the kernels restricted to `features` (for tests: the limit is global, so
    /// nothing else should run kernels meanwhile), then lifts the restriction.
    public static func withLimit<T>(_ features: Set, _ body: () throws -> T) rethrows -> T {
        cvd_cpu_limit(features.rawValue)
        defer { cvd_cpu_limit(-1) }
        return try body()
    }
}

extension CPUFeatures {
    /// The machine's multiply-add limit in GFLOP/s: every one of `threads` threads runs back-to-back
    /// independent fused multiply-adds in the widest vector unit the kernels use, for about
    /// `seconds`; the best of `repeats` rounds. What a perfect kernel could reach, for benchmarks to
    /// state their share of it.
    public static func fmaPeakGflops(threads: Int = Parallel.threadCount, seconds: Double = 0.3, repeats: Int = 3) -> Double {
        var sink: Float = 0
        // Calibrate the iteration count on one thread.
        var iterations = 1 << 16
        while true {
            let t = Stopwatch()
            _ = tk_fma_loop(iterations, &sink)
            if t.seconds > seconds / 4 || iterations >= 1 << 34 { iterations = Int(Double(iterations) * seconds / max(t.seconds, 1e-9)); break }
            iterations *= 4
        }
        var best = 0.0
        for _ in 0..<max(1, repeats) {
            var flops = [Double](repeating: 0, count: threads)
            let t = Stopwatch()
            flops.withUnsafeMutableBufferPointer { f in
                Parallel.forEachChunk(threads) { i in
                    var local: Float = 0
                    f[i] = tk_fma_loop(iterations, &local)
                }
            }
            best = max(best, flops.reduce(0, +) / t.seconds / 1e9)
        }
        return best
    }
}
