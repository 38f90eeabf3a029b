// An 8-bit image in memory: what the PNG, JPEG and PPM/PGM codecs decode to and encode from.

/// Pixels as 8-bit samples, row-major, channels interleaved (gray: 1, gray+alpha: 2, RGB: 3, RGBA: 4).
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// width × height × channels samples; pixel (x, y) channel c is at `(y * width + x) * channels + c`.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels), "Image: bad dimensions \(width)×\(height)×\(channels)")
        precondition(pixels.count == width * height * channels, "Image: \(pixels.count) samples for \(width)×\(height)×\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, repeating value: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    @inlinable
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }
}
