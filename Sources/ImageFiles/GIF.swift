// Animated GIF files through giflib: how a toy network's decision boundary moves while it trains.
import CImageCodecs
import Foundation
import Tensors

/// Writes `frames` as an animated GIF that loops forever, each frame shown `delayCentiseconds`
/// hundredths of a second. Gray frames become RGB; frames smaller than the largest are centred on
/// white. Colours are mapped onto one fixed palette (a 6×6×6 colour cube and 40 grays).
///
/// - Throws: `ImageFileError.cannotEncode` for no frames, an empty frame, a frame over 65,535
///   pixels on a side or a delay outside 0...65535; the `FileOutputError` of the write.
public func writeAnimatedGIF(_ frames: [Image], toPath path: String, delayCentiseconds: Int = 60) throws {
    let bytes = try encodeAnimatedGIF(frames, delayCentiseconds: delayCentiseconds, name: path)
    try writeFileAtomically(bytes, to: path)
}

/// The bytes of the animated GIF `writeAnimatedGIF` writes; `name` names the file in errors.
public func encodeAnimatedGIF(_ frames: [Image], delayCentiseconds: Int = 60, name: String) throws -> [UInt8] {
    func refuse(_ detail: String) -> ImageFileError { .cannotEncode(name: name, format: "GIF", detail: detail) }
    guard !frames.isEmpty else { throw refuse("an animation needs at least one frame") }
    guard (0...65535).contains(delayCentiseconds) else { throw refuse("a frame's delay of \(delayCentiseconds) hundredths of a second is outside 0...65535") }
    let width = frames.map(\.width).max() ?? 0, height = frames.map(\.height).max() ?? 0
    guard frames.allSatisfy({ $0.width > 0 && $0.height > 0 }) else { throw refuse("a frame has no pixels") }
    guard width <= 65535, height <= 65535 else { throw refuse("\(width) × \(height) pixels is larger than GIF's 65535 × 65535") }
    var pixels = [UInt8](repeating: 255, count: frames.count * width * height * 3)
    for (f, frame) in frames.enumerated() {
        let rgb = frame.channels == 3 ? frame : frame.converted(toChannels: 3)
        let (ox, oy) = ((width - rgb.width) / 2, (height - rgb.height) / 2)
        for y in 0..<rgb.height {
            let source = y * rgb.width * 3, target = ((f * height + oy + y) * width + ox) * 3
            pixels.replaceSubrange(target..<(target + rgb.width * 3), with: rgb.pixels[source..<(source + rgb.width * 3)])
        }
    }
    var output: UnsafeMutablePointer<UInt8>? = nil
    var size = 0
    var message = [CChar](repeating: 0, count: 512)
    let status = pixels.withUnsafeBufferPointer { input in
        message.withUnsafeMutableBufferPointer { text in
            cic_gif_encode_animation(input.baseAddress, UInt32(width), UInt32(height), UInt32(frames.count), UInt32(delayCentiseconds),
                                     &output, &size, text.baseAddress, text.count)
        }
    }
    guard Int(status) == CIC_OK, let encoded = output else {
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw refuse("giflib: " + (text.isEmpty ? "status \(status)" : text))
    }
    defer { cic_free(encoded) }
    return Array(UnsafeBufferPointer(start: encoded, count: size))
}
