// Decision-boundary pictures for 2-D problems: the plane shaded by the predicted class
// probabilities, the class boundary traced, the training points drawn on top in class colors.
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

/// Renders a decision-boundary picture.
///
/// - Parameters:
///   - probabilities: the model's class probabilities for a batch of 2-D points (N×2 → N×classes).
///   - points: the training points (N×2) drawn on top; `labels` their classes.
/// - Returns: an RGB image: the plot area (`style.resolution` pixels square, each pixel the color of
///   the class probabilities at its centre, lightened, with the argmax boundary in dark gray), a
///   frame, the axis ranges at the corners and the title above.
public func renderDecisionBoundary(probabilities: (Matrix) throws -> Matrix, points: Matrix, labels: [Int],
                                   style: DecisionBoundaryStyle) rethrows -> Image {
    precondition(points.cols == 2, "renderDecisionBoundary needs 2-D points")
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

    let margin = 24, top = style.title.isEmpty ? margin : margin + 14
    var canvas = Canvas(width: n + 2 * margin, height: n + top + margin)
    for py in 0..<n {
        for px in 0..<n {
            let i = py * n + px
            var r: Float = 0, g: Float = 0, b: Float = 0
            for c in 0..<p.cols {
                let color = RGB.classColor(c), w = p[i, c]
                r += w * Float(color.r); g += w * Float(color.g); b += w * Float(color.b)
            }
            let clamp = { (v: Float) in UInt8(min(max(v.rounded(), 0), 255)) }
            var shade = RGB.white.mixed(with: RGB(clamp(r), clamp(g), clamp(b)), 0.6)
            let onBoundary = (px + 1 < n && winner[i + 1] != winner[i]) || (py + 1 < n && winner[i + n] != winner[i])
            if onBoundary { shade = RGB(60, 60, 60) }
            canvas.set(margin + px, top + py, shade)
        }
    }
    for i in 0..<points.rows {
        let px = Int(((points[i, 0] - x0) / (x1 - x0) * Float(n)).rounded(.down))
        let py = Int(((y1 - points[i, 1]) / (y1 - y0) * Float(n)).rounded(.down))
        guard px >= 0, py >= 0, px < n, py < n else { continue }
        canvas.disc(cx: margin + px, cy: top + py, radius: style.pointRadius, fill: RGB.classColor(labels[i]), outline: .black)
    }
    canvas.stroke(x: margin - 1, y: top - 1, width: n + 2, height: n + 2, color: .black)
    if !style.title.isEmpty { canvas.text(style.title, centerX: margin + n / 2, y: 6, scale: 1) }
    canvas.text(axisLabel(x0), x: margin, y: top + n + 4)
    canvas.text(axisLabel(x1), x: margin + n - textWidth(axisLabel(x1)), y: top + n + 4)
    canvas.text(axisLabel(y1), x: 2, y: top)
    canvas.text(axisLabel(y0), x: 2, y: top + n - textHeight())
    canvas.text("\(n)×\(n) grid", centerX: margin + n / 2, y: top + n + 4)
    return canvas.image
}

/// A short axis label: up to two decimals, trailing zeros removed.
func axisLabel(_ v: Float) -> String {
    var s = String(format: "%.2f", Double(v))
    while s.contains(".") && (s.hasSuffix("0") || s.hasSuffix(".")) { s.removeLast() }
    return s == "-0" ? "0" : s
}

import Foundation
