// The IDX format of MNIST and Fashion-MNIST (plain or gzipped): a big-endian header (magic
// 0x00000803 for images, 0x00000801 for labels, then one UInt32 per dimension), then unsigned bytes.
// Sizes are checked against the file before anything large is allocated.
import Foundation
import ImageFiles
import Tensors

/// The element types an IDX header can name (the third byte of the magic number).
private let idxTypeNames: [UInt8: String] = [
    0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "16-bit integer",
    0x0C: "32-bit integer", 0x0D: "32-bit float", 0x0E: "64-bit float",
]

/// A deflate stream cannot expand data more than about 1032 : 1, so a gzip file of n bytes cannot
/// hold more than this many bytes per compressed byte (plus a little slack for tiny files).
private let maximumDeflateRatio = 1100

/// The contents of one unsigned-byte IDX file: its dimensions and its data bytes.
public struct IDXArray: Sendable {
    /// The dimensions from the header, outermost first (N×H×W for images, N for labels).
    public var dimensions: [Int]
    /// The whole file (inflated when it was gzipped); the data start at `dataOffset`.
    public var bytes: [UInt8]
    /// Where the data start in `bytes`: after the 4-byte magic number and one UInt32 per dimension.
    public var dataOffset: Int
    /// The data bytes, product(dimensions) of them.
    public var data: ArraySlice<UInt8> { bytes[dataOffset...] }
}

/// Decodes the bytes of an IDX file of unsigned bytes with `rank` dimensions (3 for images, 1
/// for labels), gzipped or plain. The header's dimensions are checked against the file's length
/// (for gzip, against the most its compressed bytes can inflate to) before anything is allocated,
/// and the inflated stream is never allowed to grow beyond the declared size.
///
/// - Parameter path: the file name used in error messages.
/// - Throws: `DatasetError.badFile` naming `path` and the byte count that is wrong.
public func decodeIDX(_ raw: [UInt8], rank: Int, path: String) throws -> IDXArray {
    guard (1...255).contains(rank) else {
        throw DatasetError.invalidParameter(name: "IDX rank", reason: "\(rank) must be between 1 and 255")
    }
    let what = rank == 1 ? "labels" : rank == 3 ? "images" : "items"
    let header = try readIDXHeader(raw, path: path, rank: rank, what: what)
    try checkIDXSize(header, fileSize: raw.count, path: path)
    return try readIDXPayload(raw, header: header, path: path)
}

/// What an IDX header declares, read from the first (inflated) bytes of the file.
private struct IDXHeader {
    var dimensions: [Int]
    var headerSize: Int
    /// Header plus data, in bytes, checked for overflow: the exact size of the (inflated) file.
    var declared: Int
    var gzipped: Bool
    var what: String
    /// "header declares 3 images of 2×3 (34 bytes)".
    var sizeText: String { "header declares \(dimensionText(dimensions, what: what)) (\(declared) bytes)" }
}

/// Reads and checks the header of an IDX file of unsigned bytes with `rank` dimensions from
/// `raw`, the file's first bytes (at least 64 of them when it is longer) or, when gzipped, its
/// whole compressed content, of which only the header's bytes are inflated; `what` describes its
/// items for messages ("images", "labels").
private func readIDXHeader(_ raw: [UInt8], path: String, rank: Int, what: String) throws -> IDXHeader {
    let gzipped = isGzip(raw)
    let headerSize = 4 + 4 * rank
    // The header: from the file itself, or from the first bytes of the inflated stream.
    let head = gzipped ? try inflatedPrefix(raw, count: headerSize, path: path) : Array(raw.prefix(headerSize))
    let expectedMagic = String(format: "0x000008%02X", rank)
    guard head.count >= 4 else {
        throw DatasetError.badFile(path: path, reason: "the file has only \(head.count) bytes, too few for an IDX header (expected magic \(expectedMagic)); it is truncated or not an IDX file")
    }
    let magic = head[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    guard head[0] == 0, head[1] == 0 else {
        throw DatasetError.badFile(path: path, reason: "the magic number is 0x\(String(format: "%08X", magic)), not an IDX \(what) file (expected \(expectedMagic))")
    }
    guard head[2] == 0x08 else {
        let type = idxTypeNames[head[2]].map { "\($0) data" } ?? "an unknown data type 0x\(String(format: "%02X", head[2]))"
        throw DatasetError.badFile(path: path, reason: "the magic number 0x\(String(format: "%08X", magic)) declares \(type); only unsigned-byte IDX files (\(expectedMagic)) are supported")
    }
    guard Int(head[3]) == rank else {
        throw DatasetError.badFile(path: path, reason: "the magic number 0x\(String(format: "%08X", magic)) declares \(head[3]) dimensions but \(what) need \(rank) (expected \(expectedMagic)); are the image and label files swapped?")
    }
    guard head.count >= headerSize else {
        throw DatasetError.badFile(path: path, reason: "the file ends inside its \(headerSize)-byte header (it has \(head.count) bytes); it is truncated")
    }
    var dimensions: [Int] = []
    for d in 0..<rank {
        let o = 4 + 4 * d
        dimensions.append(Int(head[o..<(o + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
    }
    // Dimensions are at most 2³² − 1 each, so the product of three (and the header added to it)
    // fits in Int only with a check.
    var payload = 1
    var overflow = false
    for d in dimensions where !overflow {
        (payload, overflow) = payload.multipliedReportingOverflow(by: d)
    }
    let declared: Int
    (declared, overflow) = overflow ? (0, true) : headerSize.addingReportingOverflow(payload)
    guard !overflow else {
        throw DatasetError.badFile(path: path, reason: "the header declares \(dimensionText(dimensions, what: what)), which is far too large; the header is corrupt")
    }
    return IDXHeader(dimensions: dimensions, headerSize: headerSize, declared: declared, gzipped: gzipped, what: what)
}

/// Checks the declared size against the file's size in bytes (for gzip, against the most that
/// many compressed bytes can inflate to), before anything of that size is read or allocated.
private func checkIDXSize(_ header: IDXHeader, fileSize: Int, path: String) throws {
    if !header.gzipped {
        guard fileSize == header.declared else {
            let why = fileSize < header.declared ? "the file is truncated" : "the file has extra bytes at the end"
            throw DatasetError.badFile(path: path, reason: "\(header.sizeText) but the file has \(fileSize); \(why)")
        }
        return
    }
    let possible = fileSize * maximumDeflateRatio + 4096
    guard header.declared <= possible else {
        throw DatasetError.badFile(path: path, reason: "\(header.sizeText) but its \(fileSize) compressed bytes can hold at most \(possible); the file is truncated or the header is corrupt")
    }
}

/// The whole file: `raw` itself when plain, else inflated with the declared size as the cap (the
/// size is counted first without keeping the output, so a file inflating past it costs nothing).
private func readIDXPayload(_ raw: [UInt8], header: IDXHeader, path: String) throws -> IDXArray {
    guard header.gzipped else {
        guard raw.count == header.declared else {
            let why = raw.count < header.declared ? "the file is truncated" : "the file has extra bytes at the end"
            throw DatasetError.badFile(path: path, reason: "\(header.sizeText) but the file has \(raw.count); \(why)")
        }
        return IDXArray(dimensions: header.dimensions, bytes: raw, dataOffset: header.headerSize)
    }
    let inflated = try inflateCapped(raw, cap: header.declared, path: path) { _ in
        "\(header.sizeText) but the file inflates to more; the file has extra bytes at the end"
    }
    guard inflated.count == header.declared else {
        throw DatasetError.badFile(path: path, reason: "\(header.sizeText) but the file has \(inflated.count) once inflated; the file is truncated")
    }
    return IDXArray(dimensions: header.dimensions, bytes: inflated, dataOffset: header.headerSize)
}

/// An IDX file on disk whose header has been read: for a plain file only its first bytes were
/// read, for a gzipped one its compressed content (the inflated data come later, if at all).
private struct IDXFileOnDisk {
    var path: String
    var header: IDXHeader
    var fileSize: Int
    var compressed: [UInt8]?

    init(path: String, rank: Int, what: String) throws {
        self.path = path
        let head = try readFileBytes(path, limit: 64)
        compressed = isGzip(head) ? try readFileBytes(path) : nil
        header = try readIDXHeader(compressed ?? head, path: path, rank: rank, what: what)
        if case .regular(let size) = fileKind(atPath: path) { fileSize = compressed?.count ?? size } else { fileSize = head.count }
    }

    /// Throws when the file's size cannot hold what the header declares.
    func checkSize() throws {
        try checkIDXSize(header, fileSize: fileSize, path: path)
    }

    func load() throws -> IDXArray {
        try checkSize()
        return try readIDXPayload(compressed ?? readFileBytes(path), header: header, path: path)
    }
}

/// "60000 images of 28×28" / "60000 labels".
private func dimensionText(_ dims: [Int], what: String) -> String {
    dims.count == 1 ? "\(dims[0]) \(what)" : "\(dims[0]) \(what) of " + dims.dropFirst().map(String.init).joined(separator: "×")
}

/// Loads an IDX image file (magic 0x00000803, N×H×W unsigned bytes) and its label file (magic
/// 0x00000801, N unsigned bytes), gzipped or plain (gzip is recognised by its magic bytes, not the
/// name). Pixels are scaled to [0, 1]; the image shape is 1×H×W.
///
/// - Parameters:
///   - classNames: the class names by label; "0", "1", ... up to the largest label (at least "9")
///     when nil.
/// The two headers are read and compared first, so a label file whose count cannot match the
/// images is refused before the images are read or inflated; each gzipped file inflates with its
/// header's declared size as the cap. Only regular files are opened (a named pipe throws at once).
///
/// - Throws: `DatasetError.badFile` naming the file and the byte count that is wrong (truncated
///   or corrupt file, wrong magic, unsupported element type), or when the two files disagree on
///   the number of samples or a label has no class name.
public func loadIDX(images: String, labels: String, name: String, classNames: [String]? = nil) throws -> Dataset {
    // Both headers first: a label file that cannot match the images is refused before the
    // images are read or inflated.
    let imageSource = try IDXFileOnDisk(path: images, rank: 3, what: "images")
    let labelSource = try IDXFileOnDisk(path: labels, rank: 1, what: "labels")
    let n = imageSource.header.dimensions[0]
    guard labelSource.header.dimensions[0] == n else {
        throw DatasetError.badFile(path: labels, reason: "holds \(labelSource.header.dimensions[0]) labels but \(URL(fileURLWithPath: images).lastPathComponent) holds \(n) images; the two files must come from the same set")
    }
    // Then the sizes (cheap), then the labels (small), then the images.
    try imageSource.checkSize()
    try labelSource.checkSize()
    let labelFile = try labelSource.load()
    let imageFile = try imageSource.load()
    let height = imageFile.dimensions[1], width = imageFile.dimensions[2]
    let labelBytes = labelFile.bytes[labelFile.dataOffset...]
    let largest = Int(labelBytes.max() ?? 0)
    let names = classNames ?? (0...max(9, largest)).map(String.init)
    if let bad = labelBytes.firstIndex(where: { Int($0) >= names.count }) {
        throw DatasetError.badFile(path: labels, reason: "label \(labelBytes[bad]) of sample \(bad - labelFile.dataOffset) has no class name (there are \(names.count) classes)")
    }
    let d = height * width
    var pixels = [Float](repeating: 0, count: n * d)
    var scale = [Float](repeating: 0, count: 256)
    for v in 0..<256 { scale[v] = Float(v) / 255 }
    imageFile.bytes.withUnsafeBufferPointer { src in
        pixels.withUnsafeMutableBufferPointer { dst in
            let base = imageFile.dataOffset
            for i in 0..<(n * d) { dst[i] = scale[Int(src[base + i])] }
        }
    }
    return try Dataset(name: name, features: Matrix(rows: n, cols: d, data: pixels),
                       labels: labelBytes.map(Int.init), classNames: names,
                       imageShape: ImageShape(channels: 1, height: height, width: width))
}

/// The file in `folder` named `name` (e.g. "train-images-idx3-ubyte") in one of the usual spellings
/// (hyphen or dot before "idx", gzipped or not), or nil.
private func findIDX(in folder: String, named name: String) -> String? {
    for base in [name, name.replacingOccurrences(of: "-idx", with: ".idx")] {
        for suffix in [".gz", ""] {
            let path = (folder as NSString).appendingPathComponent(base + suffix)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
    }
    return nil
}

/// Loads the four standard MNIST-layout files from `path`: `train-images-idx3-ubyte`,
/// `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, each optionally
/// ending in `.gz` (the spelling `train-images.idx3-ubyte` is accepted too). MNIST, Fashion-MNIST
/// and KMNIST all ship in this layout.
///
/// - Throws: `DatasetError.badFile` naming the folder and the missing file, or any error of `loadIDX`.
public func loadIDXFolder(_ path: String, classNames: [String]? = nil) throws -> (train: Dataset, test: Dataset) {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
        throw DatasetError.badFile(path: path, reason: "no such folder; pass the folder holding train-images-idx3-ubyte.gz and the other three IDX files")
    }
    func find(_ name: String) throws -> String {
        guard let file = findIDX(in: path, named: name) else {
            throw DatasetError.badFile(path: path, reason: "the folder has no \(name)[.gz]; an IDX folder needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)")
        }
        return file
    }
    let trainImages = try find("train-images-idx3-ubyte"), trainLabels = try find("train-labels-idx1-ubyte")
    let testImages = try find("t10k-images-idx3-ubyte"), testLabels = try find("t10k-labels-idx1-ubyte")
    let base = URL(fileURLWithPath: path).standardizedFileURL.lastPathComponent
    let train = try loadIDX(images: trainImages, labels: trainLabels, name: base + "-train", classNames: classNames)
    let test = try loadIDX(images: testImages, labels: testLabels, name: base + "-test", classNames: classNames)
    guard train.imageShape == test.imageShape else {
        throw DatasetError.badFile(path: testImages, reason: "holds images of \(shapeText(test.imageShape)) but the training images are \(shapeText(train.imageShape))")
    }
    return (train, test)
}

/// An image shape for a message ("no image shape" when the data set has none).
private func shapeText(_ shape: ImageShape?) -> String {
    shape.map { "\($0)" } ?? "no image shape"
}
