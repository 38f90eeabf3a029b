// Fuzz target: arbitrary bytes through the PPM/PGM decoder. Each input must decode or throw an
// ImageFileError; a decoded image must have consistent sizes and survive a binary encode/decode.
import FuzzSupport
import ImageFiles

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNM(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let image = try? decodePNM(fuzzInput(data, size), name: "fuzz.pnm") else { return 0 }
    checkDecoded(image, channels: [1, 3])
    let again = try! decodePNM(encodePNM(image), name: "round trip")
    precondition(again == image, "the PNM round trip changed the image")
    return 0
}
