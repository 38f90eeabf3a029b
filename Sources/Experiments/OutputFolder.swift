// A run's output folder, written as a whole. One run at a time holds it (a lock on the folder,
// refused at once when another run holds it); the run writes into a staging folder beside it, and
// `commit` swaps the staging folder in (atomically where the system can), so a failed, interrupted
// or killed run, or a full disk, leaves the previous contents as they were. Staging folders of
// killed runs are removed by the next run.
import CTensorKernels
import Tensors
import Foundation

/// The output folder of one run.
public final class OutputFolder {
    /// Where the results go once the run succeeds.
    public let path: String
    /// Where the run writes them meanwhile.
    public let staging: String
    private let lockDescriptor: Int32
    private var committed = false
    /// The staging folder's slot in the list a SIGINT/SIGTERM handler empties before exiting.
    private var signalSlot: Int32 = -1

    /// Takes `path` for this run: refuses an empty path, a path that is a file, a parent folder that
    /// cannot be created or written, and a folder another run is writing; then makes a fresh staging folder.
    public init(_ path: String) throws {
        guard !path.isEmpty else { throw SavedModelError(description: "the output folder is an empty path; give a folder name with --out") }
        let url = URL(fileURLWithPath: path).standardizedFileURL
        self.path = path
        let parent = url.deletingLastPathComponent().path, name = url.lastPathComponent
        try createFolder(parent, what: "folder")
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw SavedModelError(description: "the output folder \(path) is a file, not a folder; choose another --out")
        }
        // The lock is the folder itself (created empty when missing): nothing is left beside it.
        try createFolder(path, what: "output folder")
        lockDescriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard lockDescriptor >= 0 else {
            throw SavedModelError(description: "cannot open the output folder \(path) (\(String(cString: strerror(errno)))); choose another --out")
        }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(lockDescriptor)
            throw SavedModelError(description: "another run is writing \(path) right now; wait for it to finish or choose another --out")
        }
        staging = parent + "/.\(name).staging-\(getpid())"
        Self.removeStale(parent: parent, name: name)
        do {
            try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            flock(lockDescriptor, LOCK_UN)
            close(lockDescriptor)
            throw SavedModelError(description: "cannot create a folder in \(parent) (\(String(cString: strerror(errno)))); choose another --out")
        }
        signalSlot = tk_dir_register(staging)
    }

    deinit {
        tk_dir_unregister(signalSlot)
        if !committed { try? FileManager.default.removeItem(atPath: staging) }
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    /// Writes `command.txt`: the executable's name and the arguments that decide the results, for the
    /// results page to say which command made them. Left out: where the results go (`--out`) and what
    /// changes only how they are made (`--threads`, `--checkpoints`, `--resume`), so that runs giving
    /// the same results write the same file.
    public func recordCommand(_ arguments: [String] = CommandLine.arguments) throws {
        try writeFileAtomically(recordedCommand(arguments) + "\n", to: staging + "/command.txt")
    }

    /// Puts the staging folder in place of `path` (the previous contents go), atomically where the
    /// system can swap two folders; elsewhere by two renames.
    public func commit() throws {
        tk_dir_unregister(signalSlot)
        signalSlot = -1
        func fail(_ what: String) -> SavedModelError {
            SavedModelError(description: "cannot put the results in \(path) (\(what): \(String(cString: strerror(errno)))); they are in \(staging)")
        }
        if FileManager.default.fileExists(atPath: path) {
            // The swapped-out folder (the old results) is the one this run holds the lock on.
            if tk_rename_exchange(staging, path) != 0 {
                let aside = staging + ".old"
                guard rename(path, aside) == 0 else { throw fail("moving the old results aside") }
                guard rename(staging, path) == 0 else { throw fail("moving the new results in") }
                try? FileManager.default.removeItem(atPath: aside)
            } else {
                try? FileManager.default.removeItem(atPath: staging)  // now the old contents
            }
        } else {
            guard rename(staging, path) == 0 else { throw fail("moving the results in") }
        }
        committed = true
    }

    /// Removes staging folders of runs that are no longer alive (killed before they committed); the
    /// old results a run killed between its two renames had moved aside go back in place.
    private static func removeStale(parent: String, name: String) {
        let prefix = ".\(name).staging-", target = parent + "/" + name
        for entry in ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).sorted() where entry.hasPrefix(prefix) {
            let rest = entry.dropFirst(prefix.count)
            let aside = rest.hasSuffix(".old")
            guard let pid = Int32(aside ? rest.dropLast(4) : rest), kill(pid, 0) != 0 || pid == getpid() else { continue }
            if aside, !FileManager.default.fileExists(atPath: target), rename(parent + "/" + entry, target) == 0 { continue }
            try? FileManager.default.removeItem(atPath: parent + "/" + entry)
        }
    }
}

/// The command line `recordCommand` writes: the executable's file name, then the arguments without
/// `--out`, `--threads`, `--checkpoints` (with their values, as one argument `--out=x` or two) and `--resume`;
/// an argument with a space or a quote is single-quoted.
public func recordedCommand(_ arguments: [String]) -> String {
    guard let first = arguments.first else { return "" }
    let valued: Set<String> = ["--out", "--threads", "--checkpoints"], flags: Set<String> = ["--resume"]
    var kept = [(first as NSString).lastPathComponent], skipNext = false
    for argument in arguments.dropFirst() {
        if skipNext { skipNext = false; continue }
        if valued.contains(argument) { skipNext = true; continue }
        if flags.contains(argument) || valued.contains(where: { argument.hasPrefix($0 + "=") }) { continue }
        kept.append(argument.contains(where: { " '\"\\$`".contains($0) }) || argument.isEmpty
                    ? "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'" : argument)
    }
    return kept.joined(separator: " ")
}
