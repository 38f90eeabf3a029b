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
        var r: Float = 0, g: Float = 0, b: Float = 0
        for c in 0..<p.cols {
            let color = RGB.classColor(c), w = p[i, c]
            r += w * Float(color.r); g += w * Float(color.g); b += w * Float(color.b)
        }
        let clamp = { (v: Float) in UInt8(min(max(v.rounded(), 0), 255)) }
        var shade = RGB.white.mixed(with: RGB(clamp(r), clamp(g), clamp(b)), 0.6)
        let onBoundary = (px + 1 < n && winner[i + 1] != winner[i]) || (py + 1 < n && winner[i + n] != winner[i])
        if onBoundary { shade = RGB(60, 60, 60) }
        pixels[3 * i] = shade.r; pixels[3 * i + 1] = shade.g; pixels[3 * i + 2] = shade.b
    }
    return Image(width: n, height: n, channels: 3, pixels: pixels)
}

/// Renders a decision-boundary picture.
///
/// - Parameters:
///   - probabilities: the model's class probabilities for a batch of 2-D points (N×2 → N×classes).
///   - points: the training points (N×2) drawn on top; `labels` their classes.
/// - Returns: the figure: the shaded plane (`style.resolution` pixels square, its `plotArea`), the
///   training points as outlined discs, a frame, ticks and axis titles x₁ and x₂, the title above
///   and the grid size below. `rendered()` gives its RGB pixels (for the PPM file).
public func renderDecisionBoundary(probabilities: (Matrix) throws -> Matrix, points: Matrix, labels: [Int],
                                   style: DecisionBoundaryStyle) rethrows -> Figure {
    precondition(points.cols == 2, "renderDecisionBoundary needs 2-D points")
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
    let width = max(contentWidth, TextStyle(size: 12, bold: true).width(style.title) + 2 * pad, left + TextStyle.small.width(caption) + pad)
    let height = top + n + tickLength + 2 + 2 * TextStyle.tick.lineHeight + 4 + TextStyle.small.lineHeight + pad
    let shift = ((width - contentWidth) / 2).rounded()
    let (plotX, plotY) = (left + shift, top)
    func px(_ x: Double) -> Double { plotX + (x - x0) / (x1 - x0) * n }
    func py(_ y: Double) -> Double { plotY + (y1 - y) / (y1 - y0) * n }

    var figure = Figure(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)), title: style.title) { p in
        if !style.title.isEmpty {
            p.text(style.title, x: width / 2, y: pad, style: TextStyle(size: 12, bold: true), align: .center, vertical: .top)
        }
        p.image(shading, x: plotX, y: plotY)
        p.clipped(x: plotX, y: plotY, width: n, height: n) {
            for i in 0..<points.rows {
                let (x, y) = (Double(points[i, 0]), Double(points[i, 1]))
                guard x >= x0, x <= x1, y >= y0, y <= y1 else { continue }
                let label = i < labels.count ? labels[i] : 0
                p.disc(x: px(x), y: py(y), radius: Double(style.pointRadius) + 0.5, fill: RGB.classColor(label), outline: .black, outlineWidth: 0.6)
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
    }
    figure.plotArea = (plotX, plotY, n, n)
    return figure
}
