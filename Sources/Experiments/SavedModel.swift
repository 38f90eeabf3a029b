// A trained model of the suite on disk: a folder with `model.json` (the model card: which model,
// every setting, the class names, the image geometry, where it was trained and how it scored, and
// the name and shape of every learned tensor) and one `learned-<hash>.safetensors` with what the
// model learned: logistic regression its weights, k-NN its stored set (which is the model), bag of
// words its whitening, codebook and classifier, networks their weights and input statistics.
// Loading fits nothing.
//
// Saving is all or nothing: the tensors go to a new file first, then the card, written atomically,
// names it; a save killed at any moment leaves the folder with the old model or the new one. Files
// of other saves are removed after the card is in place.
import Classifiers
import Datasets
import Foundation
import ImageFiles
import NeuralNetworks
import Tensors

/// What `model.json` records.
public struct ModelCard: Codable, Equatable, Sendable {
    public var format = "cvd-model"
    public var version = 2
    /// The catalogue name of the model.
    public var model: String
    /// Every setting of the model, as it was trained.
    public var settings: ModelSettings
    public var seed: UInt64
    public var classNames: [String]
    /// [channels, height, width] every image is converted to.
    public var imageShape: [Int]
    public var trainedOn: String
    public var trainingSamples: Int
    /// Accuracy on the held-out part or the test folder, and how many images it had.
    public var heldOutAccuracy: Double?
    public var heldOutSamples: Int?
    /// Sentences about the training a user should know (a divergence and its restart, ...).
    public var notes: [String] = []
    /// The file holding the learned tensors (beside the card), and the shape of each tensor.
    public var learnedFile: String = ""
    public var tensors: [String: [Int]] = [:]

    public init(model: String, settings: ModelSettings, seed: UInt64, classNames: [String], imageShape: [Int],
                trainedOn: String, trainingSamples: Int, heldOutAccuracy: Double?, heldOutSamples: Int?, notes: [String] = []) {
        self.model = model
        self.settings = settings
        self.seed = seed
        self.classNames = classNames
        self.imageShape = imageShape
        self.trainedOn = trainedOn
        self.trainingSamples = trainingSamples
        self.heldOutAccuracy = heldOutAccuracy
        self.heldOutSamples = heldOutSamples
        self.notes = notes
    }
}

/// Errors of saving and loading models.
public struct SavedModelError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

let cardFile = "model.json"
/// The largest image a saved model may declare (values per image), and the largest card.
let maxImageValues = 3 * 2048 * 2048, maxCardBytes = 16 << 20

/// Writes a fitted model and its card to `folder` (created if needed), all or nothing.
public func saveModel(_ model: any Classifier, card: ModelCard, to folder: String) throws {
    guard let persistable = model as? any PersistableClassifier else {
        throw SavedModelError(description: "the \(card.model) model cannot be saved (it has no learned state to write)")
    }
    try createFolder(folder, what: "model folder")
    let state = try persistable.learnedState().sorted { $0.key < $1.key }
    for (name, t) in state where t.data.contains(where: { !$0.isFinite }) {
        throw SavedModelError(description: "the \(card.model) model learned values that are not finite (in \(name)); it was not saved")
    }
    var card = card
    card.tensors = Dictionary(uniqueKeysWithValues: state.map { ($0.key, $0.value.shape) })
    card.learnedFile = "learned-\(hexDigest(state)).safetensors"
    try writeSafetensorsFile(state.map { ($0.key, $0.value) }, metadata: tensorMetadata(card), to: folder + "/" + card.learnedFile)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try writeFileAtomically(Array(try encoder.encode(card)), to: folder + "/" + cardFile)
    // The card now names the new file: the files of earlier saves (and of earlier formats) can go.
    for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name != card.learnedFile {
        if (name.hasPrefix("learned-") && name.hasSuffix(".safetensors")) || name == "weights.safetensors" || name == "training-images.f32" {
            try? FileManager.default.removeItem(atPath: folder + "/" + name)
        }
    }
}

/// Creates `path` as a folder (with its parents) unless it is one; a clear sentence when it cannot be.
public func createFolder(_ path: String, what: String) throws {
    guard !path.isEmpty else { throw SavedModelError(description: "the \(what) is an empty path; give a folder name") }
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) {
        guard isFolder.boolValue else { throw SavedModelError(description: "the \(what) \(path) is a file, not a folder; choose another path") }
        return
    }
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw SavedModelError(description: "the \(what) \(path) cannot be created (\(String(cString: strerror(errno))))")
    }
}

/// What the tensors file says of itself, cross-checked against the card on loading.
private func tensorMetadata(_ card: ModelCard) -> [String: String] {
    let classes = (try? String(decoding: JSONEncoder().encode(card.classNames), as: UTF8.self)) ?? ""
    return ["format": "cvd-model", "version": String(card.version), "model": card.model, "classes": classes,
            "image_shape": card.imageShape.map(String.init).joined(separator: ",")]
}

/// 64-bit FNV-1a of the tensors' names, shapes and bits, as 16 hex digits (names the tensors file).
private func hexDigest(_ state: [(key: String, value: Tensor)]) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
    for (name, t) in state {
        name.utf8.forEach(mix)
        for s in t.shape { withUnsafeBytes(of: Int64(s).littleEndian) { $0.forEach(mix) } }
        for v in t.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { $0.forEach(mix) } }
    }
    return String(h, radix: 16).leftPadded(to: 16)
}

extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}

/// Reads and checks the card of the model saved in `folder`.
public func readModelCard(_ folder: String) throws -> ModelCard {
    let path = folder + "/" + cardFile
    func bad(_ reason: String) -> SavedModelError { SavedModelError(description: "\(path) \(reason)") }
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw SavedModelError(description: "\(folder) holds no saved model (\(cardFile) is missing); train one with `cvd train`")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw bad("is not a regular file") }
    guard Int(info.st_size) <= maxCardBytes else { throw bad("is \(info.st_size) bytes, far too large for a model card") }
    // The suite's own reader (a regular file, read with read(2)); Foundation's leaked a buffer on
    // some damaged cards (found by the saved-model fuzz target).
    let data: Data
    do { data = Data(try ImageFiles.readFileBytes(atPath: path, limit: maxCardBytes)) } catch {
        throw SavedModelError(description: String(describe(error).dropLast()))
    }
    struct Header: Decodable { var format: String?; var version: Int? }
    guard let header = try? JSONDecoder().decode(Header.self, from: data) else { throw bad("is not a JSON model card") }
    guard header.format == "cvd-model" else { throw bad("is not a cvd model card (format \(header.format ?? "missing"))") }
    guard header.version == 2 else {
        throw bad("is a model card of version \(header.version.map(String.init) ?? "missing"); this version reads version 2 (models saved by earlier versions stored their training images: train the model again)")
    }
    let card: ModelCard
    do { card = try JSONDecoder().decode(ModelCard.self, from: data) } catch {
        throw bad("is not a valid model card (\(decodingProblem(error)))")
    }
    try check(card, path: path)
    return card
}

/// The first problem a decoder found, in words.
private func decodingProblem(_ error: Error) -> String {
    switch error as? DecodingError {
    case let .keyNotFound(key, _)?: return "the entry \(key.stringValue) is missing"
    case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?, let .dataCorrupted(context)?:
        return "the entry \(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
    default: return "it cannot be decoded"
    }
}

/// Refuses a card whose fields cannot describe a model of this suite (a damaged or hostile file).
private func check(_ card: ModelCard, path: String) throws {
    func bad(_ reason: String) -> SavedModelError { SavedModelError(description: "\(path) \(reason); train the model again") }
    let entry: ModelEntry
    do { entry = try ModelCatalog.entry(card.model) } catch { throw bad("names the model \"\(card.model)\", which this version does not know") }
    do { try entry.checkSaved(card.settings) } catch let e as SettingError { throw bad("has an invalid setting (\(e.description))") }
    guard card.imageShape.count == 3 else { throw bad("has an image shape of \(card.imageShape.count) numbers, not 3") }
    let (c, h, w) = (card.imageShape[0], card.imageShape[1], card.imageShape[2])
    guard c == 1 || c == 3, (1...4096).contains(h), (1...4096).contains(w), c * h * w <= maxImageValues else {
        throw bad("has the image shape \(card.imageShape), not channels 1 or 3 and sides of at most 4096 (\(maxImageValues) values)")
    }
    guard card.classNames.count >= 2, card.classNames.count <= 100_000, Set(card.classNames).count == card.classNames.count else {
        throw bad("lists \(card.classNames.count) class names (with duplicates or fewer than 2)")
    }
    let name = card.learnedFile
    guard name.hasPrefix("learned-"), name.hasSuffix(".safetensors"), !name.contains("/"), name.count < 80 else {
        throw bad("names the tensors file \"\(name)\", not a learned-<hash>.safetensors file beside it")
    }
}

/// A loaded model: class probabilities for rows of images in the card's geometry.
public struct LoadedModel {
    public let card: ModelCard
    public let entry: ModelEntry
    public let classifier: any Classifier

    /// The folder the model was loaded from.
    public let folder: String

    /// Class probabilities; throws, naming the folder, when the model gives a non-finite one (a
    /// damaged model whose values overflow), never NaN probabilities.
    public func probabilities(_ x: Matrix) throws -> Matrix {
        let p: Matrix
        do { p = try classifier.probabilities(x) } catch let ClassifierError.numericalFailure(_, reason) {
            throw SavedModelError(description: "the model in \(folder) fails on this input: \(reason)")
        }
        if let (row, _) = p.firstNonFinite() {
            throw SavedModelError(description: "the model in \(folder) gives non-finite probabilities for input \(row + 1) (its learned values overflow); the model folder is damaged, train the model again")
        }
        return p
    }
}

/// Loads the model saved in `folder`: its card, then its learned tensors, cross-checked (model,
/// version, classes, image shape, every tensor's name and shape) and restored without fitting.
public func loadModel(_ folder: String) throws -> LoadedModel {
    let card = try readModelCard(folder)
    let entry = try ModelCatalog.entry(card.model)
    let path = folder + "/" + card.learnedFile
    let file = try readSafetensorsFile(path)
    func bad(_ reason: String) -> SavedModelError {
        SavedModelError(description: "\(path) \(reason); the model folder is damaged, train the model again")
    }
    let expected = tensorMetadata(card)
    for (key, value) in expected.sorted(by: { $0.key < $1.key }) where file.metadata[key] != value {
        throw bad("says \(key) is \"\(file.metadata[key] ?? "missing")\" but \(cardFile) says \"\(value)\"")
    }
    for name in Set(card.tensors.keys).union(file.tensors.keys).sorted() {
        guard let shape = file.tensors[name]?.shape else { throw bad("has no tensor \(name)") }
        guard let listed = card.tensors[name] else { throw bad("holds the tensor \(name), which \(cardFile) does not list") }
        guard shape == listed else { throw bad("has the tensor \(name) of shape \(shape) but \(cardFile) lists \(listed)") }
    }
    let shape = ImageShape(channels: card.imageShape[0], height: card.imageShape[1], width: card.imageShape[2])
    guard var model = try entry.build(card.settings, BuildContext(imageShape: shape, seed: card.seed)) as? any PersistableClassifier else {
        throw bad("belongs to the model \(card.model), which cannot be loaded")
    }
    do {
        try model.restore(from: file.tensors, classCount: card.classNames.count)
    } catch {
        throw bad("does not fit the model (\(describe(error).dropLast()))")
    }
    return LoadedModel(card: card, entry: entry, classifier: model, folder: folder)
}
