// PNG decoding and encoding through libpng (via the C shim): every color type, bit depth and
// interlacing decodes to 8-bit gray, gray+alpha, RGB or RGBA.
import CImageCodecs

/// Decodes PNG bytes into 8-bit samples: gray → 1 channel, gray+alpha → 2, RGB → 3, RGBA → 4;
/// palette images become RGB (RGBA when they carry transparency), 1/2/4-bit gray is scaled to
/// 0...255, 16-bit samples are scaled and rounded to 8 bits, interlaced images are de-interlaced,
/// and a tRNS chunk on a gray or RGB image adds an alpha channel. Gamma and color profiles are ignored.
///
/// - Parameter name: the file name used in error messages.
/// - Throws: `ImageFileError` (`truncated`, `corrupt`, `tooLarge` before allocating, ...), naming `name`.
public func decodePNG(_ bytes: [UInt8], name: String = "<memory>") throws -> Image {
    // Checked here too (the shim checks again) so that these messages are not attributed to libpng.
    guard bytes.count >= 8 else {
        throw ImageFileError.truncated(name: name, format: "PNG",
                                     detail: "\(bytes.count) byte\(bytes.count == 1 ? "" : "s"), shorter than the 8-byte PNG signature")
    }
    guard bytes[0..<8].elementsEqual(pngSignature) else {
        throw ImageFileError.corrupt(name: name, format: "PNG", detail: "the 8-byte PNG signature is wrong")
    }
    return try decodeThroughShim(bytes, name: name, format: "PNG", library: "libpng", decoder: cic_png_decode)
}

/// Encodes an image of 1 to 4 channels as an 8-bit, non-interlaced PNG (gray, gray+alpha, RGB, RGBA);
/// decoding the result gives back exactly the same pixels.
///
/// - Throws: `ImageFileError.cannotEncode` for an empty (0-pixel) image, which PNG cannot store.
public func encodePNG(_ image: Image) throws -> [UInt8] {
    try encodePNG(image, name: "<memory>")
}

func encodePNG(_ image: Image, name: String) throws -> [UInt8] {
    try encodeThroughShim(image, name: name, format: "PNG", library: "libpng", encoder: cic_png_encode)
}

/// The first 8 bytes of every PNG file.
let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
