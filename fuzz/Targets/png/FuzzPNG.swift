// Fuzz target: arbitrary bytes through the PNG decoder. Each input must decode or throw an
// ImageFileError; a decoded image must have consistent sizes and survive an encode/decode round trip.
// libpng is not instrumented and rejects a chunk whose CRC is wrong, so each input is decoded a
// second time with every chunk's CRC recomputed: mutated chunk contents then reach libpng's parsers.
import FuzzSupport
import ImageFiles

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    check(bytes)
    let repaired = withCorrectCRCs(bytes)
    if repaired != bytes { check(repaired) }
    return 0
}

private func check(_ bytes: [UInt8]) {
    guard let image = try? decodePNG(bytes, name: "fuzz.png") else { return }
    checkDecoded(image, channels: [1, 2, 3, 4])
    let again = try! decodePNG(try! encodePNG(image), name: "round trip")
    precondition(again == image, "the PNG round trip changed the image")
}

/// The bytes with the CRC of every complete chunk after the signature set to match its type and data.
private func withCorrectCRCs(_ input: [UInt8]) -> [UInt8] {
    var bytes = input
    var offset = 8
    while offset + 12 <= bytes.count {
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        let end = offset + 8 + length
        guard length < 1 << 24, end + 4 <= bytes.count else { break }
        let crc = crc32(bytes[(offset + 4)..<end])
        for k in 0..<4 { bytes[end + k] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * k)) }
        offset = end + 4
    }
    return bytes
}

private let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
    var c = UInt32(n)
    for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
}

/// CRC-32 as PNG defines it (ISO 3309, the one of zlib and gzip).
private func crc32(_ bytes: ArraySlice<UInt8>) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
    return c ^ 0xFFFF_FFFF
}
