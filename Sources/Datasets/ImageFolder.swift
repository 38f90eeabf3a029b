// Folders of images with one sub-folder per class (the layout of most image-classification
// downloads): PNG, JPEG and PPM/PGM files, mixed, resized to one size and one channel count.
import Foundation
import ImageIO
import Tensors

/// The result of `loadImageFolder`: the images, and the files that were passed over.
public struct ImageFolderContents: Sendable {
    /// One sample per image, 1×H×W (gray) or 3×H×W (RGB), pixels in [0, 1].
    public var dataset: Dataset
    /// Files and folders that are not images and were skipped (paths relative to the root folder,
    /// sorted): other extensions, hidden files, nested folders, loose files in the root.
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
/// listed in the result.
///
/// - Throws: `DatasetError.badFile` for a missing folder, a folder without class sub-folders or a
///   class folder without images (each named); `DatasetError.invalidParameter` for a bad size or
///   channel count; the `ImageIOError` naming the file for an image that cannot be decoded.
public func loadImageFolder(_ path: String, width: Int, height: Int, channels: Int = 1,
                            name: String? = nil) throws -> ImageFolderContents {
    guard width > 0, height > 0, width * height <= 4096 * 4096 else {
        throw DatasetError.invalidParameter(name: "image size", reason: "\(width)×\(height) must be positive and at most 4096×4096")
    }
    guard channels == 1 || channels == 3 else {
        throw DatasetError.invalidParameter(name: "channel count", reason: "\(channels) must be 1 (gray) or 3 (RGB)")
    }
    let fm = FileManager.default
    func isFolder(_ p: String) -> Bool {
        var flag: ObjCBool = false
        return fm.fileExists(atPath: p, isDirectory: &flag) && flag.boolValue
    }
    guard isFolder(path) else {
        throw DatasetError.badFile(path: path, reason: fm.fileExists(atPath: path)
            ? "is a file, not a folder; pass a folder with one sub-folder of images per class"
            : "no such folder; pass a folder with one sub-folder of images per class")
    }
    let entries: [String]
    do { entries = try fm.contentsOfDirectory(atPath: path).sorted() } catch {
        throw DatasetError.badFile(path: path, reason: "the folder cannot be listed (\(error.localizedDescription))")
    }
    var skipped: [String] = []
    var classNames: [String] = []
    var files: [(path: String, label: Int)] = []
    for entry in entries {
        let full = (path as NSString).appendingPathComponent(entry)
        guard !entry.hasPrefix("."), isFolder(full) else { skipped.append(entry); continue }
        let label = classNames.count
        var count = 0
        let contents = ((try? fm.contentsOfDirectory(atPath: full)) ?? []).sorted()
        for file in contents {
            let filePath = (full as NSString).appendingPathComponent(file)
            let ext = (file as NSString).pathExtension.lowercased()
            if file.hasPrefix(".") || !imageFileExtensions.contains(ext) || isFolder(filePath) {
                skipped.append(entry + "/" + file)
                continue
            }
            files.append((filePath, label))
            count += 1
        }
        guard count > 0 else {
            throw DatasetError.badFile(path: full, reason: "the class folder \"\(entry)\" holds no PNG, JPEG or PPM/PGM images; add images or remove the folder")
        }
        classNames.append(entry)
    }
    guard !classNames.isEmpty else {
        throw DatasetError.badFile(path: path, reason: "the folder has no class sub-folders; put the images of each class in a sub-folder named after the class")
    }

    // Decode in parallel; chunks are fixed by size and write disjoint rows, so the result does not
    // depend on the thread count. The first failing file (in file order) is reported.
    let d = channels * height * width
    var pixels = [Float](repeating: 0, count: files.count * d)
    let failures: [Error?] = pixels.withUnsafeMutableBufferPointer { out in
        let base = out.baseAddress!
        return Parallel.mapChunks(0..<files.count, grain: 16) { range -> Error? in
            for i in range {
                do {
                    let image = try readImage(atPath: files[i].path)
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
