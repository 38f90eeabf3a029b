// Confusion-matrix heat maps: rows are the true classes, columns the predicted ones; each cell is
// shaded by its share of the row and shows the count.
import ImageFiles

/// Renders `counts[true][predicted]` as a heat map with class names on both axes.
public func confusionHeatMap(_ counts: [[Int]], classNames: [String], title: String = "", cell: Int = 36) -> Image {
    let k = counts.count
    let names = classNames.map { String($0.prefix(12)) }
    let left = (names.map { textWidth($0) }.max() ?? 0) + 16
    let top = (title.isEmpty ? 0 : 20) + 24
    var canvas = Canvas(width: left + k * cell + 8, height: top + k * cell + 24)
    if !title.isEmpty { canvas.text(title, centerX: canvas.width / 2, y: 4) }
    canvas.text("PREDICTED", centerX: left + k * cell / 2, y: top - 20)
    canvas.text("TRUE", x: 4, y: top - 10)
    for i in 0..<k {
        let total = max(1, counts[i].reduce(0, +))
        canvas.text(i < names.count ? names[i] : "\(i)", x: 4, y: top + i * cell + cell / 2 - 3)
        for j in 0..<k {
            let share = Float(counts[i][j]) / Float(total)
            let color = RGB.white.mixed(with: i == j ? RGB(0, 90, 160) : RGB(200, 60, 20), min(1, share * (i == j ? 1 : 4)))
            canvas.fill(x: left + j * cell, y: top + i * cell, width: cell - 1, height: cell - 1, color: color)
            let ink: RGB = share > 0.5 ? .white : .black
            canvas.text("\(counts[i][j])", centerX: left + j * cell + cell / 2, y: top + i * cell + cell / 2 - 3, color: ink)
        }
    }
    for j in 0..<k {
        let label = j < names.count ? String(names[j].prefix(4)) : "\(j)"
        canvas.text(label, centerX: left + j * cell + cell / 2, y: top - 10)
    }
    return canvas.image
}
