// Fuzz target: arbitrary bytes through the PPM/PGM decoder. Each input must decode or throw an
// ImageIOError; a decoded image must have consistent sizes and survive a binary encode/decode.
import ImageIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let image = try? decodePNM(bytes, name: "fuzz.pnm") else { return 0 }
    precondition(image.pixels.count == image.width * image.height * image.channels, "decoded sizes disagree")
    precondition(image.channels == 1 || image.channels == 3, "decoded \(image.channels) channels")
    let again = try! decodePNM(encodePNM(image), name: "round trip")
    precondition(again == image, "the PNM round trip changed the image")
    return 0
}
