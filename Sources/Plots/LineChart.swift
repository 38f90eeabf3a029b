// Line charts for learning curves and accuracy-versus-cost plots.
import ImageFiles

/// One named line of (x, y) points.
public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Half-lengths of error bars (one per point, such as a standard deviation over seeds), or nil.
    public var errors: [Double]?
    public init(name: String, points: [(x: Double, y: Double)], errors: [Double]? = nil) {
        self.name = name
        self.points = points
        self.errors = errors
    }
}

/// Draws `series` on shared axes (ranges fitted to the data, or given), with a legend, axis
/// labels and the axis ranges written at the ends. `logX` plots x on a base-10 log scale.
public func lineChart(_ series: [Series], title: String, xLabel: String, yLabel: String,
                      yRange: ClosedRange<Double>? = nil, logX: Bool = false,
                      width: Int = 480, height: Int = 320, markers: Bool = true) -> Image {
    let all = series.flatMap(\.points)
    let tx: (Double) -> Double = { logX ? log10(max($0, 1e-12)) : $0 }
    var xLo = all.map { tx($0.x) }.min() ?? 0, xHi = all.map { tx($0.x) }.max() ?? 1
    var yLo = yRange?.lowerBound ?? (all.map(\.y).min() ?? 0), yHi = yRange?.upperBound ?? (all.map(\.y).max() ?? 1)
    if xHi - xLo < 1e-12 { xLo -= 0.5; xHi += 0.5 }
    if yHi - yLo < 1e-12 { yLo -= 0.5; yHi += 0.5 }
    let left = 56, right = 16, top = 28, bottom = 40
    let legendRows = series.count
    var canvas = Canvas(width: width, height: height + legendRows * 12)
    let pw = width - left - right, ph = height - top - bottom
    canvas.text(title, centerX: width / 2, y: 8)
    canvas.stroke(x: left, y: top, width: pw, height: ph, color: .black)
    for f in [0.25, 0.5, 0.75] {  // light grid
        canvas.fill(x: left + 1, y: top + Int(Double(ph) * f), width: pw - 2, height: 1, color: .lightGray)
        canvas.fill(x: left + Int(Double(pw) * f), y: top + 1, width: 1, height: ph - 2, color: .lightGray)
    }
    func px(_ x: Double) -> Int { left + Int(((tx(x) - xLo) / (xHi - xLo) * Double(pw - 1)).rounded()) }
    func py(_ y: Double) -> Int { top + ph - 1 - Int(((y - yLo) / (yHi - yLo) * Double(ph - 1)).rounded()) }
    for (s, line) in series.enumerated() {
        let color = RGB.classColor(s)
        let pts = line.points.sorted { $0.x < $1.x }
        if let errors = line.errors, errors.count == line.points.count {
            for (p, e) in zip(line.points, errors) where e > 0 {
                let (x, y0, y1) = (px(p.x), py(min(yHi, p.y + e)), py(max(yLo, p.y - e)))
                canvas.fill(x: x, y: y0, width: 1, height: max(1, y1 - y0 + 1), color: color)
                canvas.fill(x: x - 3, y: y0, width: 7, height: 1, color: color)
                canvas.fill(x: x - 3, y: y1, width: 7, height: 1, color: color)
            }
        }
        for (a, b) in zip(pts, pts.dropFirst()) { canvas.line(px(a.x), py(a.y), px(b.x), py(b.y), color: color, thickness: 2) }
        if markers { for p in pts { canvas.disc(cx: px(p.x), cy: py(p.y), radius: 2, fill: color, outline: color) } }
        canvas.fill(x: left, y: height + s * 12, width: 14, height: 3, color: color)
        canvas.text(line.name, x: left + 20, y: height + s * 12 - 2)
    }
    let fmt = { (v: Double) -> String in axisLabel(Float(v)) }
    let xs = Set(all.map(\.x)).sorted()
    if xs.count >= 2 && xs.count <= 8 {
        // Few distinct x values (codebook sizes, widths): label each one, skipping labels that would overlap.
        var lastEnd = Int.min
        for x in xs {
            let label = fmt(x), w = textWidth(label)
            let cx = min(max(px(x), left + w / 2), left + pw - w / 2)
            guard cx - w / 2 > lastEnd + 4 else { continue }
            canvas.fill(x: px(x), y: top + ph, width: 1, height: 3, color: .black)
            canvas.text(label, centerX: cx, y: top + ph + 4)
            lastEnd = cx + w / 2
        }
    } else {
        let xLoText = logX ? fmt(pow(10, xLo)) : fmt(xLo), xHiText = logX ? fmt(pow(10, xHi)) : fmt(xHi)
        canvas.text(xLoText, x: left, y: top + ph + 4)
        canvas.text(xHiText, x: left + pw - textWidth(xHiText), y: top + ph + 4)
    }
    for f in [0.25, 0.5, 0.75] {  // the grid lines' values
        let v = yLo + (yHi - yLo) * (1 - f)
        canvas.text(String(format: "%.3f", v), x: 2, y: top + Int(Double(ph) * f) - textHeight() / 2)
    }
    canvas.text(xLabel + (logX ? " (LOG)" : ""), centerX: left + pw / 2, y: top + ph + 16)
    canvas.text(fmt(yHi), x: 2, y: top)
    canvas.text(fmt(yLo), x: 2, y: top + ph - textHeight())
    canvas.text(yLabel, x: 2, y: top - textHeight() - 4)
    return canvas.image
}

import Foundation

/// A series from measurements over several seeds: the points sharing an x are drawn as their mean,
/// with an error bar of ± one sample standard deviation where there are two or more.
public func seriesOverSeeds(name: String, points: [(x: Double, y: Double)]) -> Series {
    var xs: [Double] = [], ys: [Double: [Double]] = [:]
    for p in points {
        if ys[p.x] == nil { xs.append(p.x) }
        ys[p.x, default: []].append(p.y)
    }
    let means = xs.map { x in ys[x]!.reduce(0, +) / Double(ys[x]!.count) }
    let sds = zip(xs, means).map { x, m -> Double in
        let v = ys[x]!
        return v.count < 2 ? 0 : (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }
    return Series(name: name, points: Array(zip(xs, means)).map { (x: $0.0, y: $0.1) },
                  errors: points.count > xs.count ? sds : nil)
}
