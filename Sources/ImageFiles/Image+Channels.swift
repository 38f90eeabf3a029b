// Channel conversions between gray, gray+alpha, RGB and RGBA, so any decoded file can feed a
// model that expects a fixed number of channels.

extension Image {
    /// The image with `channels` channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).
    ///
    /// - Gray from color is the Rec. 601 luma `0.299 R + 0.587 G + 0.114 B`, rounded to nearest.
    /// - Gray becomes color by copying it into R, G and B.
    /// - Dropping alpha composites over **black**: each sample becomes `value × alpha / 255`,
    ///   rounded, so a fully transparent pixel is 0 — the background of MNIST-style digits.
    /// - Adding alpha makes every pixel opaque (255); gray+alpha ↔ RGBA keeps alpha as it is.
    ///
    /// Results are exact integer arithmetic, identical on every machine.
    /// - Precondition: `channels` is in 1...4.
    public func converted(toChannels target: Int) -> Image {
        precondition((1...4).contains(target), "converted(toChannels:): \(target) channels; expected 1...4")
        if target == channels { return self }
        let count = width * height
        var output = [UInt8](repeating: 0, count: count * target)
        let source = channels
        pixels.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let p = i * source
                    // The pixel as gray (or RGB) and alpha, before choosing what to write.
                    var r = Int(input[p]), g = r, b = r
                    var alpha = 255
                    if source >= 3 { g = Int(input[p + 1]); b = Int(input[p + 2]) }
                    if source == 2 { alpha = Int(input[p + 1]) }
                    if source == 4 { alpha = Int(input[p + 3]) }
                    let keepsAlpha = target == 2 || target == 4
                    if !keepsAlpha && alpha != 255 {
                        r = composite(r, alpha); g = composite(g, alpha); b = composite(b, alpha)
                    }
                    let q = i * target
                    if target <= 2 {
                        out[q] = source >= 3 ? luma(r, g, b) : UInt8(r)
                    } else {
                        out[q] = UInt8(r); out[q + 1] = UInt8(g); out[q + 2] = UInt8(b)
                    }
                    if keepsAlpha { out[q + target - 1] = UInt8(alpha) }
                }
            }
        }
        return Image(width: width, height: height, channels: target, pixels: output)
    }
}

/// `value × alpha / 255`, rounded to nearest: the sample composited over black.
@inline(__always)
private func composite(_ value: Int, _ alpha: Int) -> Int {
    (value * alpha + 127) / 255
}

/// Rec. 601 luma `0.299 R + 0.587 G + 0.114 B` in exact integer arithmetic, rounded to nearest.
@inline(__always)
private func luma(_ r: Int, _ g: Int, _ b: Int) -> UInt8 {
    UInt8((299 * r + 587 * g + 114 * b + 500) / 1000)
}
