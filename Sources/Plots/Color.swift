// Colors of the suite's figures: 8-bit RGB, the color-blind-safe palette of Okabe & Ito for lines
// and classes, and a sequential ramp for heat maps.

/// An 8-bit RGB color.
public struct RGB: Equatable, Sendable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    /// From 0xRRGGBB.
    public init(hex: UInt32) { self.init(UInt8(hex >> 16 & 0xFF), UInt8(hex >> 8 & 0xFF), UInt8(hex & 0xFF)) }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    public static let gray = RGB(128, 128, 128)
    public static let darkGray = RGB(70, 70, 70)
    public static let lightGray = RGB(225, 225, 225)

    /// Linear blend: t = 0 gives `self`, t = 1 gives `other`.
    public func mixed(with other: RGB, _ t: Float) -> RGB {
        let t = min(max(t, 0), 1)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8((Float(a) + (Float(b) - Float(a)) * t).rounded()) }
        return RGB(mix(r, other.r), mix(g, other.g), mix(b, other.b))
    }

    /// The Okabe–Ito palette, in its usual order: orange, sky blue, bluish green, yellow, blue,
    /// vermillion, reddish purple, black. Lines of charts take these in turn.
    public static let okabeIto: [RGB] = [0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442, 0x0072B2, 0xD55E00, 0xCC79A7, 0x000000]
        .map { RGB(hex: $0) }

    /// Class colors: the Okabe–Ito colors, the strongly contrasting ones first (shaded planes of
    /// decision boundaries mix them with white, where yellow would fade away).
    public static let classPalette: [RGB] = [0x0072B2, 0xE69F00, 0x009E73, 0xCC79A7, 0x56B4E9, 0xD55E00, 0xF0E442, 0x000000]
        .map { RGB(hex: $0) }

    /// Ten distinct colors for ten classes in a scatter: the Okabe–Ito eight, then wine and olive
    /// (from Paul Tol's muted scheme), so that no two digits share a color.
    public static let tenClassPalette: [RGB] = [0xE69F00, 0x56B4E9, 0x009E73, 0xF0E442, 0x0072B2, 0xD55E00, 0xCC79A7, 0x000000,
                                                0x882255, 0x999933].map { RGB(hex: $0) }

    public static func classColor(_ index: Int) -> RGB { classPalette[index % classPalette.count] }
    public static func seriesColor(_ index: Int) -> RGB { okabeIto[index % okabeIto.count] }

    /// The heat maps' ramp: white at t = 0 through light and mid blue to dark blue at t = 1.
    public static func ramp(_ t: Double) -> RGB {
        let stops: [RGB] = [RGB(255, 255, 255), RGB(198, 219, 239), RGB(66, 146, 198), RGB(8, 48, 107)]
        let t = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(t), stops.count - 2)
        return stops[i].mixed(with: stops[i + 1], Float(t - Double(i)))
    }
}
