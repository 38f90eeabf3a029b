// Montages: a labelled grid of figures (data sets × models), unlabelled tile grids for learned
// weights (visual words, first-layer filters, MLP templates), and a picture with a title and caption.
import Foundation
import ImageFiles

/// Lays `cells[row][column]` out in a grid with `rowLabels` on the left and `columnLabels` on top.
/// Cells may differ in size; each grid slot is as large as the largest cell. The figure is at least
/// as wide as its title; column labels wider than a slot are turned upright.
public func montage(_ cells: [[Figure]], rowLabels: [String], columnLabels: [String], title: String = "",
                    padding: Int = 8) -> Figure {
    let pad = Double(padding), edge = 12.0
    let cellW = Double(cells.flatMap { $0 }.map(\.width).max() ?? 0)
    let cellH = Double(cells.flatMap { $0 }.map(\.height).max() ?? 0)
    let columns = cells.map(\.count).max() ?? 0
    let labelStyle = TextStyle(size: 13, bold: true)
    let columnWidths = columnLabels.prefix(columns).map { labelStyle.width($0) }
    let upright = (columnWidths.max() ?? 0) > cellW - 4
    let columnLabelHeight = columnLabels.isEmpty ? 0 : (upright ? (columnWidths.max() ?? 0) : labelStyle.lineHeight)
    let left = (edge + (rowLabels.map { labelStyle.width($0) }.max() ?? 0) + pad).rounded()
    let titleStyle = TextStyle(size: 16, bold: true)
    let top = (edge + (title.isEmpty ? 0 : titleStyle.lineHeight + pad) + columnLabelHeight + pad).rounded()
    let gridWidth = left + Double(columns) * (cellW + pad) - pad + edge
    let width = max(gridWidth, titleStyle.width(title) + 2 * edge)
    let height = top + Double(cells.count) * (cellH + pad) - pad + edge
    let shift = ((width - gridWidth) / 2).rounded()
    return Figure(width: Int(width.rounded(.up)), height: Int(max(height, top + edge).rounded(.up)), title: title) { p in
        if !title.isEmpty { p.text(title, x: width / 2, y: edge, style: titleStyle, align: .center, vertical: .top) }
        for (c, label) in columnLabels.enumerated() where c < columns {
            let cx = shift + left + Double(c) * (cellW + pad) + cellW / 2
            if upright {
                p.text(label, x: cx, y: top - pad, style: labelStyle, align: .left, vertical: .middle, angle: -Double.pi / 2)
            } else {
                p.text(label, x: cx, y: top - pad, style: labelStyle, align: .center, vertical: .bottom)
            }
        }
        for (r, row) in cells.enumerated() {
            let y = top + Double(r) * (cellH + pad)
            if r < rowLabels.count {
                p.text(rowLabels[r], x: shift + edge, y: y + cellH / 2, style: labelStyle, align: .left, vertical: .middle)
            }
            for (c, cell) in row.enumerated() { p.figure(cell, x: shift + left + Double(c) * (cellW + pad), y: y) }
        }
    }
}

/// `montage` of raster pictures.
public func montage(_ cells: [[Image]], rowLabels: [String], columnLabels: [String], title: String = "",
                    padding: Int = 8) -> Figure {
    montage(cells.map { $0.map { Figure(image: $0) } }, rowLabels: rowLabels, columnLabels: columnLabels, title: title, padding: padding)
}

/// Renders weight vectors as gray tiles in a grid: each of `tiles` holds `channels × height × width`
/// values (planar); each tile is stretched to black…white over its own range (zero-centred weights
/// keep 0 at mid-gray when `symmetric`), drawn `scale`× and separated by one-pixel gaps (dark gray).
public func tileGrid(_ tiles: [[Float]], channels: Int = 1, height: Int, width: Int, columns: Int,
                     scale: Int = 3, symmetric: Bool = true) -> Image {
    let columns = max(1, columns), scale = max(1, scale)
    let rows = (tiles.count + columns - 1) / columns
    let gap = 1
    let (gridW, gridH) = (columns * (width * scale + gap) + gap, rows * (height * scale + gap) + gap)
    var pixels = [UInt8](repeating: 40, count: gridW * gridH * 3)
    for (t, tile) in tiles.enumerated() {
        precondition(tile.count == channels * height * width, "tileGrid: tile \(t) has \(tile.count) values")
        var lo = tile.min() ?? 0, hi = tile.max() ?? 1
        if symmetric { let m = max(abs(lo), abs(hi)); lo = -m; hi = m }
        let span = hi - lo > 1e-12 ? hi - lo : 1
        let (ox, oy) = (gap + (t % columns) * (width * scale + gap), gap + (t / columns) * (height * scale + gap))
        for y in 0..<(height * scale) {
            for x in 0..<(width * scale) {
                let p = (y / scale) * width + x / scale
                for c in 0..<3 {
                    let v = tile[(channels == 3 ? c : 0) * height * width + p]
                    pixels[((oy + y) * gridW + ox + x) * 3 + c] = UInt8(min(max((v - lo) / span * 255, 0), 255).rounded())
                }
            }
        }
    }
    return Image(width: gridW, height: gridH, channels: 3, pixels: pixels)
}

/// `image` with `title` above it and an optional `caption` below (the figure widens to fit the text).
public func titled(_ image: Image, title: String, caption: String = "", padding: Int = 8) -> Figure {
    let pad = Double(padding)
    let titleStyle = TextStyle(size: 14, bold: true)
    let textW = max(titleStyle.width(title), TextStyle.label.width(caption))
    let width = (max(Double(image.width), textW) + 2 * pad).rounded(.up)
    let top = (pad + titleStyle.lineHeight + pad).rounded()
    let bottom = caption.isEmpty ? pad : pad + TextStyle.label.lineHeight + pad
    let height = top + Double(image.height) + bottom
    var figure = Figure(width: Int(width), height: Int(height.rounded(.up)), title: title) { p in
        p.text(title, x: width / 2, y: pad, style: titleStyle, align: .center, vertical: .top)
        p.image(image, x: ((width - Double(image.width)) / 2).rounded(.down), y: top)
        if !caption.isEmpty {
            p.text(caption, x: width / 2, y: top + Double(image.height) + pad, style: .label, color: .darkGray, align: .center, vertical: .top)
        }
    }
    figure.plotArea = (((width - Double(image.width)) / 2).rounded(.down), top, Double(image.width), Double(image.height))
    return figure
}
