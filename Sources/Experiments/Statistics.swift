// The statistics behind the multi-seed tables: mean, sample standard deviation and a Student-t
// confidence interval of a metric over seeds; McNemar's exact test for two classifiers scored on
// the same test images; the paired t-test across seeds; Holm's correction for many comparisons.
// Checked against SciPy (benchmarks/reference/stats_reference.py).
import Foundation

public enum Statistics {
    /// The regularized incomplete beta function I_x(a, b), from its continued fraction (evaluated
    /// with the modified Lentz method) on the side of x where it converges fast.
    public static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logBeta: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logFront: Double = logBeta + a * log(x) + b * log(1 - x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction 1 / (1 + d₁ / (1 + d₂ / (1 + …))) of I_x(a, b).
    static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...10_000 {
            let m = Double(m)
            // The even step d_{2m}, then the odd step d_{2m+1}.
            for coefficient in [m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                                -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))] {
                d = 1 + coefficient * d
                if abs(d) < tiny { d = tiny }
                c = 1 + coefficient / c
                if abs(c) < tiny { c = tiny }
                d = 1 / d
                result *= d * c
            }
            if abs(d * c - 1) < 1e-15 { break }
        }
        return result
    }

    /// P(T ≤ t) for Student's t distribution with `df` degrees of freedom.
    public static func studentTCDF(_ t: Double, df: Double) -> Double {
        let tail = 0.5 * incompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// The two-sided p-value of a t statistic: P(|T| ≥ |t|).
    public static func studentTTwoSidedP(_ t: Double, df: Double) -> Double {
        if t.isInfinite { return 0 }
        return min(1, incompleteBeta(df / (df + t * t), a: df / 2, b: 0.5))
    }

    /// The quantile t_p of Student's t distribution (0 < p < 1), by bisection on the CDF.
    public static func studentTQuantile(_ p: Double, df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0)
        if p == 0.5 { return 0 }
        if p < 0.5 { return -studentTQuantile(1 - p, df: df) }
        var low = 0.0, high = 1.0
        while studentTCDF(high, df: df) < p { high *= 2 }
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if studentTCDF(mid, df: df) < p { low = mid } else { high = mid }
            if high - low <= 1e-13 * max(1, high) { break }
        }
        return (low + high) / 2
    }

    /// McNemar's exact test: the two-sided binomial test of `b` against `c`, the test images only the
    /// first and only the second classifier got right (the images both got right or wrong say
    /// nothing about which is better). p = min(1, 2 · P(X ≤ min(b, c))), X ~ Binomial(b + c, ½).
    public static func mcnemarExactP(b: Int, c: Int) -> Double {
        let n = b + c
        if n == 0 { return 1 }
        let k = min(b, c)
        let logHalfToN = -Double(n) * log(2.0)
        var sum = 0.0
        for i in 0...k {
            let logChoose: Double = lgamma(Double(n + 1)) - lgamma(Double(i + 1)) - lgamma(Double(n - i + 1))
            sum += exp(logChoose + logHalfToN)
        }
        return min(1, 2 * sum)
    }

    /// The paired t-test of two lists measured on the same seeds: t = mean(d) / (sd(d) / √n) with
    /// n − 1 degrees of freedom. Nil below two pairs. Identical lists give p = 1; a constant,
    /// non-zero difference gives p = 0.
    public static func pairedTTest(_ a: [Double], _ b: [Double]) -> (t: Double, p: Double)? {
        precondition(a.count == b.count)
        guard a.count >= 2 else { return nil }
        let d = zip(a, b).map { $0 - $1 }
        let s = Summary(d)
        guard let sd = s.std else { return nil }
        if sd == 0 { return s.mean == 0 ? (0, 1) : (s.mean > 0 ? .infinity : -.infinity, 0) }
        let t = s.mean / (sd / Double(d.count).squareRoot())
        return (t, studentTTwoSidedP(t, df: Double(d.count - 1)))
    }

    /// Holm's step-down correction: the adjusted p-values, in the order given. Rejecting every
    /// hypothesis whose adjusted p is below α keeps the family-wise error rate at α.
    public static func holm(_ p: [Double]) -> [Double] {
        let m = p.count
        let order = (0..<m).sorted { (p[$0], $0) < (p[$1], $1) }
        var adjusted = [Double](repeating: 1, count: m)
        var running = 0.0
        for (rank, i) in order.enumerated() {
            running = max(running, min(1, Double(m - rank) * p[i]))
            adjusted[i] = running
        }
        return adjusted
    }
}

/// The mean, sample standard deviation and 95% Student-t confidence interval of a list of
/// measurements (one per seed). With one measurement the spread and the interval are unknown (nil).
public struct Summary: Equatable, Sendable {
    public var n: Int
    public var mean: Double
    /// The sample standard deviation (divisor n − 1).
    public var std: Double?
    /// The 95% confidence interval of the mean: mean ± t₀.₉₇₅,ₙ₋₁ · std / √n.
    public var ci95: ClosedRange<Double>?

    public init(_ values: [Double]) {
        n = values.count
        mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(n)
        guard n >= 2 else { return }
        let m = mean
        let s = (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)).squareRoot()
        std = s
        let half = Statistics.studentTQuantile(0.975, df: Double(n - 1)) * s / Double(n).squareRoot()
        ci95 = (m - half)...(m + half)
    }
}
