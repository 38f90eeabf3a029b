// Decision-boundary pictures for 2-D problems: the plane shaded by the predicted class
// probabilities, the class boundary traced, the training points drawn on top in class colors,
// nice ticks on both axes.
import Foundation
import ImageFiles
import Tensors

/// What a decision-boundary picture shows and at which resolution.
public struct DecisionBoundaryStyle: Sendable {
    /// Plotted range of the first feature (horizontal axis).
    public var xRange: ClosedRange<Float>
    /// Plotted range of the second feature (vertical axis, increasing upwards).
    public var yRange: ClosedRange<Float>
    /// Side of the square plot area in pixels; the model is evaluated once per pixel.
    public var resolution: Int
    /// Radius of the training-point discs in pixels.
    public var pointRadius: Int
    /// Title above the plot (empty for none).
    public var title: String

    public init(xRange: ClosedRange<Float>, yRange: ClosedRange<Float>, resolution: Int = 200,
                pointRadius: Int = 2, title: String = "") {
        self.xRange = xRange
        self.yRange = yRange
        self.resolution = resolution
        self.pointRadius = pointRadius
        self.title = title
    }
}

/// The plane of a decision-boundary picture, one pixel per model evaluation: each pixel the color
/// of the class probabilities at its centre, lightened, the argmax boundary in dark gray (60, 60, 60).
public func decisionBoundaryShading(probabilities: (Matrix) throws -> Matrix, style: DecisionBoundaryStyle) rethrows -> Image {
    let n = max(2, style.resolution)
    let (x0, x1, y0, y1) = (style.xRange.lowerBound, style.xRange.upperBound, style.yRange.lowerBound, style.yRange.upperBound)
    // Pixel (px, py) is centred at x0 + (px + ½)·Δx, y1 − (py + ½)·Δy (row 0 at the top).
    var grid = Matrix(rows: n * n, cols: 2)
    for py in 0..<n {
        for px in 0..<n {
            grid[py * n + px, 0] = x0 + (Float(px) + 0.5) * (x1 - x0) / Float(n)
            grid[py * n + px, 1] = y1 - (Float(py) + 0.5) * (y1 - y0) / Float(n)
        }
    }
    let p = try probabilities(grid)
    let winner = p.rowArgmax()
    var pixels = [UInt8](repeating: 0, count: n * n * 3)
    for i in 0..<(n * n) {
        let (px, py) = (i % n, i / n)
        var shade = boundaryShade((0..<p.cols).map { p[i, $0] })
        let onBoundary = (px + 1 < n && winner[i + 1] != winner[i]) || (py + 1 < n && winner[i + n] != winner[i])
        if onBoundary { shade = RGB(60, 60, 60) }
        pixels[3 * i] = shade.r; pixels[3 * i + 1] = shade.g; pixels[3 * i + 2] = shade.b
    }
    return Image(width: n, height: n, channels: 3, pixels: pixels)
}

/// The color of the plane where the model gives `probabilities` (one per class), as
/// `decisionBoundaryShading` paints it: the probability-weighted mix of the class colors, lightened.
public func boundaryShade(_ probabilities: [Float]) -> RGB {
    var r: Float = 0, g: Float = 0, b: Float = 0
    for (c, w) in probabilities.enumerated() {
        let color = RGB.classColor(c)
        r += w * Float(color.r); g += w * Float(color.g); b += w * Float(color.b)
    }
    let clamp = { (v: Float) in UInt8(min(max(v.rounded(), 0), 255)) }
    return RGB.white.mixed(with: RGB(clamp(r), clamp(g), clamp(b)), 0.6)
}

/// Renders a decision-boundary picture.
///
/// - Parameters:
///   - probabilities: the model's class probabilities for a batch of 2-D points (N×2 → N×classes).
///   - points: the training points (N×2) drawn on top; `labels` their classes.
///   - testPoints, testLabels: the test points, drawn hollow over the training points (none by default).
///   - classNames: with names, a legend under the plot: each class's training and test marker and
///     a color bar from the plane's color where the model is unsure (every class 1/K) to where it
///     is sure of that class (probability 1).
/// - Returns: the figure: the shaded plane (`style.resolution` pixels square, its `plotArea`), the
///   points as markers of one shape per class (training filled, test hollow), a frame, ticks and
///   axis titles x₁ and x₂, the title above, the grid size and the legend below. `rendered()`
///   gives its RGB pixels (for the PPM file).
public func renderDecisionBoundary(probabilities: (Matrix) throws -> Matrix, points: Matrix, labels: [Int],
                                   testPoints: Matrix? = nil, testLabels: [Int] = [], classNames: [String] = [],
                                   style: DecisionBoundaryStyle) rethrows -> Figure {
    precondition(points.cols == 2, "renderDecisionBoundary needs 2-D points")
    precondition(testPoints.map { $0.cols == 2 || $0.rows == 0 } ?? true, "renderDecisionBoundary needs 2-D test points")
    let shading = try decisionBoundaryShading(probabilities: probabilities, style: style)
    let n = Double(shading.width)
    let (x0, x1, y0, y1) = (Double(style.xRange.lowerBound), Double(style.xRange.upperBound),
                            Double(style.yRange.lowerBound), Double(style.yRange.upperBound))
    let xt = niceTicks(x0, x1, target: 5), yt = niceTicks(y0, y1, target: 5)
    let yLabels = yt.ticks.map { tickLabel($0, step: yt.step) }
    let pad = 10.0, tickLength = 4.0
    let titleHeight = style.title.isEmpty ? 0 : TextStyle.label.lineHeight + 8
    let caption = "model evaluated on a \(shading.width)×\(shading.height) grid"
    let left = (pad + TextStyle.tick.lineHeight + 6 + (yLabels.map { TextStyle.tick.width($0) }.max() ?? 0) + 3 + tickLength).rounded()
    let top = (pad + titleHeight).rounded()
    let contentWidth = left + n + pad + 4
    // The legend: one line per class (training marker, test marker, name, color bar), under the caption.
    let classCount = classNames.count
    let hasTest = (testPoints?.rows ?? 0) > 0
    let legendRow = max(TextStyle.small.lineHeight + 4, 14).rounded(.up)
    let markerColumns = hasTest ? 30.0 : 16.0, barWidth = 60.0
    let nameWidth = classNames.map { TextStyle.small.width($0) }.max() ?? 0
    let legendKey = hasTest ? "filled: training, hollow: test" : "training points"
    let barTitle = "plane: from unsure (1/\(max(classCount, 2))) to sure"
    let legendWidth = max(markerColumns + nameWidth + 8 + barWidth, TextStyle.small.width(legendKey), TextStyle.small.width(barTitle))
    let legendHeight = classCount == 0 ? 0 : 6 + 2 * legendRow + Double(classCount) * legendRow
    let width = max(contentWidth, TextStyle(size: 12, bold: true).width(style.title) + 2 * pad, left + TextStyle.small.width(caption) + pad,
                    legendWidth + 2 * pad)
    let height = top + n + tickLength + 2 + 2 * TextStyle.tick.lineHeight + 4 + TextStyle.small.lineHeight + pad + legendHeight
    let shift = ((width - contentWidth) / 2).rounded()
    let (plotX, plotY) = (left + shift, top)
    func px(_ x: Double) -> Double { plotX + (x - x0) / (x1 - x0) * n }
    func py(_ y: Double) -> Double { plotY + (y1 - y) / (y1 - y0) * n }

    var figure = Figure(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)), title: style.title) { p in
        if !style.title.isEmpty {
            p.text(style.title, x: width / 2, y: pad, style: TextStyle(size: 12, bold: true), align: .center, vertical: .top)
        }
        p.image(shading, x: plotX, y: plotY)
        let size = 2 * Double(style.pointRadius) + 1.5
        func shape(_ label: Int) -> MarkerShape { MarkerShape.allCases[label % MarkerShape.allCases.count] }
        p.clipped(x: plotX, y: plotY, width: n, height: n) {
            for (set, hollow) in [(points, false), (testPoints ?? Matrix(rows: 0, cols: 2), true)] {
                let classes = hollow ? testLabels : labels
                for i in 0..<set.rows {
                    let (x, y) = (Double(set[i, 0]), Double(set[i, 1]))
                    guard x >= x0, x <= x1, y >= y0, y <= y1 else { continue }
                    let label = i < classes.count ? classes[i] : 0
                    p.classMarker(shape(label), x: px(x), y: py(y), size: size, color: RGB.classColor(label), hollow: hollow)
                }
            }
        }
        p.strokeRect(x: plotX - 1, y: plotY - 1, width: n + 2, height: n + 2, color: .darkGray)
        // On a small plot, every other label is left out rather than letting labels touch.
        var lastEnd = -Double.infinity
        for v in xt.ticks {
            p.line(px(v), plotY + n + 1, px(v), plotY + n + 1 + tickLength, color: .darkGray)
            let label = tickLabel(v, step: xt.step), w = TextStyle.tick.width(label)
            guard px(v) - w / 2 > lastEnd + 4 else { continue }
            p.text(label, x: px(v), y: plotY + n + 2 + tickLength, style: .tick, color: .darkGray, align: .center, vertical: .top)
            lastEnd = px(v) + w / 2
        }
        var lastTop = Double.infinity
        for (v, label) in zip(yt.ticks, yLabels) {
            p.line(plotX - 1 - tickLength, py(v), plotX - 1, py(v), color: .darkGray)
            guard py(v) + TextStyle.tick.lineHeight / 2 < lastTop - 1 else { continue }
            p.text(label, x: plotX - 2 - tickLength - 2, y: py(v), style: .tick, color: .darkGray, align: .right, vertical: .middle)
            lastTop = py(v) - TextStyle.tick.lineHeight / 2
        }
        let below = plotY + n + tickLength + 2 + TextStyle.tick.lineHeight + 2
        p.text("x₁", x: plotX + n / 2, y: below, style: .tick, align: .center, vertical: .top)
        p.text("x₂", x: shift + pad, y: plotY + n / 2, style: .tick, align: .center, vertical: .top, angle: -Double.pi / 2)
        p.text(caption, x: plotX + n / 2, y: below + TextStyle.tick.lineHeight + 4, style: .small, color: .gray, align: .center, vertical: .top)
        guard classCount > 0 else { return }
        // The legend, centred under the plot.
        let lx = ((width - legendWidth) / 2).rounded(), ly = (below + TextStyle.tick.lineHeight + 4 + TextStyle.small.lineHeight + 6).rounded()
        p.text(legendKey, x: lx, y: ly, style: .small, color: .darkGray, align: .left, vertical: .top)
        let barX = lx + markerColumns + nameWidth + 8
        for c in 0..<classCount {
            let y = ly + legendRow * Double(c + 1) + legendRow / 2
            let color = RGB.classColor(c)
            p.classMarker(shape(c), x: lx + 6, y: y, size: 7, color: color, hollow: false)
            if hasTest { p.classMarker(shape(c), x: lx + 20, y: y, size: 7, color: color, hollow: true) }
            p.text(classNames[c], x: lx + markerColumns, y: y, style: .small, align: .left, vertical: .middle)
            // From every class at 1/K to this class at 1, in 20 steps.
            let k = Float(max(classCount, 2))
            for step in 0..<20 {
                let t = Float(step) / 19, mine = 1 / k + t * (1 - 1 / k), other = (1 - mine) / (k - 1)
                let probabilities = (0..<Int(k)).map { $0 == c ? mine : other }
                p.fillRect(x: barX + Double(step) * barWidth / 20, y: y - 4, width: barWidth / 20 + 0.5, height: 8, color: boundaryShade(probabilities))
            }
            p.strokeRect(x: barX, y: y - 4, width: barWidth, height: 8, color: .gray, lineWidth: 0.5)
        }
        p.text(barTitle, x: lx, y: ly + legendRow * Double(classCount + 1) + 2, style: .small, color: .darkGray, align: .left, vertical: .top)
    }
    figure.plotArea = (plotX, plotY, n, n)
    return figure
}
