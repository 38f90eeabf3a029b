// Fuzz target: arbitrary bytes through the CSV loader. The first byte picks the options (label
// column, header detection, separator) so that every branch is reachable; the rest is the file.
// Each input must load or throw a DatasetError; a loaded data set must be finite and consistent.
import Datasets

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let options = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let columns: [CSVLabelColumn] = [.index(0), .index(-1), .index(1), .name("label")]
    let headers: [Bool?] = [nil, true, false, nil]
    let separators: [Character] = [",", ";", "\t", ","]
    let column = columns[Int(options & 3)]
    let header = headers[Int(options >> 2 & 3)]
    let separator = separators[Int(options >> 4 & 3)]
    do {
        let set = try decodeCSV(bytes, path: "fuzz.csv", labelColumn: column, hasHeader: header, separator: separator)
        precondition(set.features.data.allSatisfy { $0.isFinite }, "a non-finite feature was accepted")
        precondition(set.labels.count == set.features.rows, "labels and rows disagree")
        precondition(set.labels.allSatisfy { (0..<set.classNames.count).contains($0) }, "a label has no class name")
    } catch is DatasetError {
    } catch {
        preconditionFailure("an error of the wrong type: \(error)")
    }
    return 0
}
