// Wall-clock timing for benchmarks and the fit/predict columns of the result tables.
import Foundation

/// Measures elapsed wall-clock time with a monotonic clock.
public struct Stopwatch: Sendable {
    private let start: UInt64
    public init() { start = DispatchTime.now().uptimeNanoseconds }
    /// Seconds since the stopwatch was created.
    public var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9 }
}
