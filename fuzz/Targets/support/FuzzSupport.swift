// What the image fuzz targets share: the input as an array, and the promises every decoder makes
// about an image it returns.
import ImageFiles

/// The bytes libFuzzer hands to `LLVMFuzzerTestOneInput`, as an array.
public func fuzzInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
    Array(UnsafeBufferPointer(start: data, count: size))
}

/// Stops the fuzzer when a decoded image breaks a decoder's promise: one sample per pixel and
/// channel, and a channel count the format can produce.
public func checkDecoded(_ image: Image, channels: Set<Int>) {
    precondition(image.pixels.count == image.width * image.height * image.channels, "decoded sizes disagree")
    precondition(channels.contains(image.channels), "decoded \(image.channels) channels")
}
