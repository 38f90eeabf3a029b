// Fuzz target: arbitrary bytes through the plain IDX decoder, as images (rank 3), labels (rank 1)
// and as the rank its own magic number names. Each must decode or throw a DatasetError; a decoded
// file must hold exactly the bytes its dimensions declare.
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var ranks: Set<Int> = [1, 3]
    if size >= 4, data[3] >= 1 { ranks.insert(Int(data[3])) }
    for rank in ranks.sorted() {
        guard let file = try? decodeIDX(bytes, rank: rank, path: "fuzz-idx") else { continue }
        precondition(file.dimensions.count == rank, "decoded \(file.dimensions.count) dimensions, asked for \(rank)")
        precondition(file.data.count == file.dimensions.reduce(1, *), "the data disagree with the dimensions")
        precondition(file.bytes == bytes, "a plain file must decode to itself")
    }
    return 0
}
