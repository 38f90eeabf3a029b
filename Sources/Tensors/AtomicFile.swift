// Atomic file output: every table, image and weights file of the suite is written to a temporary
// file in the destination folder and renamed over the destination, so an interrupted run never
// leaves a half-written file and the previous version stays intact until the new one is complete.
import Foundation
import CTensorKernels

/// Errors of file output.
public enum FileOutputError: Error, CustomStringConvertible, Equatable {
    case cannotCreateFolder(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotCreateFolder(path, reason): return "Cannot create the folder \(path): \(reason)."
        case let .cannotWrite(path, reason): return "Cannot write \(path): \(reason)."
        }
    }
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, fsync, rename), creating
/// missing parent folders.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent().path
    do {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    } catch {
        // The system's reason (errno of the failed mkdir), not a Foundation error code.
        var isFolder: ObjCBool = false
        let reason = FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) && !isFolder.boolValue
            ? "a file of that name is in the way" : String(cString: strerror(errno))
        throw FileOutputError.cannotCreateFolder(path: folder, reason: reason)
    }
    removeStaleTemporaryFiles(in: folder, of: url.lastPathComponent)
    let tmp = folder + "/.\(url.lastPathComponent).\(getpid()).tmp"
    let slot = tk_tmp_register(tmp)
    defer { tk_tmp_unregister(slot) }
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { throw FileOutputError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    var written = 0
    let ok: Bool = bytes.withUnsafeBytes { raw in
        guard let start = raw.baseAddress else { return true }   // no bytes: the empty file is written
        while written < raw.count {
            let n = write(fd, start + written, raw.count - written)
            if n <= 0 { return false }
            written += n
        }
        return true
    }
    let reason = String(cString: strerror(errno))
    fsync(fd)
    close(fd)
    guard ok else { unlink(tmp); throw FileOutputError.cannotWrite(path: path, reason: reason) }
    guard rename(tmp, path) == 0 else {
        let why = String(cString: strerror(errno))
        unlink(tmp)
        throw FileOutputError.cannotWrite(path: path, reason: why)
    }
}

/// Removes `.<name>.<pid>.tmp` files in `folder` left by runs that were killed (SIGKILL, a power
/// cut) while they wrote `name`: those whose process no longer exists.
func removeStaleTemporaryFiles(in folder: String, of name: String) {
    let prefix = "." + name + ".", suffix = ".tmp"
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(suffix) && entry.count > prefix.count + suffix.count {
        let digits = entry.dropFirst(prefix.count).dropLast(suffix.count)
        guard let pid = Int32(digits), pid > 0, pid != getpid() else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder + "/" + entry) }
    }
}

/// Writes `text` as UTF-8 to `path` atomically.
public func writeFileAtomically(_ text: String, to path: String) throws {
    try writeFileAtomically(Array(text.utf8), to: path)
}

/// Removes the temporary files of writes still in progress. Async-signal-safe: a SIGINT/SIGTERM
/// handler calls it before exiting so that an interrupted run leaves no stray temporary file.
public func removeUnfinishedTemporaryFiles() {
    tk_tmp_unlink_all()
}
