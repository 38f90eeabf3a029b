// A trained model of the suite on disk, for the command-line tool: a folder with `model.json` (which
// model, its seed and epochs, the class names, the image geometry, where it was trained and how it
// scored) and its learned state. Networks keep their weights in `weights.safetensors` (loadable by
// PyTorch). The classical models keep their training images in `training-images.f32` and are fitted
// again when loaded: their fits are deterministic for a seed, so the reloaded model is the same
// model (for k-NN the training set is the whole model anyway).
import Classifiers
import Datasets
import Foundation
import NeuralNetworks
import Tensors

/// What `model.json` records.
public struct ModelCard: Codable, Equatable, Sendable {
    public var format = "cvd-model"
    public var version = 1
    public var model: String
    public var seed: UInt64
    public var epochs: Int?
    public var quick: Bool
    public var classNames: [String]
    /// [channels, height, width] every image is converted to.
    public var imageShape: [Int]
    public var trainedOn: String
    public var trainingSamples: Int
    public var heldOutAccuracy: Double?
    /// Training labels, for the classical models (fitted again on load).
    public var trainingLabels: [Int]?

    public init(model: String, seed: UInt64, epochs: Int?, quick: Bool, classNames: [String], imageShape: [Int],
                trainedOn: String, trainingSamples: Int, heldOutAccuracy: Double?) {
        self.model = model
        self.seed = seed
        self.epochs = epochs
        self.quick = quick
        self.classNames = classNames
        self.imageShape = imageShape
        self.trainedOn = trainedOn
        self.trainingSamples = trainingSamples
        self.heldOutAccuracy = heldOutAccuracy
    }
}

/// Errors of saving and loading models.
public struct SavedModelError: Error, CustomStringConvertible {
    public let description: String
    public init(description: String) { self.description = description }
}

private let cardFile = "model.json", weightsFile = "weights.safetensors", imagesFile = "training-images.f32"

/// Writes a fitted model and its card to `folder` (created if needed; each file atomically).
/// `training` is the data it was fitted on (kept for the classical models).
public func saveModel(_ model: any Classifier, card: ModelCard, training: Dataset, to folder: String) throws {
    guard let kind = SuiteModel(rawValue: card.model) else { throw SavedModelError(description: "unknown model \(card.model)") }
    var card = card
    if kind.isNetwork {
        guard let network = (model as? NeuralNetworkClassifier)?.model else {
            throw SavedModelError(description: "the \(card.model) model has not been trained, so there is nothing to save")
        }
        try network.save(to: folder + "/" + weightsFile, metadata: ["model": card.model, "classes": card.classNames.joined(separator: ",")])
        card.trainingLabels = nil
    } else {
        var bytes = [UInt8]()
        bytes.reserveCapacity(training.features.count * 4)
        for v in training.features.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try writeFileAtomically(bytes, to: folder + "/" + imagesFile)
        card.trainingLabels = training.labels
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try writeFileAtomically(Array(try encoder.encode(card)), to: folder + "/" + cardFile)
}

/// Reads the card of the model saved in `folder`.
public func readModelCard(_ folder: String) throws -> ModelCard {
    let path = folder + "/" + cardFile
    guard let data = FileManager.default.contents(atPath: path) else {
        throw SavedModelError(description: "\(folder) holds no saved model (\(cardFile) is missing); train one with `cvd train`")
    }
    do {
        let card = try JSONDecoder().decode(ModelCard.self, from: data)
        guard card.format == "cvd-model", card.version == 1 else {
            throw SavedModelError(description: "\(path) is format \(card.format) version \(card.version), not cvd-model version 1")
        }
        return card
    } catch let e as SavedModelError {
        throw e
    } catch {
        throw SavedModelError(description: "\(path) is not a valid model card (\(error.localizedDescription))")
    }
}

/// A loaded model: class probabilities for rows of images in the card's geometry.
public struct LoadedModel {
    public let card: ModelCard
    private let classifier: (any Classifier)?
    private let network: Sequential?

    init(card: ModelCard, classifier: (any Classifier)?, network: Sequential?) {
        self.card = card
        self.classifier = classifier
        self.network = network
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        if let network {
            var scores = try network.outputs(x)
            scores.softmaxRows()
            return scores
        }
        return try classifier!.probabilities(x)
    }
}

/// Loads the model saved in `folder`: networks from their weights, classical models fitted again
/// on their stored training images (seconds for k-NN and logistic regression, longer for bag of words).
public func loadModel(_ folder: String) throws -> LoadedModel {
    let card = try readModelCard(folder)
    guard let kind = SuiteModel(rawValue: card.model) else {
        throw SavedModelError(description: "\(folder)/\(cardFile) names the model \"\(card.model)\", which this version does not know")
    }
    guard card.imageShape.count == 3 else { throw SavedModelError(description: "\(folder)/\(cardFile) has an image shape of \(card.imageShape.count) numbers, not 3") }
    let inputs = card.imageShape.reduce(1, *)
    if kind.isNetwork {
        let shape = kind == .lenet5 ? card.imageShape : [inputs]
        let network = try suiteNetwork(kind, inputShape: shape, classes: card.classNames.count, seed: card.seed)
        try network.load(from: folder + "/" + weightsFile)
        return LoadedModel(card: card, classifier: nil, network: network)
    }
    let path = folder + "/" + imagesFile
    guard let bytes = FileManager.default.contents(atPath: path), let labels = card.trainingLabels else {
        throw SavedModelError(description: "\(path) or the training labels in \(cardFile) are missing; train the model again")
    }
    guard bytes.count == labels.count * inputs * 4 else {
        throw SavedModelError(description: "\(path) has \(bytes.count) bytes, but \(labels.count) images of \(inputs) values need \(labels.count * inputs * 4); the file is damaged, train the model again")
    }
    var values = [Float](repeating: 0, count: labels.count * inputs)
    bytes.withUnsafeBytes { raw in
        for i in values.indices { values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
    }
    let shape = ImageShape(channels: card.imageShape[0], height: card.imageShape[1], width: card.imageShape[2])
    var model = try makeSuiteModel(kind, imageShape: shape, seed: card.seed, quick: card.quick, epochs: card.epochs)
    try model.fit(Matrix(rows: labels.count, cols: inputs, data: values), labels, classCount: card.classNames.count)
    return LoadedModel(card: card, classifier: model, network: nil)
}
