// Folders of images with one sub-folder per class (the layout of most image-classification
// downloads): PNG, JPEG and PPM/PGM files, mixed, resized to one size and one channel count.
import Foundation
import ImageFiles
import Tensors

/// The result of `loadImageFolder`: the images, and the files that were passed over.
public struct ImageFolderContents: Sendable {
    /// One sample per image, 1×H×W (gray) or 3×H×W (RGB), pixels in [0, 1].
    public var dataset: Dataset
    /// Files and folders that are not images and were skipped (paths relative to the root folder,
    /// sorted): other extensions, hidden files, nested folders, loose files in the root. An entry
    /// that is not a regular file or folder (a dangling link) is never opened; its path is followed
    /// by why. A pipe, socket or device named as an image is an error, also never opened. Names that are not UTF-8 show their other bytes as `\xHH`.
    public var skippedFiles: [String]
    /// `skippedFiles.count`.
    public var skippedCount: Int { skippedFiles.count }
}

/// The extensions read as images; every other file is skipped.
public let imageFileExtensions: Set<String> = ["png", "jpg", "jpeg", "ppm", "pgm", "pnm"]

/// Loads every image in the class sub-folders of `path`: the class names are the sub-folder names,
/// sorted, and the samples come class by class, each class's files sorted by name. Each image is
/// converted to `channels` (1: gray, 3: RGB; alpha is composited over black) and resized to
/// `width` × `height` (area averaging when shrinking, bilinear when enlarging), whatever its
/// format or size. Files without an image extension (see `imageFileExtensions`) are skipped and
/// listed in the result, and so are entries that are not regular files (checked with stat before
/// anything is opened, so a named pipe called `x.png` cannot block the load).
///
/// File and folder names are taken as bytes: a name that is not UTF-8 (`caf\xe9.png` in Latin-1)
/// is read all the same, and a class folder with such a name is a class whose name shows the
/// other bytes as `\xHH` (`caf\xe9`); two class folders that would show alike are refused.
///
/// - Throws: `DatasetError.badFile` for a missing folder, a folder without class sub-folders or a
///   class folder without images (each named); `DatasetError.invalidParameter` for a bad size or
///   channel count; the `ImageFileError` naming the file for an image that cannot be decoded.
public func loadImageFolder(_ path: String, width: Int, height: Int, channels: Int = 1,
                            name: String? = nil) throws -> ImageFolderContents {
    guard width > 0, height > 0, width * height <= 4096 * 4096 else {
        throw DatasetError.invalidParameter(name: "image size", reason: "\(width)×\(height) must be positive and at most 4096×4096")
    }
    guard channels == 1 || channels == 3 else {
        throw DatasetError.invalidParameter(name: "channel count", reason: "\(channels) must be 1 (gray) or 3 (RGB)")
    }
    // Names are raw bytes (a Linux file name need not be UTF-8): files are opened by their bytes
    // and named in messages and class names with `displayName(ofRawPath:)` (`caf\xe9`).
    let root = Array(path.utf8)
    switch fileKind(atRawPath: root) {
    case .folder: break
    case .unavailable(let code) where code == ENOENT || code == ENOTDIR:
        throw DatasetError.badFile(path: path, reason: "no such folder; pass a folder with one sub-folder of images per class")
    case .unavailable(let code):
        throw DatasetError.badFile(path: path, reason: "the folder cannot be examined (\(systemErrorText(code)))")
    case .regular:
        throw DatasetError.badFile(path: path, reason: "is a file, not a folder; pass a folder with one sub-folder of images per class")
    case .special(let what):
        throw DatasetError.badFile(path: path, reason: "is \(what), not a folder; pass a folder with one sub-folder of images per class")
    }
    /// The entries of a folder with their display names, sorted by display name (then by bytes).
    func list(_ folder: [UInt8], name: String) throws -> [(raw: [UInt8], name: String)] {
        let names: [[UInt8]]
        do { names = try folderEntries(atRawPath: folder, name: name) } catch ImageFileError.cannotRead(_, let reason) {
            throw DatasetError.badFile(path: name, reason: "the folder cannot be listed (\(reason))")
        }
        return names.map { ($0, displayName(ofRawPath: $0)) }
            .sorted { $0.name != $1.name ? $0.name < $1.name : $0.raw.lexicographicallyPrecedes($1.raw) }
    }
    /// Why an entry that is neither a regular file nor a folder was passed over, for the skipped list.
    func note(_ kind: FileKind) -> String {
        switch kind {
        case .special(let what): return " (\(what), not a regular file; not opened)"
        case .unavailable(let code): return " (cannot be examined: \(systemErrorText(code)))"
        case .regular, .folder: return ""
        }
    }
    var skipped: [String] = []
    var classNames: [String] = []
    var classFolders: [String: [UInt8]] = [:]
    var files: [(path: [UInt8], name: String, label: Int)] = []
    for entry in try list(root, name: path) {
        let full = root + [UInt8(ascii: "/")] + entry.raw
        let fullName = (path as NSString).appendingPathComponent(entry.name)
        let kind = fileKind(atRawPath: full)
        guard !entry.name.hasPrefix("."), kind == .folder else { skipped.append(entry.name + note(kind)); continue }
        if let other = classFolders[entry.name] {
            throw DatasetError.badFile(path: fullName, reason: "two class folders show as \"\(entry.name)\" (the bytes \(other.map { String(format: "%02x", $0) }.joined()) and \(entry.raw.map { String(format: "%02x", $0) }.joined())); rename one of them")
        }
        classFolders[entry.name] = entry.raw
        let label = classNames.count
        var count = 0
        for file in try list(full, name: fullName) {
            let filePath = full + [UInt8(ascii: "/")] + file.raw
            let ext = (file.name as NSString).pathExtension.lowercased()
            let relative = entry.name + "/" + file.name
            guard !file.name.hasPrefix("."), imageFileExtensions.contains(ext) else { skipped.append(relative); continue }
            // Checked before anything is opened: a named pipe would block the reader for ever.
            let fileType = fileKind(atRawPath: filePath)
            // An image name on something that is not a file is refused at once (never opened): a user
            // who put it there meant it as an image.
            if case let .special(what) = fileType {
                throw DatasetError.badFile(path: (fullName as NSString).appendingPathComponent(file.name),
                                           reason: "is \(what), not a regular file; remove it or move it out of the folder")
            }
            guard case .regular = fileType else { skipped.append(relative + note(fileType)); continue }
            files.append((filePath, (fullName as NSString).appendingPathComponent(file.name), label))
            count += 1
        }
        guard count > 0 else {
            throw DatasetError.badFile(path: fullName, reason: "the class folder \"\(entry.name)\" holds no PNG, JPEG or PPM/PGM images; add images or remove the folder")
        }
        classNames.append(entry.name)
    }
    guard !classNames.isEmpty else {
        throw DatasetError.badFile(path: path, reason: "the folder has no class sub-folders; put the images of each class in a sub-folder named after the class")
    }

    // Decode in parallel; chunks are fixed by size and write disjoint rows, so the result does not
    // depend on the thread count. The first failing file (in file order) is reported.
    let d = channels * height * width
    var pixels = [Float](repeating: 0, count: files.count * d)
    let failures: [Error?] = pixels.withUnsafeMutableBufferPointer { out in
        guard let base = out.baseAddress else { return [] }   // no files, nothing to decode
        return Parallel.mapChunks(0..<files.count, grain: 16) { range -> Error? in
            for i in range {
                do {
                    let image = try readImage(atRawPath: files[i].path, name: files[i].name)
                    // Convert first when it removes channels, else resize first (less work either way).
                    let fitted = image.channels > channels
                        ? image.converted(toChannels: channels).resized(width: width, height: height)
                        : image.resized(width: width, height: height).converted(toChannels: channels)
                    let values = fitted.planarFloats()
                    for j in 0..<d { base[i * d + j] = values[j] }
                } catch {
                    return error
                }
            }
            return nil
        }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    let datasetName = name ?? URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
    let dataset = try Dataset(name: datasetName, features: Matrix(rows: files.count, cols: d, data: pixels),
                              labels: files.map(\.label), classNames: classNames,
                              imageShape: ImageShape(channels: channels, height: height, width: width))
    return ImageFolderContents(dataset: dataset, skippedFiles: skipped)
}
