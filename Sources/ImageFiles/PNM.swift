// PPM/PGM (Netpbm) reading and writing in Swift: binary P5/P6 and ASCII P2/P3 with maxval up to
// 65535 and comments in the header; writes binary P5 (gray) and P6 (RGB), the suite's image output.

/// Decodes a PGM (P2 ASCII, P5 binary) or PPM (P3 ASCII, P6 binary) image into 1 or 3 8-bit
/// channels. Samples are scaled from 0...maxval to 0...255 with rounding (maxval up to 65535;
/// two-byte samples are big-endian); `#` comments may appear between header fields. Trailing bytes
/// after the raster (further images of a multi-image file) are ignored.
///
/// - Parameter name: the file name used in error messages.
/// - Throws: `ImageFileError`: `tooLarge` when width × height exceeds `ImageLimits.maxPixels`,
///   `truncated` when the header's raster size exceeds the bytes that follow it (checked before
///   allocating), `corrupt` for malformed headers or samples above maxval, `unsupported` for
///   PBM bitmaps (P1/P4) and PAM (P7).
public func decodePNM(_ bytes: [UInt8], name: String = "<memory>") throws -> Image {
    var reader = PNMReader(bytes: bytes, name: name)
    return try reader.decode()
}

/// Encodes an image as binary PGM (P5, 1 channel) or PPM (P6, 3 channels) with maxval 255.
/// Gray+alpha is written as P5 and RGBA as P6, composited over black (see `Image.converted(toChannels:)`).
public func encodePNM(_ image: Image) -> [UInt8] {
    let source: Image
    switch image.channels {
    case 2: source = image.converted(toChannels: 1)
    case 4: source = image.converted(toChannels: 3)
    default: source = image
    }
    let magic = source.channels == 1 ? "P5" : "P6"
    var bytes = Array("\(magic)\n\(source.width) \(source.height)\n255\n".utf8)
    bytes.append(contentsOf: source.pixels)
    return bytes
}

/// A cursor over the header tokens and raster of one PNM file.
private struct PNMReader {
    let bytes: [UInt8]
    let name: String
    var position = 0
    var format = "PNM"

    init(bytes: [UInt8], name: String) {
        self.bytes = bytes
        self.name = name
    }

    mutating func decode() throws -> Image {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P") else {
            throw ImageFileError.corrupt(name: name, format: format, detail: "no P1...P7 magic number")
        }
        let kind = bytes[1]
        let channels: Int
        let binary: Bool
        switch kind {
        case UInt8(ascii: "2"): (format, channels, binary) = ("PGM", 1, false)
        case UInt8(ascii: "5"): (format, channels, binary) = ("PGM", 1, true)
        case UInt8(ascii: "3"): (format, channels, binary) = ("PPM", 3, false)
        case UInt8(ascii: "6"): (format, channels, binary) = ("PPM", 3, true)
        case UInt8(ascii: "1"), UInt8(ascii: "4"):
            throw ImageFileError.unsupported(name: name, format: "PBM", detail: "1-bit bitmaps are not read; convert to PGM")
        case UInt8(ascii: "7"):
            throw ImageFileError.unsupported(name: name, format: "PAM", detail: "P7 files are not read; convert to PPM or PGM")
        default:
            throw ImageFileError.corrupt(name: name, format: format, detail: "unknown magic number P\(Character(Unicode.Scalar(kind)))")
        }
        position = 2
        let width = try headerNumber("width")
        let height = try headerNumber("height")
        let maxval = try headerNumber("maxval")
        guard width > 0, height > 0 else {
            throw ImageFileError.corrupt(name: name, format: format, detail: "the header declares a \(width) × \(height) image")
        }
        guard (1...65535).contains(maxval) else {
            throw ImageFileError.corrupt(name: name, format: format, detail: "maxval \(maxval) is outside 1...65535")
        }
        try ImageLimits.check(width: width, height: height, channels: channels, limit: try ImageLimits.currentLimit(),
                              name: name, format: format)
        let samples = width * height * channels
        let pixels = binary ? try binaryRaster(samples: samples, maxval: maxval, width: width, height: height)
                            : try asciiRaster(samples: samples, maxval: maxval)
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// The next decimal header field, skipping whitespace and `#` comments.
    mutating func headerNumber(_ field: String) throws -> Int {
        guard let value = try nextNumber(field: field) else {
            throw ImageFileError.truncated(name: name, format: format, detail: "the header ends before its \(field)")
        }
        return value
    }

    /// The next decimal token, or nil at the end of the data.
    mutating func nextNumber(field: @autoclosure () -> String) throws -> Int? {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "#") {
                while position < bytes.count, bytes[position] != 10, bytes[position] != 13 { position += 1 }
            } else if isWhitespace(byte) {
                position += 1
            } else {
                break
            }
        }
        guard position < bytes.count else { return nil }
        let start = position
        var value = 0
        while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
            // 10 digits already exceed every legal PNM number; stop before Int could overflow.
            guard position - start < 10 else {
                throw ImageFileError.corrupt(name: name, format: format, detail: "the \(field()) at byte \(start) has too many digits")
            }
            value = value * 10 + Int(bytes[position] - 48)
            position += 1
        }
        guard position > start, position == bytes.count || isWhitespace(bytes[position]) || bytes[position] == UInt8(ascii: "#") else {
            throw ImageFileError.corrupt(name: name, format: format, detail: "byte \(position) is not a digit in the \(field())")
        }
        return value
    }

    func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 32 || (9...13).contains(byte)
    }

    /// Scales a sample from 0...maxval to 0...255, rounding to nearest.
    @inline(__always)
    func scaled(_ value: Int, maxval: Int) -> UInt8 {
        UInt8((value * 255 + maxval / 2) / maxval)
    }

    mutating func binaryRaster(samples: Int, maxval: Int, width: Int, height: Int) throws -> [UInt8] {
        // Exactly one whitespace byte separates maxval from the raster.
        guard position < bytes.count else {
            throw ImageFileError.truncated(name: name, format: format, detail: "no pixel data after the header")
        }
        position += 1
        let bytesPerSample = maxval < 256 ? 1 : 2
        let needed = samples * bytesPerSample
        let available = bytes.count - position
        guard available >= needed else {
            throw ImageFileError.truncated(
                name: name, format: format,
                detail: "the header declares \(width) × \(height) × \(samples / (width * height)) samples = \(needed) bytes, "
                    + "but only \(available) bytes follow the header")
        }
        let start = position
        if maxval == 255 { return Array(bytes[start..<start + needed]) }
        var pixels = [UInt8](repeating: 0, count: samples)
        var badSample: (index: Int, value: Int)? = nil
        bytes.withUnsafeBufferPointer { raw in
            for i in 0..<samples {
                let value = bytesPerSample == 1 ? Int(raw[start + i])
                    : Int(raw[start + 2 * i]) << 8 | Int(raw[start + 2 * i + 1])
                if value > maxval {
                    if badSample == nil { badSample = (i, value) }
                    continue
                }
                pixels[i] = scaled(value, maxval: maxval)
            }
        }
        if let bad = badSample {
            throw ImageFileError.corrupt(name: name, format: format,
                                       detail: "sample \(bad.index) is \(bad.value), above maxval \(maxval)")
        }
        return pixels
    }

    mutating func asciiRaster(samples: Int, maxval: Int) throws -> [UInt8] {
        // Each ASCII sample takes at least one digit and one separator: bound the allocation by
        // the file's length before trusting the header.
        let available = bytes.count - position
        guard available >= 2 * samples - 1 else {
            throw ImageFileError.truncated(name: name, format: format,
                                         detail: "the header declares \(samples) samples, but only \(available) bytes follow it")
        }
        var pixels = [UInt8](repeating: 0, count: samples)
        for i in 0..<samples {
            guard let value = try nextNumber(field: "sample \(i)") else {
                throw ImageFileError.truncated(name: name, format: format,
                                             detail: "the data ends after \(i) of \(samples) samples")
            }
            guard value <= maxval else {
                throw ImageFileError.corrupt(name: name, format: format, detail: "sample \(i) is \(value), above maxval \(maxval)")
            }
            pixels[i] = scaled(value, maxval: maxval)
        }
        return pixels
    }
}
