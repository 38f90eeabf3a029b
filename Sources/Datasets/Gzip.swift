// Whole-file reading and gzip (de)compression for the loaders: a file that starts with the gzip
// magic bytes 1f 8b is inflated, anything else is taken as it is.
import CZlib
import Foundation
import ImageIO

/// True when `bytes` start with the gzip magic number 1f 8b.
public func isGzip(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b
}

/// Inflates gzip data (one or more members), refusing to produce more than `maximumSize` bytes.
///
/// - Throws: `DatasetError.badFile` naming `path` when the data are cut short, corrupt, or would
///   inflate beyond `maximumSize` (the caller's declared size, so a hostile file cannot exhaust memory).
public func gunzip(_ bytes: [UInt8], maximumSize: Int, path: String = "gzip data") throws -> [UInt8] {
    try inflateGzip(bytes, cap: maximumSize, path: path, allowShort: false).bytes
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

/// Inflates with a cap. With `allowShort`, stopping at the cap is not an error (used to peek at
/// a header); the result says whether the stream went on beyond it.
func inflateGzip(_ bytes: [UInt8], cap: Int, path: String, allowShort: Bool) throws -> (bytes: [UInt8], overCap: Bool) {
    var out: UnsafeMutablePointer<UInt8>?
    var count = 0
    var message: UnsafePointer<CChar>?
    let status = bytes.withUnsafeBufferPointer { src in
        cvd_gunzip(src.baseAddress, src.count, max(0, cap), &out, &count, &message)
    }
    defer { cvd_gz_free(out) }
    let result = count > 0 ? Array(UnsafeBufferPointer(start: out, count: count)) : []
    switch Int(status) {
    case Int(CVD_GZ_OK):
        return (result, false)
    case Int(CVD_GZ_OVER_CAP):
        if allowShort { return (result, true) }
        throw DatasetError.badFile(path: path, reason: "the gzip data inflate to more than the \(cap) bytes expected; the file is not what its header says")
    case Int(CVD_GZ_TRUNCATED):
        if allowShort && count >= cap { return (result, true) }
        throw DatasetError.badFile(path: path, reason: "the gzip data end early (the file is truncated after \(bytes.count) compressed bytes, \(count) inflated); download or copy it again")
    case Int(CVD_GZ_CORRUPT):
        let why = message.map { String(cString: $0) } ?? "invalid data"
        throw DatasetError.badFile(path: path, reason: "the gzip data are corrupt (\(why)); download or copy the file again")
    default:
        throw DatasetError.badFile(path: path, reason: "not enough memory to inflate the gzip data")
    }
}

/// The bytes of the file at `path`; a missing or unreadable file throws `DatasetError.badFile`.
func readFileBytes(_ path: String) throws -> [UInt8] {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
        throw DatasetError.badFile(path: path, reason: "no such file; check the path")
    }
    guard !isFolder.boolValue else {
        throw DatasetError.badFile(path: path, reason: "is a folder, not a file")
    }
    do {
        return try ImageIO.readFileBytes(atPath: path)
    } catch ImageIOError.cannotRead(_, let reason) {
        throw DatasetError.badFile(path: path, reason: "the file cannot be read (\(reason)); check its permissions")
    }
}

/// The file's bytes, inflated when they are gzip data (capped at `maximumInflatedSize`).
func readMaybeGzipped(_ path: String, maximumInflatedSize: Int) throws -> [UInt8] {
    let raw = try readFileBytes(path)
    return isGzip(raw) ? try gunzip(raw, maximumSize: maximumInflatedSize, path: path) : raw
}
