// POSIX file access shared by the image reader and the data loaders: what a path is (checked
// with stat before anything is opened, so a named pipe cannot block a reader), whole-file reads
// with the system's reason on failure, and paths as raw bytes, because a Linux file name is any
// bytes and need not be UTF-8.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#else
import Darwin
#endif

/// What a path names, from stat(2) (symbolic links followed).
public enum FileKind: Equatable, Sendable {
    /// A regular file of `size` bytes.
    case regular(size: Int)
    case folder
    /// A named pipe, socket or device: `description` is e.g. "a named pipe (FIFO)".
    case special(description: String)
    /// stat failed with this errno (ENOENT for a missing path or a dangling link).
    case unavailable(errorNumber: Int32)
}

/// The system's sentence for an errno value, e.g. "No such file or directory".
public func systemErrorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// What `path` (raw bytes, no terminating NUL) names; a path containing a NUL byte is unavailable.
public func fileKind(atRawPath path: [UInt8]) -> FileKind {
    guard !path.contains(0) else { return .unavailable(errorNumber: ENOENT) }
    var info = stat()
    let result = stat(cPath(path), &info)
    guard result == 0 else { return .unavailable(errorNumber: errno) }
    return fileKind(mode: info.st_mode, size: Int(info.st_size))
}

/// What `path` names (see `fileKind(atRawPath:)`).
public func fileKind(atPath path: String) -> FileKind {
    fileKind(atRawPath: Array(path.utf8))
}

private func fileKind(mode: mode_t, size: Int) -> FileKind {
    switch mode & S_IFMT {
    case S_IFREG: return .regular(size: size)
    case S_IFDIR: return .folder
    case S_IFIFO: return .special(description: "a named pipe (FIFO)")
    case S_IFSOCK: return .special(description: "a socket")
    case S_IFCHR: return .special(description: "a character device")
    case S_IFBLK: return .special(description: "a block device")
    default: return .special(description: "a special file")
    }
}

/// The sentence `ImageFileError.cannotRead` gives for what is at a path that is not a regular file.
func cannotReadReason(_ kind: FileKind) -> String? {
    switch kind {
    case .regular: return nil
    case .folder: return "it is a folder, not a file"
    case .special(let what): return "it is \(what), not a regular file"
    case .unavailable(let code): return systemErrorText(code)
    }
}

/// A file name or path for messages: valid UTF-8 as it is, every other byte (and every control
/// character) as `\xHH`, so `caf\xe9.png` names a Latin-1 file name that UTF-8 cannot show.
public func displayName(ofRawPath bytes: [UInt8]) -> String {
    var text = ""
    var i = 0
    func hex(_ b: UInt8) -> String { "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16) }
    while i < bytes.count {
        let b0 = bytes[i]
        if b0 < 0x80 {
            text += b0 < 0x20 || b0 == 0x7F ? hex(b0) : String(UnicodeScalar(b0))
            i += 1
            continue
        }
        // The length of a well-formed sequence starting with b0, and its first continuation range.
        let length: Int, low: UInt8, high: UInt8
        switch b0 {
        case 0xC2...0xDF: (length, low, high) = (2, 0x80, 0xBF)
        case 0xE0: (length, low, high) = (3, 0xA0, 0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: (length, low, high) = (3, 0x80, 0xBF)
        case 0xED: (length, low, high) = (3, 0x80, 0x9F)
        case 0xF0: (length, low, high) = (4, 0x90, 0xBF)
        case 0xF1...0xF3: (length, low, high) = (4, 0x80, 0xBF)
        case 0xF4: (length, low, high) = (4, 0x80, 0x8F)
        default: (length, low, high) = (0, 0, 0)
        }
        var valid = length > 0 && i + length <= bytes.count
        if valid {
            valid = (low...high).contains(bytes[i + 1]) && bytes[(i + 2)..<(i + length)].allSatisfy { (0x80...0xBF).contains($0) }
        }
        if valid {
            text += String(decoding: bytes[i..<(i + length)], as: UTF8.self)
            i += length
        } else {
            text += hex(b0)
            i += 1
        }
    }
    return text
}

/// The content of the regular file at `path` (raw bytes), at most `limit` bytes of it. The path is
/// checked with stat before it is opened (a named pipe, socket, device or folder throws at once
/// instead of blocking), and opened non-blocking and checked again, in case it was swapped.
///
/// - Parameter name: the path as messages show it.
/// - Throws: `ImageFileError.cannotRead` naming `name`, with the system's reason or what the path is.
public func readFileBytes(atRawPath path: [UInt8], name: String, limit: Int = Int.max) throws -> [UInt8] {
    if let reason = cannotReadReason(fileKind(atRawPath: path)) {
        throw ImageFileError.cannotRead(path: name, reason: reason)
    }
    let descriptor = open(cPath(path), O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard descriptor >= 0 else {
        throw ImageFileError.cannotRead(path: name, reason: systemErrorText(errno))
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
        throw ImageFileError.cannotRead(path: name, reason: systemErrorText(errno))
    }
    let kind = fileKind(mode: info.st_mode, size: Int(info.st_size))
    if let reason = cannotReadReason(kind) {
        throw ImageFileError.cannotRead(path: name, reason: reason)
    }
    // The size is a hint only: the loop reads until end of file (or `limit`), so a file that
    // changes while being read is still read consistently up to where it ends.
    var bytes = [UInt8]()
    bytes.reserveCapacity(min(max(0, limit), Int(info.st_size)))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while bytes.count < limit {
        let wanted = min(chunk.count, limit - bytes.count)
        let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, wanted) }
        if count < 0 {
            if errno == EINTR || errno == EAGAIN { continue }
            throw ImageFileError.cannotRead(path: name, reason: systemErrorText(errno))
        }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return bytes
}

/// The content of the regular file at `path`, at most `limit` bytes (see `readFileBytes(atRawPath:name:limit:)`).
/// Shared with the data loaders.
///
/// - Throws: `ImageFileError.cannotRead` with the system's reason, or what the path is when it is
///   not a regular file.
public func readFileBytes(atPath path: String, limit: Int = Int.max) throws -> [UInt8] {
    try readFileBytes(atRawPath: Array(path.utf8), name: path, limit: limit)
}

/// The names in the folder at `path` (raw bytes), as raw bytes, without "." and "..", in the
/// order the system lists them.
///
/// - Throws: `ImageFileError.cannotRead` naming `name` with the system's reason.
public func folderEntries(atRawPath path: [UInt8], name: String) throws -> [[UInt8]] {
    guard !path.contains(0) else { throw ImageFileError.cannotRead(path: name, reason: systemErrorText(ENOENT)) }
    let folder = opendir(cPath(path))
    guard let folder else { throw ImageFileError.cannotRead(path: name, reason: systemErrorText(errno)) }
    defer { closedir(folder) }
    var names: [[UInt8]] = []
    while true {
        errno = 0
        guard let entry = readdir(folder) else {
            if errno != 0 { throw ImageFileError.cannotRead(path: name, reason: systemErrorText(errno)) }
            break
        }
        let bytes = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
            pointer.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) { start in
                Array(UnsafeBufferPointer(start: start, count: strlen(UnsafeRawPointer(start).assumingMemoryBound(to: CChar.self))))
            }
        }
        if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
        names.append(bytes)
    }
    return names
}

/// `path` as a NUL-terminated C string, for the system calls (an array argument is passed as a
/// pointer to its elements, so no pointer needs unwrapping).
private func cPath(_ path: [UInt8]) -> [CChar] {
    path.map { CChar(bitPattern: $0) } + [0]
}
