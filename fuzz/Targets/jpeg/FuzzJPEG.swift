// Fuzz target: arbitrary bytes through the JPEG decoder. Each input must decode or throw an
// ImageFileError; a decoded image must be gray or RGB with consistent sizes and re-encode cleanly.
import FuzzSupport
import ImageFiles

/// A small JPEG can declare up to 65,500 × 65,500 pixels, and nothing in the format bounds the
/// pixels per compressed byte (arithmetic coding, progressive end-of-band runs), so a header within
/// the pixel limit makes libjpeg allocate its whole-image buffers before the data are found
/// missing. The fuzzer runs with the limit at 4 megapixels (the limit is meant to be set by users
/// who know their images), so that its 512 MiB allocation cap flags real leaks and runaways only.
@_cdecl("LLVMFuzzerInitialize")
public func initializeFuzzJPEG(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    ImageLimits.maxPixels = 1 << 22
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let image = try? decodeJPEG(fuzzInput(data, size), name: "fuzz.jpg") else { return 0 }
    checkDecoded(image, channels: [1, 3])
    // Lossy, so only the shape must survive the round trip (small images only, to keep the pace).
    if image.width * image.height <= 4096 {
        let again = try! decodeJPEG(try! encodeJPEG(image, quality: 90), name: "round trip")
        precondition(again.width == image.width && again.height == image.height && again.channels == image.channels,
                     "the JPEG round trip changed the shape")
    }
    return 0
}
