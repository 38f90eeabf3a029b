// A gallery of classified images, for the mistakes of a model: each image scaled up to a readable
// size with short caption lines under it ("true: shirt", "pred: t-shirt 0.97"), in a grid under a
// title. The plot font has capitals only, so captions are drawn in capitals.
import ImageFiles

/// Lays `items` out in a grid of `columns` cells under `title`.
///
/// Layout (all sizes in pixels, P = 8 padding, the font 7 px high, glyphs 6 px apart):
/// - each image is drawn `scale`× (at least 1×), more when its longer side would stay under
///   `minimumSide` (then the smallest integer factor that reaches it);
/// - captions longer than `maxCaptionLength` characters are cut and end in "…"; no caption is
///   wider than its cell;
/// - every cell is as wide as the widest scaled image or caption line, and as high as the highest
///   scaled image plus, when there are captions, 3 + lines × (7 + 3) (lines = the most of any item);
/// - cells are P apart and P from the edges; the title (font scale 2) sits P from the top with P
///   under it; the image is wide enough for the title.
///
/// An empty `items` gives a small image that says "no mistakes" under the title. Caption line i is
/// drawn in `captionColors[i]` (the last color for further lines).
public func mistakesGallery(_ items: [(image: Image, caption: [String])], columns: Int, title: String, scale: Int = 2,
                            minimumSide: Int = 56, maxCaptionLength: Int = 24,
                            captionColors: [RGB] = [.black, RGB(180, 30, 30)]) -> Image {
    let pad = 8, lineGap = 3
    let titleHeight = title.isEmpty ? 0 : textHeight(scale: 2) + pad
    let top = pad + titleHeight
    guard !items.isEmpty else {
        let message = "no mistakes"
        let width = max(textWidth(title, scale: 2), textWidth(message, scale: 2)) + 2 * pad
        var canvas = Canvas(width: width, height: top + textHeight(scale: 2) + pad)
        if !title.isEmpty { canvas.text(title, centerX: width / 2, y: pad, scale: 2) }
        canvas.text(message, centerX: width / 2, y: top, scale: 2, color: .gray)
        return canvas.image
    }
    let scales = items.map { galleryScale($0.image, scale: scale, minimumSide: minimumSide) }
    let captions = items.map { $0.caption.map { shortenedCaption($0, maxLength: maxCaptionLength) } }
    let lines = captions.map(\.count).max() ?? 0
    let imageWidth = zip(items, scales).map { $0.image.width * $1 }.max() ?? 0
    let imageHeight = zip(items, scales).map { $0.image.height * $1 }.max() ?? 0
    let captionWidth = captions.flatMap { $0 }.map { textWidth($0) }.max() ?? 0
    let cellWidth = max(imageWidth, captionWidth, 1)
    let cellHeight = imageHeight + (lines > 0 ? lineGap + lines * (textHeight() + lineGap) : 0)
    let columns = max(1, min(columns, items.count))
    let rows = (items.count + columns - 1) / columns
    let gridWidth = columns * cellWidth + (columns + 1) * pad
    let width = max(gridWidth, textWidth(title, scale: 2) + 2 * pad)
    var canvas = Canvas(width: width, height: top + rows * (cellHeight + pad))
    if !title.isEmpty { canvas.text(title, centerX: width / 2, y: pad, scale: 2) }
    let left = (width - gridWidth) / 2 + pad
    for (i, item) in items.enumerated() {
        let x = left + (i % columns) * (cellWidth + pad), y = top + (i / columns) * (cellHeight + pad)
        let (w, h) = (item.image.width * scales[i], item.image.height * scales[i])
        let ix = x + (cellWidth - w) / 2, iy = y + (imageHeight - h) / 2
        canvas.stroke(x: ix - 1, y: iy - 1, width: w + 2, height: h + 2, color: .lightGray)
        canvas.paste(item.image, x: ix, y: iy, scale: scales[i])
        for (l, line) in captions[i].enumerated() {
            let color = captionColors.isEmpty ? RGB.black : captionColors[min(l, captionColors.count - 1)]
            canvas.text(line, centerX: x + cellWidth / 2, y: y + imageHeight + lineGap + l * (textHeight() + lineGap), color: color)
        }
    }
    return canvas.image
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
