// Fuzz target for the EXIF orientation reader: the input is the body of an APP1 "Exif" segment
// (its TIFF header, byte order, IFD entries) put into a fixed, valid 3×2 JPEG. The pixels are
// always valid, so every input must decode: as stored (no or malformed orientation) or turned by
// one of the eight orientations, which leaves a 3×2 or a 2×3 image with the same pixel values.
import Foundation
import ImageFiles

/// A 3 × 2 colour JPEG (wider than tall, so a quarter turn shows in the size).
private let plain: [UInt8] = {
    let pixels: [UInt8] = (0..<18).map { UInt8($0 * 14) }
    guard let bytes = try? encodeJPEG(Image(width: 3, height: 2, channels: 3, pixels: pixels), quality: 95) else {
        preconditionFailure("cannot encode the fixed JPEG")
    }
    return bytes
}()
private let storedValues = (try? decodeJPEG(plain))?.pixels.sorted() ?? []

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEXIF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array("Exif\0\0".utf8) + Array(UnsafeBufferPointer(start: data, count: min(size, 65_000)))
    let length = body.count + 2
    let segment: [UInt8] = [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body
    let jpeg = Array(plain[..<2]) + segment + Array(plain[2...])
    do {
        let image = try decodeJPEG(jpeg, name: "fuzz.jpg")
        precondition((image.width, image.height) == (3, 2) || (image.width, image.height) == (2, 3),
                     "an orientation gave a \(image.width)×\(image.height) image")
        precondition(image.pixels.sorted() == storedValues, "an orientation changed the pixel values")
    } catch {
        preconditionFailure("a valid JPEG with an EXIF segment was refused: \(error)")
    }
    return 0
}
