// A gallery of classified images, for the mistakes of a model: each image scaled up to a readable
// size with short caption lines under it ("true: shirt", "pred: t-shirt 0.97"), in a grid under a
// title.
import ImageFiles

/// Lays `items` out in a grid of `columns` cells under `title`.
///
/// Layout (all sizes in pixels, P = 8 padding; captions in the 11 px label font, the title in the
/// 15 px bold title font):
/// - each image is drawn `scale`× (at least 1×), more when its longer side would stay under
///   `minimumSide` (then the smallest integer factor that reaches it);
/// - captions longer than `maxCaptionLength` characters are cut and end in "…"; no caption is
///   wider than its cell;
/// - every cell is as wide as the widest scaled image or caption line, and as high as the highest
///   scaled image plus, when there are captions, 3 + lines × (line height + 3) (lines = the most
///   of any item);
/// - cells are P apart and P from the edges; the title sits P from the top with P under it; the
///   figure is wide enough for the title.
///
/// An empty `items` gives a small figure that says "no mistakes" under the title. Caption line i is
/// drawn in `captionColors[i]` (the last color for further lines).
public func mistakesGallery(_ items: [(image: Image, caption: [String])], columns: Int, title: String, scale: Int = 2,
                            minimumSide: Int = 56, maxCaptionLength: Int = 24,
                            captionColors: [RGB] = [.black, RGB(180, 30, 30)]) -> Figure {
    let pad = 8.0, lineGap = 3.0
    let captionStyle = TextStyle(size: 11)
    let titleHeight = title.isEmpty ? 0 : (TextStyle.title.lineHeight + pad).rounded(.up)
    let top = pad + titleHeight
    guard !items.isEmpty else {
        let message = "no mistakes"
        let width = (max(TextStyle.title.width(title), TextStyle.label.width(message)) + 2 * pad).rounded(.up)
        let height = (top + TextStyle.label.lineHeight + pad).rounded(.up)
        return Figure(width: Int(width), height: Int(height), title: title) { p in
            if !title.isEmpty { p.text(title, x: width / 2, y: pad, style: .title, align: .center, vertical: .top) }
            p.text(message, x: width / 2, y: top, style: .label, color: .gray, align: .center, vertical: .top)
        }
    }
    let scales = items.map { galleryScale($0.image, scale: scale, minimumSide: minimumSide) }
    let captions = items.map { $0.caption.map { shortenedCaption($0, maxLength: maxCaptionLength) } }
    let lines = captions.map(\.count).max() ?? 0
    let imageWidth = Double(zip(items, scales).map { $0.image.width * $1 }.max() ?? 0)
    let imageHeight = Double(zip(items, scales).map { $0.image.height * $1 }.max() ?? 0)
    let captionWidth = (captions.flatMap { $0 }.map { captionStyle.width($0) }.max() ?? 0).rounded(.up)
    let lineHeight = captionStyle.lineHeight.rounded(.up)
    let cellWidth = max(imageWidth, captionWidth, 1)
    let cellHeight = imageHeight + (lines > 0 ? lineGap + Double(lines) * (lineHeight + lineGap) : 0)
    let columns = max(1, min(columns, items.count))
    let rows = (items.count + columns - 1) / columns
    let gridWidth = Double(columns) * cellWidth + Double(columns + 1) * pad
    let width = max(gridWidth, (TextStyle.title.width(title) + 2 * pad).rounded(.up))
    let height = top + Double(rows) * (cellHeight + pad)
    let left = ((width - gridWidth) / 2).rounded(.down) + pad
    return Figure(width: Int(width), height: Int(height), title: title) { p in
        if !title.isEmpty { p.text(title, x: width / 2, y: pad, style: .title, align: .center, vertical: .top) }
        for (i, item) in items.enumerated() {
            let x = left + Double(i % columns) * (cellWidth + pad), y = top + Double(i / columns) * (cellHeight + pad)
            let (w, h) = (Double(item.image.width * scales[i]), Double(item.image.height * scales[i]))
            let ix = x + ((cellWidth - w) / 2).rounded(.down), iy = y + ((imageHeight - h) / 2).rounded(.down)
            p.strokeRect(x: ix - 1, y: iy - 1, width: w + 2, height: h + 2, color: .lightGray)
            p.image(item.image, x: ix, y: iy, scale: scales[i])
            for (l, line) in captions[i].enumerated() {
                let color = captionColors.isEmpty ? RGB.black : captionColors[min(l, captionColors.count - 1)]
                p.text(line, x: x + cellWidth / 2, y: y + imageHeight + lineGap + Double(l) * (lineHeight + lineGap), style: captionStyle,
                       color: color, align: .center, vertical: .top)
            }
        }
    }
}

/// The integer factor an image of the gallery is drawn at.
func galleryScale(_ image: Image, scale: Int, minimumSide: Int) -> Int {
    let side = max(image.width, image.height, 1)
    return max(scale, 1, (minimumSide + side - 1) / side)
}

/// `text` cut to `maxLength` characters, the last one "…" when cut.
func shortenedCaption(_ text: String, maxLength: Int) -> String {
    let limit = max(1, maxLength)
    return text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
}
