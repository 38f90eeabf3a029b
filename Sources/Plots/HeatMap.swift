// Confusion-matrix heat maps: rows are the true classes, columns the predicted ones; each cell is
// shaded by its share of the row (on a square-root scale, so the few errors show) and shows the
// count. Full class names on both axes (the column names turned upright when they are wider than
// a cell) and a color bar of the shares.
import Foundation
import ImageFiles

/// Renders `counts[true][predicted]` as a heat map with class names on both axes. `cell` is the
/// least side of a cell in pixels (cells widen for long counts); the figure is at least as wide as
/// its title.
public func confusionHeatMap(_ counts: [[Int]], classNames: [String], title: String = "", cell: Int = 36) -> Figure {
    let k = counts.count
    let names = (0..<k).map { $0 < classNames.count ? classNames[$0] : "\($0)" }
    let pad = 12.0, gap = 6.0
    let countStyle = TextStyle(size: k > 12 ? 9 : 11)
    let widestCount = counts.joined().map { countStyle.width("\($0)") }.max() ?? 0
    let side = max(Double(cell), (widestCount + 8).rounded(.up))
    let nameWidths = names.map { TextStyle.label.width($0) }
    let upright = (nameWidths.max() ?? 0) > side - 4
    let columnLabelHeight = upright ? (nameWidths.max() ?? 0) : TextStyle.label.lineHeight
    let titleHeight = title.isEmpty ? 0 : TextStyle.title.lineHeight + 10
    let top = (pad + titleHeight + TextStyle.axisTitle.lineHeight + gap + columnLabelHeight + gap).rounded()
    let left = (pad + TextStyle.axisTitle.lineHeight + gap + (nameWidths.max() ?? 0) + gap).rounded()
    let matrix = Double(k) * side

    // The color bar: shares 0…1 on the square-root scale of the cells.
    let barShares: [Double] = [0, 0.05, 0.2, 0.5, 1]
    let barLabels = ["0", "0.05", "0.2", "0.5", "1"]
    let barTitle = "share of the true class (√ scale)"
    let barHeight = max(matrix, (TextStyle.tick.width(barTitle) + 10).rounded(.up)), barWidth = 14.0
    let barX = left + matrix + 20
    let barRight = barX + barWidth + 4 + (barLabels.map { TextStyle.tick.width($0) }.max() ?? 0) + gap + TextStyle.tick.lineHeight
    let contentWidth = barRight + pad
    let width = max(contentWidth, TextStyle.title.width(title) + 2 * pad, left + TextStyle.axisTitle.width("predicted class") + pad)
    let height = top + barHeight + pad
    let shift = ((width - contentWidth) / 2).rounded()
    let (x0, y0) = (left + shift, top)

    var figure = Figure(width: Int(width.rounded(.up)), height: Int(height.rounded(.up)), title: title) { p in
        if !title.isEmpty { p.text(title, x: width / 2, y: pad, style: .title, align: .center, vertical: .top) }
        p.text("predicted class", x: x0 + matrix / 2, y: pad + titleHeight, style: .axisTitle, align: .center, vertical: .top)
        p.text("true class", x: shift + pad, y: y0 + matrix / 2, style: .axisTitle, align: .center, vertical: .top, angle: -Double.pi / 2)
        for j in 0..<k {
            let cx = x0 + (Double(j) + 0.5) * side
            if upright {
                p.text(names[j], x: cx, y: y0 - gap, style: .label, align: .left, vertical: .middle, angle: -Double.pi / 2)
            } else {
                p.text(names[j], x: cx, y: y0 - gap, style: .label, align: .center, vertical: .bottom)
            }
        }
        for i in 0..<k {
            let total = max(1, counts[i].reduce(0, +))
            p.text(names[i], x: x0 - gap, y: y0 + (Double(i) + 0.5) * side, style: .label, align: .right, vertical: .middle)
            for j in 0..<k {
                let t = (Double(counts[i][j]) / Double(total)).squareRoot()
                p.fillRect(x: x0 + Double(j) * side, y: y0 + Double(i) * side, width: side - 1, height: side - 1, color: .ramp(t))
                p.text("\(counts[i][j])", x: x0 + (Double(j) + 0.5) * side - 0.5, y: y0 + (Double(i) + 0.5) * side - 0.5, style: countStyle,
                       color: t > 0.6 ? .white : .black, align: .center, vertical: .middle)
            }
        }
        // Color bar, bottom (0) to top (1).
        let bx = barX + shift
        let steps = 64
        for s in 0..<steps {
            let t = (Double(s) + 0.5) / Double(steps)
            p.fillRect(x: bx, y: y0 + barHeight * (1 - Double(s + 1) / Double(steps)), width: barWidth, height: barHeight / Double(steps) + 0.5,
                       color: .ramp(t))
        }
        p.strokeRect(x: bx, y: y0, width: barWidth, height: barHeight, color: .darkGray)
        for (share, label) in zip(barShares, barLabels) {
            let y = y0 + barHeight * (1 - share.squareRoot())
            p.line(bx + barWidth, y, bx + barWidth + 3, y, color: .darkGray)
            p.text(label, x: bx + barWidth + 4, y: y, style: .tick, color: .darkGray, align: .left, vertical: .middle)
        }
        p.text(barTitle, x: barRight + shift, y: y0 + barHeight / 2, style: .tick, color: .darkGray, align: .center, vertical: .top,
               angle: Double.pi / 2)
    }
    figure.plotArea = (x0, y0, matrix, matrix)
    return figure
}
