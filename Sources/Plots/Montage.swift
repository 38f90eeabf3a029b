// Montages: a labelled grid of pictures (data sets × models), and unlabelled tile grids for
// learned weights (visual words, first-layer filters, MLP templates).
import ImageFiles

/// Lays `cells[row][column]` out in a grid with `rowLabels` on the left and `columnLabels` on top.
/// Cells may differ in size; each grid slot is as large as the largest cell.
public func montage(_ cells: [[Image]], rowLabels: [String], columnLabels: [String], title: String = "",
                    padding: Int = 8) -> Image {
    let cellW = cells.flatMap { $0 }.map(\.width).max() ?? 0
    let cellH = cells.flatMap { $0 }.map(\.height).max() ?? 0
    let columns = cells.map(\.count).max() ?? 0
    let left = (rowLabels.map { textWidth($0) }.max() ?? 0) + 2 * padding
    let top = (title.isEmpty ? 0 : textHeight(scale: 2) + padding) + textHeight() + 2 * padding
    var canvas = Canvas(width: left + columns * (cellW + padding) + padding,
                        height: top + cells.count * (cellH + padding) + padding)
    if !title.isEmpty { canvas.text(title, centerX: canvas.width / 2, y: padding, scale: 2) }
    for (c, label) in columnLabels.enumerated() where c < columns {
        canvas.text(label, centerX: left + c * (cellW + padding) + cellW / 2, y: top - textHeight() - padding)
    }
    for (r, row) in cells.enumerated() {
        let y = top + r * (cellH + padding)
        if r < rowLabels.count { canvas.text(rowLabels[r], x: padding, y: y + cellH / 2 - textHeight() / 2) }
        for (c, image) in row.enumerated() { canvas.paste(image, x: left + c * (cellW + padding), y: y) }
    }
    return canvas.image
}

/// Renders weight vectors as gray tiles in a grid: each of `tiles` holds `channels × height × width`
/// values (planar); each tile is stretched to black…white over its own range (zero-centred weights
/// keep 0 at mid-gray when `symmetric`), drawn `scale`× and separated by one-pixel gaps.
public func tileGrid(_ tiles: [[Float]], channels: Int = 1, height: Int, width: Int, columns: Int,
                     scale: Int = 3, symmetric: Bool = true) -> Image {
    let columns = max(1, columns)
    let rows = (tiles.count + columns - 1) / columns
    let gap = 1
    var canvas = Canvas(width: columns * (width * scale + gap) + gap, height: rows * (height * scale + gap) + gap,
                        background: RGB(40, 40, 40))
    for (t, tile) in tiles.enumerated() {
        precondition(tile.count == channels * height * width, "tileGrid: tile \(t) has \(tile.count) values")
        var lo = tile.min() ?? 0, hi = tile.max() ?? 1
        if symmetric { let m = max(abs(lo), abs(hi)); lo = -m; hi = m }
        let span = hi - lo > 1e-12 ? hi - lo : 1
        let pixels: [UInt8] = (0..<(height * width)).flatMap { p -> [UInt8] in
            (0..<(channels == 3 ? 3 : 1)).map { c in UInt8(((tile[c * height * width + p] - lo) / span * 255).rounded()) }
        }
        let image = Image(width: width, height: height, channels: channels == 3 ? 3 : 1, pixels: pixels)
        canvas.paste(image, x: gap + (t % columns) * (width * scale + gap), y: gap + (t / columns) * (height * scale + gap), scale: scale)
    }
    return canvas.image
}

/// `image` with `title` above it and an optional `caption` below (the canvas widens to fit the text).
public func titled(_ image: Image, title: String, caption: String = "", padding: Int = 8) -> Image {
    let textW = max(textWidth(title), textWidth(caption))
    let width = max(image.width, textW) + 2 * padding
    let top = padding + textHeight() + padding
    let bottom = caption.isEmpty ? padding : padding + textHeight() + padding
    var canvas = Canvas(width: width, height: top + image.height + bottom)
    canvas.text(title, centerX: width / 2, y: padding)
    canvas.paste(image, x: (width - image.width) / 2, y: top)
    if !caption.isEmpty { canvas.text(caption, centerX: width / 2, y: top + image.height + padding) }
    return canvas.image
}
