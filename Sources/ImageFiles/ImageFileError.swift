// The errors of image reading, decoding and encoding: each description is one sentence that names
// the file (or "<memory>" for in-memory bytes) and says what was wrong with it.

/// Why an image could not be read, decoded or encoded.
public enum ImageFileError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read; `reason` is the system's explanation.
    case cannotRead(path: String, reason: String)
    /// The bytes start with no PNG, JPEG, PPM or PGM signature.
    case unknownFormat(name: String, firstBytes: [UInt8])
    /// The data ends before the image does.
    case truncated(name: String, format: String, detail: String)
    /// The data is malformed (bad signature, checksum, header field or compressed data).
    case corrupt(name: String, format: String, detail: String)
    /// The header declares more than `limit` pixels (see `ImageLimits.maxPixels` and the
    /// environment variable `CVD_MAX_PIXELS` that the message names); nothing was allocated.
    case tooLarge(name: String, format: String, width: Int, height: Int, channels: Int, limit: Int)
    /// The file is valid but uses a feature this module does not decode (CMYK JPEG, PBM bitmaps, ...).
    case unsupported(name: String, format: String, detail: String)
    /// The codec could not allocate memory for the image.
    case outOfMemory(name: String, format: String, detail: String)
    /// `writeImage` cannot tell the format from the path's extension.
    case unsupportedExtension(path: String)
    /// The encoder rejected the image (empty image, JPEG side above 65,500 pixels, ...).
    case cannotEncode(name: String, format: String, detail: String)
    /// A setting from the environment (`CVD_MAX_PIXELS`) has a value that means nothing.
    case invalidSetting(name: String, value: String, expected: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "Cannot read \(path): \(reason)."
        case let .unknownFormat(name, firstBytes):
            if firstBytes.isEmpty { return "\(name): not a PNG, JPEG, PPM or PGM file (the file is empty)." }
            let hex = firstBytes.prefix(8).map { String($0, radix: 16, uppercase: true) }
                .map { $0.count == 1 ? "0" + $0 : $0 }.joined(separator: " ")
            return "\(name): not a PNG, JPEG, PPM or PGM file (it starts with the bytes \(hex))."
        case let .truncated(name, format, detail):
            return "\(name): truncated \(format) data (\(detail))."
        case let .corrupt(name, format, detail):
            return "\(name): corrupt \(format) data (\(detail))."
        case let .tooLarge(name, format, width, height, channels, limit):
            let (needed, overflow) = width.multipliedReportingOverflow(by: height)
            let advice = overflow
                ? "no limit allows that many; the header is corrupt"
                : "if the image is genuine, set the environment variable \(ImageLimits.environmentVariable) to at least \(needed) "
                    + "(e.g. \(ImageLimits.environmentVariable)=\(needed))"
            return "\(name): the \(format) header declares \(width) × \(height) pixels × \(channels) channels, "
                + "more than the limit of \(limit) pixels; \(advice)."
        case let .unsupported(name, format, detail):
            return "\(name): unsupported \(format) image (\(detail))."
        case let .outOfMemory(name, format, detail):
            return "\(name): out of memory while decoding the \(format) image (\(detail))."
        case let .unsupportedExtension(path):
            return "\(path): cannot tell the image format from the file name; use the extension .png, .jpg, .jpeg, .ppm or .pgm."
        case let .cannotEncode(name, format, detail):
            return "\(name): cannot encode the image as \(format) (\(detail))."
        case let .invalidSetting(name, value, expected):
            return "The environment variable \(name) is \"\(value)\", which is not \(expected); fix or unset it."
        }
    }
}
