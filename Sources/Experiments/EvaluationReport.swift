// The evaluation report of a model on a labelled set of images, for `cvd train` (the held-out part
// or the test folder) and `cvd evaluate`: accuracy, per-class precision and recall, the confusion
// matrix (CSV, Markdown and heat map), a gallery of the most confident mistakes, and a JSON summary.
import Classifiers
import Datasets
import Foundation
import ImageFiles
import NeuralNetworks
import Plots
import Tensors

/// What `summary.json` records.
public struct EvaluationSummary: Codable, Equatable, Sendable {
    public struct ClassResult: Codable, Equatable, Sendable {
        public var name: String
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var support: Int
    }

    public var model: String
    public var data: String
    public var images: Int
    public var accuracy: Double
    public var classes: [ClassResult]
    /// Rows: true class; columns: predicted class.
    public var confusion: [[Int]]
    public var mistakes: Int
}

/// Scores `probabilities` (one row per image of `data`) and writes the report into `folder`:
/// summary.json, per-class.csv/.md, confusion.csv/.md, confusion.png/.svg, mistakes.png/.svg (the
/// `galleryCount` most confident mistakes, with true and predicted labels). Returns the summary.
@discardableResult
public func writeEvaluationReport(model: String, data: Dataset, source: String, probabilities p: Matrix,
                                  to folder: String, galleryCount: Int = 24) throws -> EvaluationSummary {
    try createFolder(folder, what: "report folder")
    let predicted = p.rowArgmax()
    let classCount = data.classCount
    let counts = try confusionMatrix(predicted: predicted, actual: data.labels, classCount: classCount)
    let perClass = try classMetrics(predicted: predicted, actual: data.labels, classCount: classCount)
    let acc = accuracy(predicted: predicted, actual: data.labels)

    var table = Table(columns: ["class", "precision", "recall", "f1", "support"])
    for (i, m) in perClass.enumerated() {
        table.append([.text(data.classNames[i]), .fraction(m.precision), .fraction(m.recall), .fraction(m.f1), .int(m.support)])
    }
    try table.write(to: folder, stem: "per-class")
    try confusionTable(counts, classNames: data.classNames).write(to: folder, stem: "confusion")
    // PNG and SVG, no PPM: the report sits in the model folder, which stays small.
    try writeFigure(confusionHeatMap(counts, classNames: data.classNames, title: String(format: "%@: accuracy %.4f", model, acc)),
                    to: folder, stem: "confusion", ppm: false)

    // The most confident mistakes first (ties: the earlier image).
    let wrong = (0..<data.count).filter { predicted[$0] != data.labels[$0] }
    let worst = wrong.sorted { (p[$0, predicted[$0]], $1) > (p[$1, predicted[$1]], $0) }.prefix(galleryCount)
    let shape = data.imageShape ?? ImageShape(channels: 1, height: 1, width: data.featureCount)
    let items: [(image: Image, caption: [String])] = worst.map { i in
        let row = Array(data.features.data[(i * data.featureCount)..<((i + 1) * data.featureCount)])
        let image = Image(planarFloats: row, channels: shape.channels, height: shape.height, width: shape.width)
        return (image, ["true: " + data.classNames[data.labels[i]],
                        String(format: "pred: %@ (p %.2f)", data.classNames[predicted[i]], p[i, predicted[i]])])
    }
    let which = wrong.isEmpty ? "no mistakes"
        : items.count == wrong.count ? "all \(wrong.count) mistake\(wrong.count == 1 ? "" : "s"), most confident first"
        : "the \(items.count) most confident of \(wrong.count) mistakes"
    try writeFigure(mistakesGallery(items, columns: 6, title: "\(model): \(which) (p: the prediction's probability)"),
                    to: folder, stem: "mistakes", ppm: false)

    let summary = EvaluationSummary(
        model: model, data: source, images: data.count, accuracy: acc,
        classes: perClass.enumerated().map { i, m in
            .init(name: data.classNames[i], precision: m.precision, recall: m.recall, f1: m.f1, support: m.support)
        },
        confusion: counts, mistakes: wrong.count)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try writeFileAtomically(Array(try encoder.encode(summary)), to: folder + "/summary.json")
    return summary
}

/// A labelled image folder read in the geometry of `classNames` and `shape`, its labels renumbered
/// to the order of `classNames` (a folder may hold fewer classes; one the model does not know is an error).
public func loadLabelledFolder(_ path: String, classNames: [String], shape: ImageShape) throws -> (data: Dataset, skipped: [String]) {
    let contents = try loadImageFolder(path, width: shape.width, height: shape.height, channels: shape.channels)
    let d = contents.dataset
    var map: [Int] = []
    for name in d.classNames {
        guard let i = classNames.firstIndex(of: name) else {
            throw SavedModelError(description: "\(path) has the class folder \"\(name)\", which the model does not know; its classes are \(classNames.joined(separator: ", "))")
        }
        map.append(i)
    }
    let data = try Dataset(name: d.name, features: d.features, labels: d.labels.map { map[$0] }, classNames: classNames,
                           imageShape: d.imageShape)
    return (data, contents.skippedFiles)
}

/// The learning curve of a network as a chart of its accuracy per epoch (training set dashed,
/// held-out set solid, the same color).
public func learningCurveChart(_ curve: LearningCurve, title: String) -> Figure {
    var series = [Series(name: "training accuracy", points: curve.epochs.map { (Double($0.epoch), $0.trainAccuracy) }, colorIndex: 4, dashed: true)]
    if curve.epochs.contains(where: { $0.testAccuracy != nil }) {
        series.append(Series(name: "held-out accuracy", points: curve.epochs.map { (Double($0.epoch), $0.testAccuracy ?? 0) }, colorIndex: 4, dashed: false))
    }
    let lowest = series.flatMap(\.points).map(\.y).min() ?? 0
    return lineChart(series, title: title, xLabel: "epoch", yLabel: "accuracy", yRange: (min(lowest, 0.9) - 0.01)...1.0)
}
