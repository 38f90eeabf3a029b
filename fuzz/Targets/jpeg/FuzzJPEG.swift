// Fuzz target: arbitrary bytes through the JPEG decoder. Each input must decode or throw an
// ImageIOError; a decoded image must be gray or RGB with consistent sizes and re-encode cleanly.
import ImageIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let image = try? decodeJPEG(bytes, name: "fuzz.jpg") else { return 0 }
    precondition(image.pixels.count == image.width * image.height * image.channels, "decoded sizes disagree")
    precondition(image.channels == 1 || image.channels == 3, "decoded \(image.channels) channels")
    // Lossy, so only the shape must survive the round trip (small images only, to keep the pace).
    if image.width * image.height <= 4096 {
        let again = try! decodeJPEG(try! encodeJPEG(image, quality: 90), name: "round trip")
        precondition(again.width == image.width && again.height == image.height && again.channels == image.channels,
                     "the JPEG round trip changed the shape")
    }
    return 0
}
