// Fuzz target for gzipped IDX files. The input is decoded twice: as it is (arbitrary bytes that
// start like gzip reach the capped inflater), and gzip-compressed, which must give exactly what
// the plain decoder gives for the uncompressed bytes (both decode to the same array, or both throw).
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDXGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for rank in [1, 3] {
        if let file = try? decodeIDX(bytes, rank: rank, path: "fuzz-idx.gz") {
            precondition(file.data.count == file.dimensions.reduce(1, *), "the data disagree with the dimensions")
        }
        // Differential check: compressed and plain decodes agree.
        guard !isGzip(bytes) else { continue }
        let plain = try? decodeIDX(bytes, rank: rank, path: "plain")
        let inflated = try? decodeIDX(gzipCompressed(bytes, level: 1), rank: rank, path: "compressed")
        precondition((plain == nil) == (inflated == nil), "gzip and plain decodes disagree on whether \(size) bytes are valid")
        if let plain, let inflated {
            precondition(plain.dimensions == inflated.dimensions && plain.bytes == inflated.bytes,
                         "gzip and plain decodes give different arrays")
        }
    }
    // Two concatenated members are one file.
    if size >= 2, !isGzip(bytes) {
        let half = size / 2
        let members = gzipCompressed(Array(bytes[..<half]), level: 1) + gzipCompressed(Array(bytes[half...]), level: 1)
        let inflated = try? gunzip(members, maximumSize: size, path: "members")
        precondition(inflated == bytes, "two gzip members did not inflate to their concatenation")
    }
    return 0
}
