// Line charts for learning curves and accuracy-versus-cost plots: nice ticks, axis titles in words
// (the y title rotated), Okabe–Ito colors with dashes and marker shapes when there are more lines
// than colors, error bars with caps, and the legend outside the plot area, right of it.
import Foundation
import ImageFiles

/// One named line of (x, y) points.
public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    /// Half-lengths of error bars (one per point, such as a standard deviation over seeds), or nil.
    public var errors: [Double]?
    /// The palette color to draw with (index into `RGB.okabeIto`), nil for the series' turn.
    public var colorIndex: Int?
    /// Dashed or solid; nil for automatic (solid for the first eight series, then dashed, then dotted).
    public var dashed: Bool?
    /// Dotted (overrides `dashed`), for a third kind of line beside solid and dashed.
    public var dotted = false
    /// False for a scatter of points: markers only (of `markerSize`, without their white outline), no line.
    public var connected: Bool
    /// The marker's size in pixels (7 unless set).
    public var markerSize: Double?
    /// A color of its own (overrides `colorIndex`), such as the ninth and tenth of ten classes.
    public var color: RGB?
    public init(name: String, points: [(x: Double, y: Double)], errors: [Double]? = nil, colorIndex: Int? = nil, dashed: Bool? = nil,
                connected: Bool = true, markerSize: Double? = nil) {
        self.name = name
        self.points = points
        self.errors = errors
        self.colorIndex = colorIndex
        self.dashed = dashed
        self.connected = connected
        self.markerSize = markerSize
    }
}

/// How the `index`th series of a chart is drawn: its color, dash pattern and marker.
public func seriesLook(_ s: Series, index: Int) -> (color: RGB, dash: [Double], marker: MarkerShape) {
    let cycle = index / RGB.okabeIto.count
    let dash: [Double]
    switch s.dashed {
    case _ where s.dotted: dash = [2, 2.5]
    case .some(true): dash = [6, 3]
    case .some(false): dash = []
    case .none: dash = [[], [6, 3], [2, 2.5]][cycle % 3]
    }
    return (s.color ?? RGB.seriesColor(s.colorIndex ?? index), dash, MarkerShape.allCases[index % MarkerShape.allCases.count])
}

/// Draws `series` on shared axes with a legend right of the plot area.
///
/// - Parameters:
///   - xLabel, yLabel: the axis titles, in words ("epoch", "test accuracy"); "(log scale)" is
///     added to the x title of a log axis unless it says so already.
///   - yRange: the plotted y range (ticks inside it), or nil to fit the data and its error bars,
///     extended to whole ticks.
///   - logX: x on a base-10 log scale, ticked at whole decades.
///   - xTicks: ticks at these x values with these labels (the codebook sizes measured, the names
///     of categories at 1, 2, 3 …) instead of computed ones.
///   - width, height: the size of the plot area in pixels; the figure adds the margins, the title
///     and the legend (and grows to fit them).
///   - markers: a mark at every point.
///   - topLabels: short texts written inside the plot's top edge at these x values (naming groups
///     of points, such as the layer width shared by the points under it).
public func lineChart(_ series: [Series], title: String, xLabel: String, yLabel: String,
                      yRange: ClosedRange<Double>? = nil, logX: Bool = false,
                      xTicks: [(value: Double, label: String)]? = nil,
                      width: Int = 420, height: Int = 260, markers: Bool = true,
                      topLabels: [(x: Double, label: String)] = []) -> Figure {
    let pad = 12.0, tickLength = 5.0, gap = 4.0
    let pw = Double(max(160, width)), ph = Double(max(100, height))
    let tx: (Double) -> Double = { logX ? log10(max($0, 1e-300)) : $0 }
    let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }

    // x axis: range in transformed units, labelled major ticks, unlabelled minor ticks (data units).
    var xLo = all.map(\.x).min() ?? (logX ? 1 : 0), xHi = all.map(\.x).max() ?? (logX ? 10 : 1)
    var major: [(value: Double, label: String)] = [], minor: [Double] = []
    var xRange: (lo: Double, hi: Double)
    if let xTicks, !xTicks.isEmpty {
        let given = xTicks.filter { !logX || $0.value > 0 }
        xLo = min(xLo, given.map(\.value).min() ?? xLo); xHi = max(xHi, given.map(\.value).max() ?? xHi)
        let (a, b) = (tx(xLo), tx(xHi)), margin = b - a > 0 ? 0.05 * (b - a) : 0.5
        xRange = (a - margin, b + margin)
        major = given
    } else if logX {
        let t = logTicks(xLo, xHi)
        xRange = (log10(t.range.lowerBound), log10(t.range.upperBound))
        major = t.ticks.map { ($0, decadeLabel($0)) }
        minor = t.minor
    } else {
        let margin = xHi - xLo > 0 ? 0.03 * (xHi - xLo) : 0.5
        xRange = (xLo - margin, xHi + margin)
        let t = niceTicks(xRange.lo, xRange.hi)
        major = t.ticks.map { ($0, tickLabel($0, step: t.step)) }
    }

    // y axis.
    var yLo: Double, yHi: Double
    if let yRange {
        (yLo, yHi) = (yRange.lowerBound, yRange.upperBound)
    } else {
        var values = all.map(\.y)
        for s in series { if let e = s.errors, e.count == s.points.count { values += zip(s.points, e).flatMap { [$0.y - $1, $0.y + $1] } } }
        let r = niceRange(values.filter(\.isFinite).min() ?? 0, values.filter(\.isFinite).max() ?? 1)
        (yLo, yHi) = (r.lowerBound, r.upperBound)
    }
    if !(yHi - yLo > 1e-12) { yLo -= 0.5; yHi += 0.5 }
    let yTicks = niceTicks(yLo, yHi)
    let yLabels = yTicks.ticks.map { tickLabel($0, step: yTicks.step) }

    // Layout.
    let xTitle = logX && !xLabel.contains("log") ? xLabel + " (log scale)" : xLabel
    let left = pad + TextStyle.axisTitle.lineHeight + 8 + (yLabels.map { TextStyle.tick.width($0) }.max() ?? 0) + gap + tickLength
    let top = pad + TextStyle.title.lineHeight + 10
    let bottom = tickLength + 3 + TextStyle.tick.lineHeight + 6 + TextStyle.axisTitle.lineHeight + pad
    let rowHeight = max(TextStyle.label.lineHeight + 4, 16), sample = 30.0
    let legendX = left + pw + 16
    let legendWidth = series.isEmpty ? 0 : sample + 6 + (series.map { TextStyle.label.width($0.name) }.max() ?? 0)
    let contentWidth = series.isEmpty ? left + pw + pad : legendX + legendWidth + pad
    let figureWidth = max(contentWidth, TextStyle.title.width(title) + 2 * pad)
    let figureHeight = max(top + ph + bottom, top + Double(series.count) * rowHeight + pad)
    let shift = ((figureWidth - contentWidth) / 2).rounded()  // centre the chart under a wider title
    let (plotX, plotY) = ((left + shift).rounded(), top.rounded())

    func px(_ x: Double) -> Double { plotX + (tx(x) - xRange.lo) / (xRange.hi - xRange.lo) * pw }
    func py(_ y: Double) -> Double { plotY + ph - (y - yLo) / (yHi - yLo) * ph }

    var figure = Figure(width: Int(figureWidth.rounded(.up)), height: Int(figureHeight.rounded(.up)), title: title) { p in
        p.text(title, x: figureWidth / 2, y: pad, style: .title, align: .center, vertical: .top)
        // Grid, frame, ticks and their labels.
        for v in minor where px(v) > plotX && px(v) < plotX + pw {
            p.line(px(v), plotY, px(v), plotY + ph, color: RGB(242, 242, 242))
            p.line(px(v), plotY + ph, px(v), plotY + ph + tickLength * 0.6, color: .darkGray)
        }
        var lastEnd = -Double.infinity
        for t in major where px(t.value) >= plotX - 0.5 && px(t.value) <= plotX + pw + 0.5 {
            let x = px(t.value)
            p.line(x, plotY, x, plotY + ph, color: RGB(228, 228, 228))
            p.line(x, plotY + ph, x, plotY + ph + tickLength, color: .darkGray)
            let w = TextStyle.tick.width(t.label)
            guard x - w / 2 > lastEnd + 6 else { continue }  // skip a label that would touch the previous one
            p.text(t.label, x: x, y: plotY + ph + tickLength + 3, style: .tick, color: .darkGray, align: .center, vertical: .top)
            lastEnd = x + w / 2
        }
        for (v, label) in zip(yTicks.ticks, yLabels) {
            let y = py(v)
            p.line(plotX, y, plotX + pw, y, color: RGB(228, 228, 228))
            p.line(plotX - tickLength, y, plotX, y, color: .darkGray)
            p.text(label, x: plotX - tickLength - gap, y: y, style: .tick, color: .darkGray, align: .right, vertical: .middle)
        }
        p.strokeRect(x: plotX, y: plotY, width: pw + 1, height: ph + 1, color: .darkGray)
        p.text(xTitle, x: plotX + pw / 2, y: plotY + ph + tickLength + 3 + TextStyle.tick.lineHeight + 6, style: .axisTitle,
               align: .center, vertical: .top)
        p.text(yLabel, x: shift + pad, y: plotY + ph / 2, style: .axisTitle, align: .center, vertical: .top, angle: -Double.pi / 2)

        // The lines, their error bars and markers, inside the plot area.
        p.clipped(x: plotX - 4, y: plotY - 4, width: pw + 8, height: ph + 8) {
            p.clipped(x: plotX, y: plotY, width: pw + 1, height: ph + 1) {
                for (i, s) in series.enumerated() {
                    let look = seriesLook(s, index: i)
                    if let errors = s.errors, errors.count == s.points.count {
                        for (pt, e) in zip(s.points, errors) where e > 0 && pt.x.isFinite && pt.y.isFinite {
                            let (x, y0, y1) = (px(pt.x), py(pt.y + e), py(pt.y - e))
                            p.line(x, y0, x, y1, color: look.color, width: 1.2)
                            p.line(x - 4, y0, x + 4, y0, color: look.color, width: 1.2)
                            p.line(x - 4, y1, x + 4, y1, color: look.color, width: 1.2)
                        }
                    }
                    guard s.connected else { continue }
                    let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!logX || $0.x > 0) }.sorted { $0.x < $1.x }
                    p.polyline(pts.map { (px($0.x), py($0.y)) }, color: look.color, width: 2, dash: look.dash)
                }
            }
            func mark(_ i: Int, _ pt: (x: Double, y: Double)) {
                let s = series[i], look = seriesLook(s, index: i)
                guard pt.x.isFinite && pt.y >= yLo && pt.y <= yHi && (!logX || pt.x > 0) else { return }
                p.marker(look.marker, x: px(pt.x), y: py(pt.y), size: s.markerSize ?? 7, color: look.color, outlined: s.connected)
            }
            if markers {
                for (i, s) in series.enumerated() where s.connected { for pt in s.points { mark(i, pt) } }
            }
            // Scatter series take turns point by point, so that no class hides under the one drawn last.
            let scattered = series.indices.filter { !series[$0].connected }
            for k in 0..<(scattered.map { series[$0].points.count }.max() ?? 0) {
                for i in scattered where k < series[i].points.count { mark(i, series[i].points[k]) }
            }
        }

        // Labels of groups of points (the widths of a capacity sweep), inside the top edge.
        for t in topLabels where t.x.isFinite && (!logX || t.x > 0) && px(t.x) >= plotX && px(t.x) <= plotX + pw {
            let w = TextStyle.small.width(t.label)
            let x = min(max(px(t.x), plotX + w / 2 + 3), plotX + pw - w / 2 - 3)
            p.text(t.label, x: x, y: plotY + 4, style: .small, color: .darkGray, align: .center, vertical: .top)
        }

        // The legend, right of the plot area.
        for (i, s) in series.enumerated() {
            let look = seriesLook(s, index: i)
            let y = plotY + (Double(i) + 0.5) * rowHeight
            if s.connected { p.line(legendX + shift, y, legendX + shift + sample, y, color: look.color, width: 2, dash: look.dash) }
            if markers || !s.connected { p.marker(look.marker, x: legendX + shift + sample / 2, y: y, size: 7, color: look.color) }
            p.text(s.name, x: legendX + shift + sample + 6, y: y, style: .label, align: .left, vertical: .middle)
        }
    }
    figure.plotArea = (plotX, plotY, pw, ph)
    return figure
}

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
