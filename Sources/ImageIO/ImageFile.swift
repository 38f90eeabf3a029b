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
/// - Throws: `ImageIOError` naming `path`: `cannotRead`, `unknownFormat`, `truncated`, `corrupt`,
///   `tooLarge` (header above `ImageLimits.maxPixels`), `unsupported`.
public func readImage(atPath path: String) throws -> Image {
    let bytes = try readFileBytes(atPath: path)
    switch ImageFormat(sniffing: bytes) {
    case .png: return try decodePNG(bytes, name: path)
    case .jpeg: return try decodeJPEG(bytes, name: path)
    case .pnm: return try decodePNM(bytes, name: path)
    case nil: throw ImageIOError.unknownFormat(name: path, firstBytes: Array(bytes.prefix(8)))
    }
}

/// Writes `image` to `path` atomically (temporary file, then rename), creating missing folders.
/// The format follows the extension, case-insensitively: `.png` (1 to 4 channels kept as they are),
/// `.jpg`/`.jpeg` (gray or RGB at `jpegQuality`), `.ppm` (binary P6, RGB) and `.pgm` (binary P5, gray);
/// other channel counts are converted with `Image.converted(toChannels:)`.
///
/// - Throws: `ImageIOError.unsupportedExtension`, `ImageIOError.cannotEncode`, or the
///   `FileOutputError` of the write.
public func writeImage(_ image: Image, toPath path: String, jpegQuality: Int = 92) throws {
    let bytes: [UInt8]
    switch (path as NSString).pathExtension.lowercased() {
    case "png": bytes = try encodePNG(image, name: path)
    case "jpg", "jpeg": bytes = try encodeJPEG(image, quality: jpegQuality, name: path)
    case "ppm": bytes = encodePNM(image.converted(toChannels: 3))
    case "pgm": bytes = encodePNM(image.converted(toChannels: 1))
    default: throw ImageIOError.unsupportedExtension(path: path)
    }
    try writeFileAtomically(bytes, to: path)
}

/// The whole content of the regular file at `path`, read with POSIX calls so that the error can
/// say why it failed (and so that an empty file costs nothing: Foundation's `contents(atPath:)`
/// leaks a buffer on those). Shared with the data loaders.
///
/// - Throws: `ImageIOError.cannotRead` with the system's reason, or "not a regular file".
public func readFileBytes(atPath path: String) throws -> [UInt8] {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
        throw ImageIOError.cannotRead(path: path, reason: String(cString: strerror(errno)))
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
        throw ImageIOError.cannotRead(path: path, reason: String(cString: strerror(errno)))
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
        throw ImageIOError.cannotRead(path: path, reason: "not a regular file")
    }
    // The size is a hint only: the loop reads until end of file, so a file that changes while
    // being read is still read consistently up to where it ends.
    var bytes = [UInt8]()
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            if errno == EINTR { continue }
            throw ImageIOError.cannotRead(path: path, reason: String(cString: strerror(errno)))
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}
