// Fuzz target: arbitrary bytes through the PNG decoder. Each input must decode or throw an
// ImageIOError; a decoded image must have consistent sizes and survive an encode/decode round trip.
import ImageIO

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let image = try? decodePNG(bytes, name: "fuzz.png") else { return 0 }
    precondition(image.pixels.count == image.width * image.height * image.channels, "decoded sizes disagree")
    precondition((1...4).contains(image.channels), "decoded \(image.channels) channels")
    let again = try! decodePNG(try! encodePNG(image), name: "round trip")
    precondition(again == image, "the PNG round trip changed the image")
    return 0
}
