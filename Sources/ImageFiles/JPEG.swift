// JPEG decoding and encoding through libjpeg (via the C shim): baseline and progressive, gray
// and color; CMYK files are refused with a clear error.
import CImageCodecs

/// Decodes baseline or progressive JPEG bytes into 1 (gray) or 3 (RGB) 8-bit channels, turned
/// the way a photo viewer shows them.
///
/// The EXIF orientation (tag 0x0112 of an APP1 "Exif" segment before the first scan, either byte
/// order) is applied: a phone photo stored sideways with orientation 6 comes out upright, turned
/// 90° clockwise, with width and height swapped; all eight orientations are handled (see
/// `Image.oriented(exif:)`). A missing, malformed or out-of-range orientation leaves the pixels
/// as stored. Truncated files and damaged compressed data throw (libjpeg by itself would only
/// warn and fill the missing part with gray); CMYK/YCCK files throw `ImageFileError.unsupported`.
/// - Parameter name: the file name used in error messages.
public func decodeJPEG(_ bytes: [UInt8], name: String = "<memory>") throws -> Image {
    let stored = try decodeThroughShim(bytes, name: name, format: "JPEG", library: "libjpeg", decoder: cic_jpeg_decode)
    return stored.oriented(exif: exifOrientation(ofJPEG: bytes))
}

/// Encodes an image as a baseline JPEG with the given quality (clamped to 1...100; libjpeg's
/// standard tables, 4:2:0 chroma subsampling for color below quality 90, 4:4:4 from 90 up).
/// JPEG has no alpha: gray+alpha becomes gray and RGBA becomes RGB, composited over black
/// (see `Image.converted(toChannels:)`).
///
/// - Throws: `ImageFileError.cannotEncode` for an empty image or a side longer than 65,500 pixels.
public func encodeJPEG(_ image: Image, quality: Int) throws -> [UInt8] {
    try encodeJPEG(image, quality: quality, name: "<memory>")
}

func encodeJPEG(_ image: Image, quality: Int, name: String) throws -> [UInt8] {
    let source = image.channels == 2 ? image.converted(toChannels: 1)
        : image.channels == 4 ? image.converted(toChannels: 3) : image
    let q = Int32(min(100, max(1, quality)))
    return try encodeThroughShim(source, name: name, format: "JPEG", library: "libjpeg") {
        cic_jpeg_encode($0, $1, $2, $3, q, $4, $5, $6, $7)
    }
}
