// Calls into the C shim of libpng/libjpeg and turns its status codes and messages into
// `ImageFileError`s; the one place that knows the shim's calling conventions.
import CImageCodecs

/// The signature shared by `cic_png_decode` and `cic_jpeg_decode`.
typealias ShimDecoder = (UnsafePointer<UInt8>?, Int, UInt64, UnsafeMutablePointer<cic_image>?,
                         UnsafeMutablePointer<CChar>?, Int) -> Int32

/// The signature shared by `cic_png_encode` and `cic_jpeg_encode` (quality bound in a closure).
typealias ShimEncoder = (UnsafePointer<UInt8>?, UInt32, UInt32, UInt32,
                         UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, UnsafeMutablePointer<Int>?,
                         UnsafeMutablePointer<CChar>?, Int) -> Int32

private let messageCapacity = 512

/// Maps a shim status to the error that names `name`; `library` prefixes the codec's own message.
private func shimError(status: Int32, message: String, name: String, format: String, library: String,
                       image: cic_image, limit: Int) -> ImageFileError {
    let detail = message.isEmpty ? library : "\(library): \(message)"
    switch Int(status) {
    case CIC_ERR_TRUNCATED: return .truncated(name: name, format: format, detail: detail)
    case CIC_ERR_TOO_LARGE:
        return .tooLarge(name: name, format: format, width: Int(image.width), height: Int(image.height),
                         channels: Int(image.channels), limit: limit)
    case CIC_ERR_UNSUPPORTED: return .unsupported(name: name, format: format, detail: message)
    case CIC_ERR_NO_MEMORY: return .outOfMemory(name: name, format: format, detail: message)
    case CIC_ERR_INVALID: return .cannotEncode(name: name, format: format, detail: message)
    default: return .corrupt(name: name, format: format, detail: detail)
    }
}

private func string(fromMessage buffer: [CChar]) -> String {
    // The text up to the first NUL, invalid UTF-8 repaired (as String(cString:) reads it).
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Runs a shim decoder on `bytes` and copies the result into an `Image`.
func decodeThroughShim(_ bytes: [UInt8], name: String, format: String, library: String,
                       decoder: ShimDecoder) throws -> Image {
    let limit = try ImageLimits.currentLimit()
    var result = cic_image()
    var message = [CChar](repeating: 0, count: messageCapacity)
    let status = bytes.withUnsafeBufferPointer { input in
        message.withUnsafeMutableBufferPointer { text in
            decoder(input.baseAddress, input.count, UInt64(limit), &result, text.baseAddress, text.count)
        }
    }
    guard Int(status) == CIC_OK, let pixels = result.pixels else {
        throw shimError(status: status == Int32(CIC_OK) ? Int32(CIC_ERR_CORRUPT) : status,
                        message: string(fromMessage: message), name: name, format: format, library: library,
                        image: result, limit: limit)
    }
    defer { cic_free(pixels) }
    let count = Int(result.width) * Int(result.height) * Int(result.channels)
    return Image(width: Int(result.width), height: Int(result.height), channels: Int(result.channels),
                 pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
}

/// Runs a shim encoder on `image` (whose channel count the caller has already made acceptable).
func encodeThroughShim(_ image: Image, name: String, format: String, library: String,
                       encoder: ShimEncoder) throws -> [UInt8] {
    guard image.width > 0, image.height > 0 else {
        throw ImageFileError.cannotEncode(name: name, format: format,
                                        detail: "it has no pixels: \(image.width) × \(image.height)")
    }
    guard image.width <= Int(UInt32.max), image.height <= Int(UInt32.max) else {
        throw ImageFileError.cannotEncode(name: name, format: format,
                                        detail: "\(image.width) × \(image.height) pixels is too large")
    }
    var output: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: messageCapacity)
    let status = image.pixels.withUnsafeBufferPointer { input in
        message.withUnsafeMutableBufferPointer { text in
            encoder(input.baseAddress, UInt32(image.width), UInt32(image.height), UInt32(image.channels),
                    &output, &size, text.baseAddress, text.count)
        }
    }
    guard Int(status) == CIC_OK, let encoded = output else {
        throw shimError(status: status == Int32(CIC_OK) ? Int32(CIC_ERR_CORRUPT) : status,
                        message: string(fromMessage: message), name: name, format: format, library: library,
                        image: cic_image(), limit: 0)
    }
    defer { cic_free(encoded) }
    return Array(UnsafeBufferPointer(start: encoded, count: size))
}
