// The bridge between 8-bit images and network inputs: channel-planar (C×H×W) Float32 values in
// [0, 1], the layout the convolution layers read.

extension Image {
    /// The samples as `channels × height × width` floats, `value / 255` in [0, 1]: element
    /// `(c · height + y) · width + x` is channel c of pixel (x, y).
    public func planarFloats() -> [Float] {
        let plane = width * height
        var output = [Float](repeating: 0, count: plane * channels)
        pixels.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                for i in 0..<plane {
                    for c in 0..<channels { out[c * plane + i] = Float(input[i * channels + c]) / 255 }
                }
            }
        }
        return output
    }

    /// An image from `channels × height × width` floats in [0, 1] (the layout of `planarFloats()`):
    /// each value is clamped to [0, 1] (NaN becomes 0) and scaled to the nearest of 0...255, so
    /// `Image(planarFloats: image.planarFloats(), ...)` gives back `image` exactly.
    ///
    /// - Precondition: `channels` in 1...4 and `planarFloats.count == channels × height × width`.
    public init(planarFloats values: [Float], channels: Int, height: Int, width: Int) {
        precondition((1...4).contains(channels) && height >= 0 && width >= 0,
                     "Image(planarFloats:): bad dimensions \(channels)×\(height)×\(width)")
        precondition(values.count == channels * height * width,
                     "Image(planarFloats:): \(values.count) values for \(channels)×\(height)×\(width)")
        let plane = width * height
        var pixels = [UInt8](repeating: 0, count: plane * channels)
        values.withUnsafeBufferPointer { input in
            pixels.withUnsafeMutableBufferPointer { out in
                for c in 0..<channels {
                    for i in 0..<plane {
                        let v = input[c * plane + i]
                        let clamped = v.isNaN ? 0 : min(max(v, 0), 1)
                        out[i * channels + c] = UInt8((clamped * 255).rounded())
                    }
                }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}
