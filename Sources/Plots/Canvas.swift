// An RGB drawing surface for the suite's figures: filled rectangles, discs, lines, text, pasted
// images. Deterministic integer drawing only, so the same inputs give byte-identical images.
import ImageFiles

/// An 8-bit RGB color.
public struct RGB: Equatable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let gray = RGB(128, 128, 128)
    public static let lightGray = RGB(225, 225, 225)

    /// Linear blend: t = 0 gives `self`, t = 1 gives `other`.
    public func mixed(with other: RGB, _ t: Float) -> RGB {
        let t = min(max(t, 0), 1)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Float(a) + (Float(b) - Float(a)) * t).rounded()) }
        return RGB(mix(r, other.r), mix(g, other.g), mix(b, other.b))
    }

    /// Class colors (color-blind-safe palette of Okabe & Ito, then extra hues).
    public static let classPalette: [RGB] = [
        RGB(0, 114, 178), RGB(230, 159, 0), RGB(0, 158, 115), RGB(204, 121, 167), RGB(86, 180, 233),
        RGB(213, 94, 0), RGB(240, 228, 66), RGB(100, 100, 100), RGB(150, 80, 200), RGB(120, 60, 20),
    ]

    public static func classColor(_ index: Int) -> RGB { classPalette[index % classPalette.count] }
}

/// A width × height RGB raster, origin at the top left.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = max(0, width)
        self.height = max(0, height)
        pixels = [UInt8](repeating: 0, count: self.width * self.height * 3)
        fill(x: 0, y: 0, width: width, height: height, color: background)
    }

    public var image: Image { Image(width: width, height: height, channels: 3, pixels: pixels) }

    public mutating func set(_ x: Int, _ y: Int, _ c: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = (y * width + x) * 3
        pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        for yy in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for xx in max(0, x)..<max(max(0, x), min(width, x + w)) { set(xx, yy, color) }
        }
    }

    /// A rectangle outline one pixel wide.
    public mutating func stroke(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        fill(x: x, y: y, width: w, height: 1, color: color)
        fill(x: x, y: y + h - 1, width: w, height: 1, color: color)
        fill(x: x, y: y, width: 1, height: h, color: color)
        fill(x: x + w - 1, y: y, width: 1, height: h, color: color)
    }

    /// A filled disc of `radius` with an outline of `outline` color.
    public mutating func disc(cx: Int, cy: Int, radius: Int, fill color: RGB, outline: RGB) {
        let r2 = radius * radius, inner = max(0, (radius - 1) * (radius - 1))
        for dy in -radius...radius {
            for dx in -radius...radius {
                let d = dx * dx + dy * dy
                if d <= r2 { set(cx + dx, cy + dy, d > inner ? outline : color) }
            }
        }
    }

    /// A line from (x0, y0) to (x1, y1) (Bresenham), `thickness` pixels wide.
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, color: RGB, thickness: Int = 1) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let half = (thickness - 1) / 2
        while true {
            fill(x: x - half, y: y - half, width: thickness, height: thickness, color: color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// Draws `text` with its top-left corner at (x, y), each font pixel `scale`×`scale`.
    public mutating func text(_ text: String, x: Int, y: Int, scale: Int = 1, color: RGB = .black) {
        var cx = x
        for ch in text {
            let rows = Font.rows(for: ch)
            for (ry, row) in rows.enumerated() {
                for (rx, bit) in row.enumerated() where bit == "#" {
                    fill(x: cx + rx * scale, y: y + ry * scale, width: scale, height: scale, color: color)
                }
            }
            cx += (Font.glyphWidth + 1) * scale
        }
    }

    /// Draws `text` centred horizontally on `centerX`.
    public mutating func text(_ s: String, centerX: Int, y: Int, scale: Int = 1, color: RGB = .black) {
        text(s, x: centerX - Font.width(of: s, scale: scale) / 2, y: y, scale: scale, color: color)
    }

    /// Pastes `image` (gray or RGB, alpha ignored) with its top-left corner at (x, y), each source
    /// pixel drawn `scale`×`scale`.
    public mutating func paste(_ image: Image, x: Int, y: Int, scale: Int = 1) {
        for sy in 0..<image.height {
            for sx in 0..<image.width {
                let c: RGB = image.channels >= 3
                    ? RGB(image[sx, sy, 0], image[sx, sy, 1], image[sx, sy, 2])
                    : RGB(image[sx, sy, 0], image[sx, sy, 0], image[sx, sy, 0])
                fill(x: x + sx * scale, y: y + sy * scale, width: scale, height: scale, color: c)
            }
        }
    }
}

/// Text width in pixels at `scale` for the plot font (for layout by callers).
public func textWidth(_ text: String, scale: Int = 1) -> Int { Font.width(of: text, scale: scale) }

/// Text height in pixels at `scale` for the plot font.
public func textHeight(scale: Int = 1) -> Int { Font.glyphHeight * scale }
