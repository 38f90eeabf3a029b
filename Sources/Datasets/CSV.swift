// CSV files of numeric features plus one label column (plain or gzipped), e.g. scikit-learn's
// digits.csv.gz or a table exported from a spreadsheet. Every bad value is reported by line and column.
import Foundation
import Tensors

/// Which column of a CSV file holds the labels.
public enum CSVLabelColumn: Equatable, Sendable {
    /// By position from 0; negative positions count from the end (-1 is the last column).
    case index(Int)
    /// By its name in the header row.
    case name(String)
}

/// Loads a CSV file of one label column and numeric feature columns.
///
/// - Fields are separated by `separator`; surrounding spaces and double quotes are stripped
///   (quoted fields cannot contain the separator). Blank lines are skipped; CRLF line ends and a
///   UTF-8 byte-order mark are accepted. A file starting with the gzip magic bytes is inflated,
///   to at most `maximumInflatedSize` bytes (nil: `maximumInflatedCSVBytes()`, 2 GiB unless the
///   environment variable `CVD_MAX_INFLATED_BYTES` says otherwise); the size is counted while
///   inflating into a small scratch buffer, so data inflating beyond the cap (a gzip bomb) are
///   refused without the memory or the time to inflate them whole.
/// - Only a regular file is opened: a named pipe, socket, device or folder throws at once.
/// - Header row: `hasHeader` true or false, or nil to detect it: the first row is a header when one
///   of its feature fields is not a number.
/// - Labels: when every label is a non-negative integer (also written as e.g. `3.0`), label k is
///   class k and the class names are "0" ... the largest label; otherwise the class names are the
///   distinct label strings, sorted, and each label is its name's position.
///
/// - Throws: `DatasetError.badFile` naming the file, the line and the column (counted from 1) of
///   a value that is not a number, NaN or infinite, a row with the wrong number of fields, an empty
///   file, a missing label column, or gzip data inflating beyond the cap (the message names
///   `CVD_MAX_INFLATED_BYTES`); `DatasetError.invalidParameter` for a meaningless value of that variable.
public func loadCSV(_ path: String, labelColumn: CSVLabelColumn = .index(0), hasHeader: Bool? = nil,
                    separator: Character = ",", name: String? = nil, maximumInflatedSize: Int? = nil) throws -> Dataset {
    try checkCSVSeparator(separator)
    let cap = try maximumInflatedSize ?? maximumInflatedCSVBytes()
    return try decodeCSV(try readFileBytes(path), path: path, labelColumn: labelColumn, hasHeader: hasHeader,
                         separator: separator, name: name, maximumInflatedSize: cap)
}

/// Decodes the bytes of a CSV file exactly as `loadCSV(_:labelColumn:hasHeader:separator:name:)`
/// reads the file at `path` (which only names the file in errors and, when `name` is nil, the
/// data set); gzip data are inflated first, to at most `maximumInflatedSize` bytes (nil:
/// `maximumInflatedCSVBytes()`).
public func decodeCSV(_ raw: [UInt8], path: String, labelColumn: CSVLabelColumn = .index(0), hasHeader: Bool? = nil,
                      separator: Character = ",", name: String? = nil, maximumInflatedSize: Int? = nil) throws -> Dataset {
    let sep = try checkCSVSeparator(separator)
    let bytes: [UInt8]
    if isGzip(raw) {
        let cap = try maximumInflatedSize ?? maximumInflatedCSVBytes()
        bytes = try inflateCapped(raw, cap: cap, path: path) { cap in
            "the gzip data inflate to more than \(cap) bytes (\(byteCountText(cap))), the limit for CSV data; "
                + "if the file is genuine, raise the limit with the environment variable \(maximumInflatedBytesVariable) "
                + "(a number of bytes, or e.g. \(maximumInflatedBytesVariable)=\(max(4, 2 * cap >> 30))G)"
        }
    } else {
        bytes = raw
    }
    let datasetName = name ?? csvDefaultName(path)
    var parser = CSVRows(bytes: bytes, separator: sep)

    guard let first = parser.next() else {
        throw DatasetError.badFile(path: path, reason: "the file is empty; a CSV data file needs a label column and numeric feature columns")
    }
    let columns = first.fields.count
    guard columns >= 2 else {
        throw DatasetError.badFile(path: path, reason: "line \(first.line) has a single column; expected a label column and at least one feature column separated by \(separator.debugDescription)")
    }
    // The label column's position, which may need the header.
    func resolveIndex(_ i: Int) throws -> Int {
        let k = i < 0 ? columns + i : i
        guard k >= 0, k < columns else {
            throw DatasetError.badFile(path: path, reason: "the label column \(i) does not exist: the rows have \(columns) columns")
        }
        return k
    }
    let firstRowIsHeader: Bool
    let labelIndex: Int
    switch labelColumn {
    case .index(let i):
        labelIndex = try resolveIndex(i)
        let looksLikeHeader = first.fields.indices.contains { $0 != labelIndex && parseFloat(first.fields[$0]) == nil }
        firstRowIsHeader = hasHeader ?? looksLikeHeader
    case .name(let wanted):
        guard hasHeader != false else {
            throw DatasetError.invalidParameter(name: "CSV label column", reason: "a column chosen by name (\"\(wanted)\") needs a header row, but the header was turned off")
        }
        let names = first.fields.map { String(decoding: $0, as: UTF8.self) }
        guard let k = names.firstIndex(of: wanted) else {
            throw DatasetError.badFile(path: path, reason: "the header row has no column named \"\(wanted)\" (its columns: \(names.prefix(8).joined(separator: ", "))\(names.count > 8 ? ", …" : ""))")
        }
        labelIndex = k
        firstRowIsHeader = true
    }

    var features: [Float] = []
    // Each row's label as the position of its text among the distinct label texts (one String per
    // distinct label, not per row).
    var labelIDs: [Int32] = []
    var distinctLabels: [String] = []
    var labelID: [ArraySlice<UInt8>: Int32] = [:]
    var rows = 0
    func take(_ row: CSVRows.Row) throws {
        guard row.fields.count == columns else {
            throw DatasetError.badFile(path: path, reason: "line \(row.line) has \(row.fields.count) columns but line \(first.line) has \(columns); every row needs the same number of fields")
        }
        for (j, field) in row.fields.enumerated() {
            if j == labelIndex {
                guard !field.isEmpty else {
                    throw DatasetError.badFile(path: path, reason: "line \(row.line), column \(j + 1) (the label) is empty")
                }
                if let id = labelID[field] {
                    labelIDs.append(id)
                } else {
                    let id = Int32(distinctLabels.count)
                    labelID[field] = id
                    distinctLabels.append(String(decoding: field, as: UTF8.self))
                    labelIDs.append(id)
                }
                continue
            }
            guard let v = parseFloat(field) else {
                let text = String(decoding: field.prefix(40), as: UTF8.self)
                throw DatasetError.badFile(path: path, reason: field.isEmpty
                    ? "line \(row.line), column \(j + 1) is empty; every feature must be a number"
                    : "line \(row.line), column \(j + 1) holds \"\(text)\", which is not a number")
            }
            guard v.isFinite else {
                throw DatasetError.badFile(path: path, reason: "line \(row.line), column \(j + 1) holds \(v.isNaN ? "NaN" : "an infinite value"); remove or fill in missing values first")
            }
            features.append(v)
        }
        rows += 1
    }
    if !firstRowIsHeader { try take(first) }
    while let row = parser.next() { try take(row) }
    guard rows > 0 else {
        throw DatasetError.badFile(path: path, reason: "the file has a header row but no data rows")
    }

    // Labels: integers 0...max, or sorted distinct strings.
    var labels: [Int] = []
    var classNames: [String]
    let integers = distinctLabels.map { s -> Int? in
        guard let v = Double(s), v >= 0, v == v.rounded(), v < 1e9 else { return nil }
        return Int(v)
    }
    let values = integers.compactMap { $0 }
    if values.count == integers.count {
        labels = labelIDs.map { values[Int($0)] }
        let largest = values.max() ?? 0
        guard largest < 10_000 else {
            throw DatasetError.badFile(path: path, reason: "the label column (column \(labelIndex + 1)) holds integers up to \(largest), too many classes; is it the right column?")
        }
        classNames = (0...largest).map(String.init)
    } else {
        classNames = Array(Set(distinctLabels)).sorted()
        let position = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        let byID = distinctLabels.map { position[$0] ?? 0 }   // every label is among classNames
        labels = labelIDs.map { byID[Int($0)] }
    }
    return try Dataset(name: datasetName, features: Matrix(rows: rows, cols: columns - 1, data: features),
                       labels: labels, classNames: classNames)
}

/// The separator as one byte, or an error when it cannot separate CSV fields.
@discardableResult
private func checkCSVSeparator(_ separator: Character) throws -> UInt8 {
    guard let sep = separator.asciiValue, separator != "\"", !separator.isNewline else {
        throw DatasetError.invalidParameter(name: "CSV separator", reason: "\(separator.debugDescription) must be one ASCII character other than a quote or a line break")
    }
    return sep
}

/// "digits" for ".../digits.csv.gz".
private func csvDefaultName(_ path: String) -> String {
    var base = URL(fileURLWithPath: path).lastPathComponent
    for suffix in [".gz", ".csv", ".txt", ".tsv"] where base.lowercased().hasSuffix(suffix) {
        base = String(base.dropLast(suffix.count))
    }
    return base
}

/// A number in C syntax (decimal, exponent, "nan", "inf"), or nil when `field` is not exactly one.
private func parseFloat(_ field: ArraySlice<UInt8>) -> Float? {
    guard !field.isEmpty, field.count < 64 else {
        return field.isEmpty ? nil : Float(String(decoding: field, as: UTF8.self))
    }
    // strtof needs a terminated string; copy into a small stack buffer.
    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Float? in
        var k = 0
        for b in field { buffer[k] = CChar(bitPattern: b); k += 1 }
        buffer[k] = 0
        guard let start = buffer.baseAddress else { return nil }
        var end: UnsafeMutablePointer<CChar>?
        let v = strtof(start, &end)
        guard let end, end - start == k else { return nil }
        return v
    }
}

/// Splits CSV bytes into rows of trimmed fields, skipping blank lines.
private struct CSVRows {
    struct Row {
        /// The file line the row is on, from 1.
        var line: Int
        var fields: [ArraySlice<UInt8>]
    }
    let bytes: [UInt8]
    let separator: UInt8
    var position = 0
    var line = 0

    init(bytes: [UInt8], separator: UInt8) {
        self.bytes = bytes
        self.separator = separator
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    mutating func next() -> Row? {
        while position < bytes.count {
            line += 1
            var end = position
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let lineEnd = end
            if end > position && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            let start = position
            position = lineEnd + 1
            var fields: [ArraySlice<UInt8>] = []
            var fieldStart = start
            var blank = true
            for i in start...end {
                if i == end || bytes[i] == separator {
                    fields.append(trim(bytes[fieldStart..<i]))
                    fieldStart = i + 1
                } else if bytes[i] != UInt8(ascii: " ") && bytes[i] != UInt8(ascii: "\t") {
                    blank = false
                }
            }
            if blank && fields.count == 1 { continue }
            return Row(line: line, fields: fields)
        }
        return nil
    }

    private func trim(_ s: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var a = s.startIndex, b = s.endIndex
        func isSpace(_ c: UInt8) -> Bool { c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") }
        while a < b && isSpace(s[a]) { a += 1 }
        while b > a && isSpace(s[b - 1]) { b -= 1 }
        if b - a >= 2 && s[a] == UInt8(ascii: "\"") && s[b - 1] == UInt8(ascii: "\"") { a += 1; b -= 1 }
        return s[a..<b]
    }
}
