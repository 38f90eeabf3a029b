// Whole-file reading and gzip (de)compression for the loaders: a file that starts with the gzip
// magic bytes 1f 8b is inflated, anything else is taken as it is. Inflation is always capped:
// the data are first inflated into a small scratch buffer only to be counted (so a gzip bomb costs
// no memory and stops at the cap), then into a buffer of exactly the counted size.
import CZlib
import Foundation
import ImageFiles

/// True when `bytes` start with the gzip magic number 1f 8b.
public func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Inflates gzip data (one or more members), refusing to produce more than `maximumSize` bytes.
/// The size is checked while inflating into a scratch buffer, before the result is allocated, so
/// data inflating beyond the cap cost neither memory nor the time to inflate past it.
///
/// - Throws: `DatasetError.badFile` naming `path` when the data are cut short, corrupt, or would
///   inflate beyond `maximumSize` (the caller's declared size, so a hostile file cannot exhaust memory).
public func gunzip(_ bytes: [UInt8], maximumSize: Int, path: String = "gzip data") throws -> [UInt8] {
    try inflateCapped(bytes, cap: maximumSize, path: path) { cap in
        "the gzip data inflate to more than the \(cap) bytes expected; the file is not what its header says"
    }
}

/// Compresses `bytes` into one gzip member (no file name, time stamp 0: equal input, equal output).
public func gzipCompressed(_ bytes: [UInt8], level: Int = 6) -> [UInt8] {
    var out: UnsafeMutablePointer<UInt8>?
    var count = 0
    let status = bytes.withUnsafeBufferPointer { src in
        cvd_gzip(src.baseAddress, src.count, Int32(max(1, min(9, level))), &out, &count)
    }
    defer { cvd_gz_free(out) }
    // Allocation failure is the only failure mode; it is not a user error.
    precondition(status == Int32(CVD_GZ_OK), "gzip compression ran out of memory")
    return Array(UnsafeBufferPointer(start: out, count: count))
}

/// How one run of the inflater ended, when it did not throw.
enum InflateEnd: Equatable {
    /// Every member inflated completely to `count` bytes (at most the cap).
    case complete(count: Int)
    /// The output reached the cap and more was coming; nothing beyond the cap was produced.
    case overCap
    /// The data end inside a member after `count` inflated bytes.
    case truncated(count: Int)
}

/// Inflates `bytes` into `destination` (or, when it is nil, only counts the output), never
/// producing more than `cap` bytes. Corrupt data and allocation failures throw; the other
/// outcomes are returned for the caller to word.
func runInflater(_ bytes: [UInt8], into destination: UnsafeMutableBufferPointer<UInt8>?, cap: Int,
                 path: String) throws -> InflateEnd {
    var produced = 0, consumed = 0
    var message: UnsafePointer<CChar>?
    let limit = destination.map { min($0.count, max(0, cap)) } ?? max(0, cap)
    let status = bytes.withUnsafeBufferPointer { src in
        cvd_gunzip_into(src.baseAddress, src.count, destination?.baseAddress, limit, &produced, &consumed, &message)
    }
    switch Int(status) {
    case Int(CVD_GZ_OK): return .complete(count: produced)
    case Int(CVD_GZ_OVER_CAP): return .overCap
    case Int(CVD_GZ_TRUNCATED): return .truncated(count: produced)
    case Int(CVD_GZ_CORRUPT):
        let why = message.map { String(cString: $0) } ?? "invalid data"
        throw DatasetError.badFile(path: path, reason: "the gzip data are corrupt (\(why)); download or copy the file again")
    default:
        throw DatasetError.badFile(path: path, reason: "not enough memory to inflate the gzip data")
    }
}

/// The sentence for gzip data that end inside a member.
func truncatedGzipReason(compressed: Int, inflated: Int) -> String {
    "the gzip data end early (the file is truncated after \(compressed) compressed bytes, \(inflated) inflated); download or copy it again"
}

/// Inflates `bytes` completely, at most `cap` bytes: counted first without keeping the output
/// (a file inflating beyond the cap is refused with `overCapReason(cap)` before anything large
/// is allocated), then inflated into a buffer of exactly that size.
func inflateCapped(_ bytes: [UInt8], cap: Int, path: String, overCapReason: (Int) -> String) throws -> [UInt8] {
    let size: Int
    switch try runInflater(bytes, into: nil, cap: cap, path: path) {
    case .complete(let count): size = count
    case .overCap: throw DatasetError.badFile(path: path, reason: overCapReason(cap))
    case .truncated(let count):
        throw DatasetError.badFile(path: path, reason: truncatedGzipReason(compressed: bytes.count, inflated: count))
    }
    var result = [UInt8](repeating: 0, count: size)
    let end = try result.withUnsafeMutableBufferPointer { try runInflater(bytes, into: $0, cap: size, path: path) }
    // The same bytes inflate the same way; anything else means memory or zlib misbehaved.
    guard end == .complete(count: size) else {
        throw DatasetError.badFile(path: path, reason: "the gzip data inflated differently on a second pass; the file changed or memory is failing")
    }
    return result
}

/// The first `count` bytes the gzip data inflate to (fewer when the data hold fewer), for a
/// header; inflation stops there, whatever follows.
func inflatedPrefix(_ bytes: [UInt8], count: Int, path: String) throws -> [UInt8] {
    var head = [UInt8](repeating: 0, count: count)
    let end = try head.withUnsafeMutableBufferPointer { try runInflater(bytes, into: $0, cap: count, path: path) }
    switch end {
    case .overCap: return head
    case .complete(let n): return Array(head.prefix(n))
    case .truncated(let n):
        if n >= count { return head }
        throw DatasetError.badFile(path: path, reason: truncatedGzipReason(compressed: bytes.count, inflated: n))
    }
}

/// The most CSV data a gzipped CSV file may inflate to unless `CVD_MAX_INFLATED_BYTES` says
/// otherwise: 2 GiB.
public let defaultMaximumInflatedCSVBytes = 2 << 30

/// The environment variable that overrides `defaultMaximumInflatedCSVBytes`: a number of bytes,
/// optionally followed by K, M or G (powers of 1024), e.g. `CVD_MAX_INFLATED_BYTES=8G`.
public let maximumInflatedBytesVariable = "CVD_MAX_INFLATED_BYTES"

/// The cap on the inflated size of gzipped CSV data: `CVD_MAX_INFLATED_BYTES` when it is set,
/// else `defaultMaximumInflatedCSVBytes`.
///
/// - Throws: `DatasetError.invalidParameter` naming the variable when its value is not a number of bytes.
public func maximumInflatedCSVBytes() throws -> Int {
    guard let text = ProcessInfo.processInfo.environment[maximumInflatedBytesVariable] else {
        return defaultMaximumInflatedCSVBytes
    }
    guard let value = parseByteCount(text), value > 0 else {
        throw DatasetError.invalidParameter(name: "environment variable \(maximumInflatedBytesVariable)",
                                            reason: "\"\(text)\" is not a positive number of bytes; write e.g. 4294967296 or 4G")
    }
    return value
}

/// "4096", "512K", "64M", "8G" (powers of 1024), or nil.
private func parseByteCount(_ text: String) -> Int? {
    var digits = text.trimmingCharacters(in: .whitespaces)
    var scale = 1
    if let last = digits.last?.uppercased(), let s = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40][last] {
        scale = s
        digits.removeLast()
    }
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else { return nil }
    let (value, overflow) = n.multipliedReportingOverflow(by: scale)
    return overflow ? nil : value
}

/// "2 GiB", "512 MiB", "1000 bytes": a cap for messages.
func byteCountText(_ n: Int) -> String {
    for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] where n >= size && n % size == 0 {
        return "\(n / size) \(unit)"
    }
    return "\(n) bytes"
}

/// Why a loader cannot use `path`, from what is there: a sentence for `DatasetError.badFile`, or
/// nil for a regular file.
func notARegularFileReason(_ kind: FileKind) -> String? {
    switch kind {
    case .regular: return nil
    case .folder: return "is a folder, not a file"
    case .special(let what): return "is \(what), not a regular file; pass a regular file"
    case .unavailable(let code) where code == ENOENT || code == ENOTDIR: return "no such file; check the path"
    case .unavailable(let code) where code == EACCES:
        return "the file cannot be read (\(systemErrorText(code))); check its permissions"
    case .unavailable(let code): return "the file cannot be examined (\(systemErrorText(code)))"
    }
}

/// The bytes of the file at `path`, at most `limit` of them; a missing file, a folder, a named
/// pipe, socket or device (checked before opening, so a pipe cannot block) or an unreadable file
/// throws `DatasetError.badFile`.
func readFileBytes(_ path: String, limit: Int = Int.max) throws -> [UInt8] {
    if let reason = notARegularFileReason(fileKind(atPath: path)) {
        throw DatasetError.badFile(path: path, reason: reason)
    }
    do {
        return try ImageFiles.readFileBytes(atPath: path, limit: limit)
    } catch ImageFileError.cannotRead(_, let reason) {
        throw DatasetError.badFile(path: path, reason: "the file cannot be read (\(reason))")
    }
}
