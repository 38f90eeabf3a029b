// Figures drawn through cairo. A `Figure` is a size and one drawing routine; the same routine paints
// cairo's image surface (the RGB pixels written as PNG and PPM) and its SVG surface, so both files
// show the same picture. Lines are anti-aliased and text is set in DejaVu Sans (Debian's
// fonts-dejavu-core, found through fontconfig), which has every character the figures use (×, ±,
// ≈, ², –, …, subscripts and superscripts). Layout measures text with the font's own metrics, so a
// figure grows to fit its titles and labels instead of cutting them.
import CCairo
import Foundation
import ImageFiles

/// The font family of every figure.
public let figureFontFamily = "DejaVu Sans"

/// A size and weight of the figures' font.
public struct TextStyle: Sendable, Equatable {
    public var size: Double
    public var bold: Bool
    public init(size: Double, bold: Bool = false) { self.size = size; self.bold = bold }

    public static let title = TextStyle(size: 15, bold: true)
    public static let axisTitle = TextStyle(size: 13)
    public static let label = TextStyle(size: 12)
    public static let tick = TextStyle(size: 11)
    public static let small = TextStyle(size: 10)

    /// The advance width of `text` in pixels.
    public func width(_ text: String) -> Double { Metrics.shared.width(text, self) }
    /// Height of a line (ascent + descent of the font) in pixels.
    public var lineHeight: Double { let m = Metrics.shared.extents(self); return m.ascent + m.descent }
    /// The characters of `text` the font has no glyph for (drawn as the font's missing-glyph box).
    public func missingGlyphs(in text: String) -> [Character] { text.filter { !Metrics.shared.hasGlyph($0, self) } }
    var ascent: Double { Metrics.shared.extents(self).ascent }
    var descent: Double { Metrics.shared.extents(self).descent }
}

public enum HorizontalAlignment: Sendable { case left, center, right }
public enum VerticalAlignment: Sendable { case top, middle, baseline, bottom }

/// The marks drawn at the points of a line.
public enum MarkerShape: CaseIterable, Sendable { case circle, square, triangle, diamond, triangleDown, cross }

/// One picture: its size in pixels and the routine that draws it.
public struct Figure {
    public let width: Int
    public let height: Int
    /// The figure's title: the SVG's <title>.
    public let title: String
    /// Where the data is drawn (the plot area of a chart, the cells of a heat map), in pixels from
    /// the top left; nil for pictures without one.
    public var plotArea: (x: Double, y: Double, width: Double, height: Double)?
    let draw: (Painter) -> Void

    public init(width: Int, height: Int, title: String = "", draw: @escaping (Painter) -> Void) {
        self.width = max(1, width)
        self.height = max(1, height)
        self.title = title
        self.draw = draw
    }

    /// A raster picture as a figure of its own size.
    public init(image: Image, title: String = "") {
        self.init(width: image.width, height: image.height, title: title) { $0.image(image, x: 0, y: 0) }
    }

    /// The figure rendered as an RGB image (white background).
    public func rendered() -> Image {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(width), Int32(height))!
        defer { cairo_surface_destroy(surface) }
        let cr = cairo_create(surface)!
        paint(on: cr)
        cairo_destroy(cr)
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = cairo_image_surface_get_data(surface)!
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        // RGB24 stores each pixel as a native 32-bit word 0x00RRGGBB; rows are `stride` bytes apart.
        data.withMemoryRebound(to: UInt8.self, capacity: stride * height) { bytes in
            for y in 0..<height {
                let row = UnsafeRawPointer(bytes + y * stride)
                for x in 0..<width {
                    let v = row.loadUnaligned(fromByteOffset: x * 4, as: UInt32.self)
                    let i = (y * width + x) * 3
                    pixels[i] = UInt8(v >> 16 & 0xFF); pixels[i + 1] = UInt8(v >> 8 & 0xFF); pixels[i + 2] = UInt8(v & 0xFF)
                }
            }
        }
        return Image(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// The figure as an SVG document (pixel units), with the title and every text the figure draws
    /// in its <title> and <desc>, so the document is searchable although cairo draws glyphs as paths.
    public func svg() -> String {
        final class Sink { var bytes: [UInt8] = [] }
        let sink = Sink()
        let surface: OpaquePointer = withExtendedLifetime(sink) {
            cairo_svg_surface_create_for_stream({ closure, data, length in
                let sink = Unmanaged<Sink>.fromOpaque(closure!).takeUnretainedValue()
                if let data { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length))) }
                return CAIRO_STATUS_SUCCESS
            }, Unmanaged.passUnretained(sink).toOpaque(), Double(width), Double(height))!
        }
        cairo_svg_surface_set_document_unit(surface, CAIRO_SVG_UNIT_PX)
        let cr = cairo_create(surface)!
        let texts = paint(on: cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        cairo_surface_destroy(surface)
        var document = withExtendedLifetime(sink) { String(decoding: sink.bytes, as: UTF8.self) }
        if let open = document.range(of: "<svg"), let end = document[open.upperBound...].firstIndex(of: ">") {
            var seen = Set<String>()
            let lines = texts.filter { !$0.isEmpty && seen.insert($0).inserted }
            let meta = "\n<title>\(xmlEscaped(title))</title>\n<desc>\(xmlEscaped(lines.joined(separator: "\n")))</desc>"
            document.insert(contentsOf: meta, at: document.index(after: end))
        }
        return document
    }

    /// Paints the figure on a fresh context: white background, then the drawing. Returns the texts drawn.
    @discardableResult
    func paint(on cr: OpaquePointer) -> [String] {
        Metrics.configure(cr)
        cairo_set_source_rgb(cr, 1, 1, 1)
        cairo_paint(cr)
        let painter = Painter(cr)
        draw(painter)
        return painter.texts
    }
}

func xmlEscaped(_ s: String) -> String {
    var out = ""
    for c in s.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default:
            // XML 1.0 allows tab, newline and carriage return among the control characters, nothing else.
            if c.value < 0x20 && c != "\n" && c != "\t" && c != "\r" { continue }
            out.unicodeScalars.append(c)
        }
    }
    return out
}

/// Font metrics, measured on a scratch cairo context with the same font options the figures use.
final class Metrics: @unchecked Sendable {
    static let shared = Metrics()
    private let lock = NSLock()
    private let cr: OpaquePointer
    private var cache: [TextStyle: (ascent: Double, descent: Double)] = [:]

    private init() {
        let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1)!
        cr = cairo_create(surface)!
        cairo_surface_destroy(surface)
        Metrics.configure(cr)
    }

    /// Unhinted metrics on every surface, so a text measures the same in the PNG and the SVG.
    static func configure(_ cr: OpaquePointer) {
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        cairo_set_font_options(cr, options)
        cairo_font_options_destroy(options)
    }

    static func select(_ style: TextStyle, on cr: OpaquePointer) {
        cairo_select_font_face(cr, figureFontFamily, CAIRO_FONT_SLANT_NORMAL, style.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, style.size)
    }

    func width(_ text: String, _ style: TextStyle) -> Double {
        guard !text.isEmpty else { return 0 }
        lock.lock(); defer { lock.unlock() }
        Metrics.select(style, on: cr)
        var e = cairo_text_extents_t()
        cairo_text_extents(cr, text, &e)
        return e.x_advance
    }

    func hasGlyph(_ c: Character, _ style: TextStyle) -> Bool {
        if c.isWhitespace { return true }
        lock.lock(); defer { lock.unlock() }
        Metrics.select(style, on: cr)
        let font = cairo_get_scaled_font(cr)
        var glyphs: UnsafeMutablePointer<cairo_glyph_t>? = nil
        var count: Int32 = 0
        let text = String(c)
        let status = cairo_scaled_font_text_to_glyphs(font, 0, 0, text, Int32(text.utf8.count), &glyphs, &count, nil, nil, nil)
        defer { if let glyphs { cairo_glyph_free(glyphs) } }
        guard status == CAIRO_STATUS_SUCCESS, let glyphs, count > 0 else { return false }
        // Glyph 0 is the font's .notdef, the missing-glyph box.
        return (0..<Int(count)).allSatisfy { glyphs[$0].index != 0 }
    }

    func extents(_ style: TextStyle) -> (ascent: Double, descent: Double) {
        lock.lock(); defer { lock.unlock() }
        if let m = cache[style] { return m }
        Metrics.select(style, on: cr)
        var e = cairo_font_extents_t()
        cairo_font_extents(cr, &e)
        cache[style] = (e.ascent, e.descent)
        return (e.ascent, e.descent)
    }
}

extension TextStyle: Hashable {}

/// What the drawing routine of a figure draws with: a cairo context, in pixels, origin at the top left.
public final class Painter {
    let cr: OpaquePointer
    /// Every text drawn, in order (for the SVG's description).
    private(set) var texts: [String] = []

    init(_ cr: OpaquePointer) { self.cr = cr }

    func source(_ c: RGB, alpha: Double = 1) {
        cairo_set_source_rgba(cr, Double(c.r) / 255, Double(c.g) / 255, Double(c.b) / 255, alpha)
    }

    public func fillRect(x: Double, y: Double, width: Double, height: Double, color: RGB, alpha: Double = 1) {
        cairo_rectangle(cr, x, y, width, height)
        source(color, alpha: alpha)
        cairo_fill(cr)
    }

    /// A rectangle outline; with an odd `lineWidth` and integer coordinates it covers whole pixels.
    public func strokeRect(x: Double, y: Double, width: Double, height: Double, color: RGB, lineWidth: Double = 1) {
        let inset = lineWidth.truncatingRemainder(dividingBy: 2) == 1 ? 0.5 : 0
        cairo_rectangle(cr, x + inset, y + inset, width - 2 * inset, height - 2 * inset)
        source(color)
        cairo_set_line_width(cr, lineWidth)
        cairo_set_dash(cr, nil, 0, 0)
        cairo_stroke(cr)
    }

    /// A line through `points` (round joins), optionally dashed (on, off, … lengths in pixels).
    public func polyline(_ points: [(x: Double, y: Double)], color: RGB, width: Double = 1, dash: [Double] = [], alpha: Double = 1) {
        guard let first = points.first else { return }
        cairo_move_to(cr, first.x, first.y)
        for p in points.dropFirst() { cairo_line_to(cr, p.x, p.y) }
        source(color, alpha: alpha)
        cairo_set_line_width(cr, width)
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND)
        cairo_set_line_cap(cr, dash.isEmpty ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT)
        dash.withUnsafeBufferPointer { cairo_set_dash(cr, $0.baseAddress, Int32(dash.count), 0) }
        cairo_stroke(cr)
        cairo_set_dash(cr, nil, 0, 0)
    }

    public func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, color: RGB, width: Double = 1, dash: [Double] = []) {
        polyline([(x0, y0), (x1, y1)], color: color, width: width, dash: dash)
    }

    public func disc(x: Double, y: Double, radius: Double, fill: RGB, outline: RGB? = nil, outlineWidth: Double = 1) {
        cairo_new_sub_path(cr)
        cairo_arc(cr, x, y, radius, 0, 2 * Double.pi)
        source(fill)
        if let outline {
            cairo_fill_preserve(cr)
            source(outline)
            cairo_set_line_width(cr, outlineWidth)
            cairo_stroke(cr)
        } else {
            cairo_fill(cr)
        }
    }

    /// A data point of a class: a marker of `shape`, filled with `color` and outlined in near-black
    /// (a training point), or white inside an outline of `color` (a test point, `hollow`).
    public func classMarker(_ shape: MarkerShape, x: Double, y: Double, size: Double, color: RGB, hollow: Bool) {
        markerPath(shape, x: x, y: y, r: size / 2)
        source(hollow ? .white : color)
        cairo_fill_preserve(cr)
        source(hollow ? color : RGB(25, 25, 25))
        cairo_set_line_width(cr, hollow ? 1.3 : 0.6)
        cairo_stroke(cr)
    }

    /// A marker of `shape` centred on (x, y), about `size` pixels across, filled with `color` and
    /// outlined in white so overlapping markers stay apart.
    public func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double, color: RGB, outlined: Bool = true) {
        markerPath(shape, x: x, y: y, r: size / 2)
        source(color)
        guard outlined else { cairo_fill(cr); return }
        cairo_fill_preserve(cr)
        source(.white)
        cairo_set_line_width(cr, 0.8)
        cairo_stroke(cr)
    }

    /// The outline of a marker of `shape` and half-size `r` at (x, y), as the current path.
    private func markerPath(_ shape: MarkerShape, x: Double, y: Double, r: Double) {
        cairo_new_path(cr)
        switch shape {
        case .circle: cairo_arc(cr, x, y, r, 0, 2 * Double.pi)
        case .square: cairo_rectangle(cr, x - r * 0.9, y - r * 0.9, 1.8 * r, 1.8 * r)
        case .triangle, .triangleDown:
            let s: Double = shape == .triangle ? 1 : -1
            cairo_move_to(cr, x, y - s * r * 1.15); cairo_line_to(cr, x + r * 1.05, y + s * r * 0.8); cairo_line_to(cr, x - r * 1.05, y + s * r * 0.8)
            cairo_close_path(cr)
        case .diamond:
            cairo_move_to(cr, x, y - r * 1.25); cairo_line_to(cr, x + r, y); cairo_line_to(cr, x, y + r * 1.25); cairo_line_to(cr, x - r, y)
            cairo_close_path(cr)
        case .cross:
            let a = r * 1.1, t = r * 0.4
            let pts: [(Double, Double)] = [(-t, -a), (t, -a), (t, -t), (a, -t), (a, t), (t, t), (t, a), (-t, a), (-t, t), (-a, t), (-a, -t), (-t, -t)]
            cairo_move_to(cr, x + pts[0].0, y + pts[0].1)
            for p in pts.dropFirst() { cairo_line_to(cr, x + p.0, y + p.1) }
            cairo_close_path(cr)
        }
    }

    /// Draws `text` at (x, y), aligned on that point as asked, rotated by `angle` radians about it
    /// (−π/2 reads bottom to top).
    public func text(_ text: String, x: Double, y: Double, style: TextStyle = .label, color: RGB = .black,
                     align: HorizontalAlignment = .left, vertical: VerticalAlignment = .baseline, angle: Double = 0) {
        guard !text.isEmpty else { return }
        texts.append(text)
        let w = style.width(text)
        let dx: Double = align == .left ? 0 : align == .center ? -w / 2 : -w
        let dy: Double
        switch vertical {
        case .top: dy = style.ascent
        case .middle: dy = (style.ascent - style.descent) / 2
        case .baseline: dy = 0
        case .bottom: dy = -style.descent
        }
        cairo_save(cr)
        cairo_translate(cr, x, y)
        if angle != 0 { cairo_rotate(cr, angle) }
        Metrics.select(style, on: cr)
        source(color)
        cairo_move_to(cr, dx, dy)
        cairo_show_text(cr, text)
        cairo_new_path(cr)
        cairo_restore(cr)
    }

    /// Paints `image` (gray, RGB or RGBA with alpha ignored) with its top-left corner at (x, y), each
    /// pixel a `scale`×`scale` block (no smoothing, in the PNG and the SVG alike).
    public func image(_ image: Image, x: Double, y: Double, scale: Int = 1) {
        let s = max(1, scale)
        let (w, h) = (image.width * s, image.height * s)
        guard w > 0, h > 0, let surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, Int32(w), Int32(h)) else { return }
        defer { cairo_surface_destroy(surface) }
        cairo_surface_flush(surface)
        let stride = Int(cairo_image_surface_get_stride(surface))
        let data = UnsafeMutableRawPointer(cairo_image_surface_get_data(surface)!)
        let c = image.channels
        image.pixels.withUnsafeBufferPointer { src in
            for yy in 0..<h {
                let sy = yy / s
                for xx in 0..<w {
                    let i = (sy * image.width + xx / s) * c
                    let (r, g, b) = c >= 3 ? (src[i], src[i + 1], src[i + 2]) : (src[i], src[i], src[i])
                    let v = UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b)
                    data.storeBytes(of: v, toByteOffset: yy * stride + xx * 4, as: UInt32.self)
                }
            }
        }
        cairo_surface_mark_dirty(surface)
        cairo_save(cr)
        cairo_set_source_surface(cr, surface, x, y)
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST)
        cairo_rectangle(cr, x, y, Double(w), Double(h))
        cairo_fill(cr)
        cairo_restore(cr)
    }

    /// Draws another figure with its top-left corner at (x, y) (vector content stays vector in the SVG).
    public func figure(_ figure: Figure, x: Double, y: Double) {
        cairo_save(cr)
        cairo_translate(cr, x, y)
        cairo_rectangle(cr, 0, 0, Double(figure.width), Double(figure.height))
        cairo_clip(cr)
        source(.white)
        cairo_paint(cr)
        let inner = Painter(cr)
        figure.draw(inner)
        texts += inner.texts
        cairo_restore(cr)
    }

    /// Runs `body` with drawing restricted to the rectangle.
    public func clipped(x: Double, y: Double, width: Double, height: Double, _ body: () -> Void) {
        cairo_save(cr)
        cairo_rectangle(cr, x, y, width, height)
        cairo_clip(cr)
        body()
        cairo_restore(cr)
    }
}
