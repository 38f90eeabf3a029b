// The EXIF orientation of JPEG files: cameras store the sensor's pixels as they were read and
// record in the APP1 "Exif" segment how to turn them for display (tag 0x0112, values 1...8).
// Every offset of the segment is bounds-checked; anything malformed means "as stored".

/// The orientation tag (0x0112) of the first APP1 Exif segment of the JPEG `bytes`: 1...8, or 1
/// when there is none or it is malformed (truncated segment, offsets outside it, wrong type,
/// unknown byte order, a value outside 1...8). Only the markers before the first scan are read.
func exifOrientation(ofJPEG bytes: [UInt8]) -> Int {
    guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return 1 }
    var i = 2
    while i + 4 <= bytes.count {
        guard bytes[i] == 0xFF else { return 1 }
        let marker = bytes[i + 1]
        if marker == 0xFF { i += 1; continue }  // fill byte
        // Markers without a length: TEM, RST0...RST7; SOS or EOI end the header.
        if marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
        if marker == 0xDA || marker == 0xD9 { return 1 }
        let length = Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
        guard length >= 2, i + 2 + length <= bytes.count else { return 1 }
        let segment = bytes[(i + 4)..<(i + 2 + length)]
        if marker == 0xE1, segment.starts(with: [0x45, 0x78, 0x69, 0x66, 0, 0]) {  // "Exif\0\0"
            return tiffOrientation(Array(segment.dropFirst(6))) ?? 1
        }
        i += 2 + length
    }
    return 1
}

/// The orientation from a TIFF structure (the body of an Exif segment), or nil.
private func tiffOrientation(_ tiff: [UInt8]) -> Int? {
    guard tiff.count >= 8 else { return nil }
    let little: Bool
    switch (tiff[0], tiff[1]) {
    case (0x49, 0x49): little = true   // "II", Intel
    case (0x4D, 0x4D): little = false  // "MM", Motorola
    default: return nil
    }
    func u16(_ o: Int) -> Int? {
        guard o >= 0, o + 2 <= tiff.count else { return nil }
        return little ? Int(tiff[o]) | Int(tiff[o + 1]) << 8 : Int(tiff[o]) << 8 | Int(tiff[o + 1])
    }
    func u32(_ o: Int) -> Int? {
        guard let a = u16(o), let b = u16(o + 2) else { return nil }
        return little ? a | b << 16 : a << 16 | b
    }
    guard u16(2) == 42, let ifd = u32(4), let count = u16(ifd) else { return nil }
    for k in 0..<count {
        let entry = ifd + 2 + 12 * k
        guard let tag = u16(entry), let type = u16(entry + 2), let n = u32(entry + 4) else { return nil }
        guard tag == 0x0112 else { continue }
        // SHORT (type 3), one value, stored in the first two bytes of the value field.
        guard type == 3, n == 1, let value = u16(entry + 8), (1...8).contains(value) else { return nil }
        return value
    }
    return nil
}

extension Image {
    /// The image as a viewer shows it when its EXIF orientation is `orientation` (1...8; other
    /// values leave it as it is): 2 mirrors left-right, 3 turns by 180°, 4 mirrors top-bottom,
    /// 5 mirrors left-right then turns 90° counter-clockwise, 6 turns 90° clockwise, 7 mirrors
    /// left-right then turns 90° clockwise, 8 turns 90° counter-clockwise. 5 to 8 swap width and height.
    func oriented(exif orientation: Int) -> Image {
        guard (2...8).contains(orientation) else { return self }
        let w = width, h = height, c = channels
        let swaps = orientation >= 5
        let outWidth = swaps ? h : w, outHeight = swaps ? w : h
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // The stored pixel shown at (x, y).
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        default: (sx, sy) = (w - 1 - y, x)
                        }
                        let from = (sy * w + sx) * c, to = (y * outWidth + x) * c
                        for k in 0..<c { dst[to + k] = src[from + k] }
                    }
                }
            }
        }
        return Image(width: outWidth, height: outHeight, channels: c, pixels: out)
    }
}
