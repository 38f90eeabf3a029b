// Axis ticks at numbers a reader can read: steps of 1, 2 or 5 × 10ⁿ on linear axes (about four to
// eight ticks, labels written to the step's precision), whole decades on log axes.
import Foundation

/// Ticks of a linear axis from `lo` to `hi`: the multiples of a step 1, 2 or 5 × 10ⁿ inside the
/// range, the step chosen so there are 4–8 of them, as close to `target` as possible (ties: the
/// larger step). 0.887…0.963 gives 0.90, 0.92, 0.94, 0.96 (step 0.02).
public func niceTicks(_ lo: Double, _ hi: Double, target: Int = 6) -> (ticks: [Double], step: Double) {
    guard lo.isFinite, hi.isFinite else { return ([], 1) }
    let (lo, hi) = (min(lo, hi), max(lo, hi))
    let span = hi - lo > 0 ? hi - lo : max(abs(lo), 1)
    let top = Int(floor(log10(span)))
    var best: (score: Int, step: Double, first: Int, count: Int)?
    for e in stride(from: top + 1, through: top - 2, by: -1) {
        for m in [5.0, 2.0, 1.0] {
            let step = m * pow(10, Double(e))
            let first = Int(ceil(lo / step - 1e-9)), last = Int(floor(hi / step + 1e-9))
            let count = last - first + 1
            let score = (4...8).contains(count) ? abs(count - target) : 100 + abs(count - target)
            if best == nil || score < best!.score { best = (score, step, first, count) }
        }
    }
    guard let b = best, b.count > 0 else { return ([], 1) }
    return ((0..<b.count).map { rounded(Double(b.first + $0) * b.step, step: b.step) }, b.step)
}

/// A range extended outwards to whole multiples of the nice step of its ticks (a chart fitted to
/// its data starts and ends on a tick).
public func niceRange(_ lo: Double, _ hi: Double, target: Int = 6) -> ClosedRange<Double> {
    let step = niceTicks(lo, hi, target: target).step
    let a = floor(lo / step + 1e-9) * step, b = ceil(hi / step - 1e-9) * step
    return rounded(a, step: step)...max(rounded(b, step: step), rounded(a, step: step) + step)
}

/// A log axis covering `lo`…`hi` (both > 0), padded a little: its range and its ticks at whole
/// decades (at least two: the range is extended to the decade below, then above, when fewer fall
/// inside), and the unlabelled minor ticks at 2× and 5× each decade. 12,730…335,114 gives ticks
/// 10⁴ and 10⁵.
public func logTicks(_ lo: Double, _ hi: Double) -> (range: ClosedRange<Double>, ticks: [Double], minor: [Double]) {
    let lo = max(min(lo, hi), 1e-300), hi = max(max(lo, hi), lo)
    var l = log10(lo), h = log10(hi)
    let pad = h - l > 0 ? 0.04 * (h - l) : 0.1
    l -= pad; h += pad
    func decades() -> [Int] { Int(ceil(l - 1e-9)) <= Int(floor(h + 1e-9)) ? Array(Int(ceil(l - 1e-9))...Int(floor(h + 1e-9))) : [] }
    if decades().count < 2 { l = min(l, floor(l)) }
    if decades().count < 2 { h = max(h, ceil(h)) }
    if decades().count < 2 { h = ceil(h) + 1 }
    let ticks = decades().map { pow(10, Double($0)) }
    var minor: [Double] = []
    for e in Int(floor(l))...Int(ceil(h)) {
        for m in [2.0, 5.0] {
            let v = m * pow(10, Double(e))
            if log10(v) >= l && log10(v) <= h { minor.append(v) }
        }
    }
    return (pow(10, l)...pow(10, h), ticks, minor)
}

/// `v` rounded to the decimals of `step` (no 0.30000000000000004).
func rounded(_ v: Double, step: Double) -> Double {
    let d = Double(decimals(forStep: step))
    let f = pow(10, d)
    let r = (v * f).rounded() / f
    return r == 0 ? 0 : r
}

/// Decimals needed to write multiples of `step`: 2 for 0.02 and 0.05, 1 for 0.5, 0 for 5 or 200.
func decimals(forStep step: Double) -> Int {
    guard step > 0, step.isFinite else { return 0 }
    return max(0, Int(ceil(-log10(step) - 1e-9)))
}

/// A tick label: `v` with the decimals of `step`, thousands separated by commas, a true minus sign.
public func tickLabel(_ v: Double, step: Double) -> String {
    let d = decimals(forStep: step)
    var s = String(format: "%.\(d)f", abs(v))
    let point = s.firstIndex(of: ".") ?? s.endIndex
    var whole = String(s[..<point])
    if whole.count >= 4 {
        var grouped = ""
        for (i, c) in whole.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { grouped.append(",") }
            grouped.append(c)
        }
        whole = String(grouped.reversed())
    }
    s = whole + s[point...]
    return (v < 0 && s.contains(where: { $0 != "0" && $0 != "." && $0 != "," }) ? "−" : "") + s
}

/// A decade tick label: 1, 10, 100 and 1,000 as such, larger (or smaller) powers as 10ⁿ with a
/// superscript exponent.
public func decadeLabel(_ v: Double) -> String {
    let e = Int(log10(v).rounded())
    if (0...3).contains(e) { return tickLabel(pow(10, Double(e)), step: 1) }
    let superscripts: [Character: Character] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
                                                "8": "⁸", "9": "⁹", "-": "⁻"]
    return "10" + String(String(e).map { superscripts[$0]! })
}
