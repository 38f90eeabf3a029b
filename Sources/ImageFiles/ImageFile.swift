// Reading and writing image files: the format is detected from the first bytes when reading (an
// extension can lie) and chosen by the extension when writing; every write is atomic.
import Foundation
import Tensors

/// The formats this module decodes and encodes.
enum ImageFormat {
    case png, jpeg, pnm

    /// The format announced by the first bytes, or nil.
    init?(sniffing bytes: [UInt8]) {
        if bytes.count >= 8, bytes[0..<8].elementsEqual(pngSignature) {
            self = .png
        } else if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            self = .jpeg
        } else if bytes.count >= 3, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "7")).contains(bytes[1]),
                  bytes[2] == 32 || (9...13).contains(bytes[2]) || bytes[2] == UInt8(ascii: "#") {
            self = .pnm
        } else {
            return nil
        }
    }
}

/// Reads a PNG, JPEG, PPM or PGM file, recognized by its first bytes whatever its extension.
///
/// - Returns: 8-bit pixels with the file's channels (see `decodePNG`, `decodeJPEG`, `decodePNM`).
/// - Throws: `ImageFileError` naming `path`: `cannotRead` (also for a named pipe, socket, device or
///   folder, refused before it is opened), `unknownFormat`, `truncated`, `corrupt`, `tooLarge`
///   (header above `ImageLimits.maxPixels`, which `CVD_MAX_PIXELS` sets), `unsupported`.
public func readImage(atPath path: String) throws -> Image {
    try readImage(atRawPath: Array(path.utf8), name: path)
}

/// Reads the image file at `path`, given as raw bytes (a file name need not be UTF-8), exactly as
/// `readImage(atPath:)` does; `name` is the path as messages show it (see `displayName(ofRawPath:)`).
/// Only a regular file is opened: a named pipe, socket, device or folder throws `cannotRead` at once.
public func readImage(atRawPath path: [UInt8], name: String) throws -> Image {
    let bytes = try readFileBytes(atRawPath: path, name: name)
    switch ImageFormat(sniffing: bytes) {
    case .png: return try decodePNG(bytes, name: name)
    case .jpeg: return try decodeJPEG(bytes, name: name)
    case .pnm: return try decodePNM(bytes, name: name)
    case nil: throw ImageFileError.unknownFormat(name: name, firstBytes: Array(bytes.prefix(8)))
    }
}

/// Writes `image` to `path` atomically (temporary file, then rename), creating missing folders.
/// The format follows the extension, case-insensitively: `.png` (1 to 4 channels kept as they are),
/// `.jpg`/`.jpeg` (gray or RGB at `jpegQuality`), `.ppm` (binary P6, RGB) and `.pgm` (binary P5, gray);
/// other channel counts are converted with `Image.converted(toChannels:)`.
///
/// - Throws: `ImageFileError.unsupportedExtension`, `ImageFileError.cannotEncode`, or the
///   `FileOutputError` of the write.
public func writeImage(_ image: Image, toPath path: String, jpegQuality: Int = 92) throws {
    let bytes: [UInt8]
    switch (path as NSString).pathExtension.lowercased() {
    case "png": bytes = try encodePNG(image, name: path)
    case "jpg", "jpeg": bytes = try encodeJPEG(image, quality: jpegQuality, name: path)
    case "ppm": bytes = encodePNM(image.converted(toChannels: 3))
    case "pgm": bytes = encodePNM(image.converted(toChannels: 1))
    default: throw ImageFileError.unsupportedExtension(path: path)
    }
    try writeFileAtomically(bytes, to: path)
}
