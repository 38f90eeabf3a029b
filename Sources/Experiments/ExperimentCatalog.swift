// The catalogue of the experiments: one entry per experiment executable, in the order `cvd run`
// runs them and the results README shows them. `cvd run`, the results README and the tests read it.

/// One experiment of the suite.
public struct ExperimentEntry: Sendable {
    /// The executable's name and its folder under results/.
    public let name: String
    /// The introduction of its section in results/README.md.
    public let summary: String
    /// The model settings (catalogue names) its executable takes on the command line.
    public let settings: [String]
}

public enum ExperimentCatalog {
    public static let entries: [ExperimentEntry] = [
        ExperimentEntry(name: "toy2d",
                        summary: "The lectures' toy 2-D problems, two- and three-class. Each picture shades the plane by the predicted class probabilities, traces the boundary and draws the training points (filled) and the test points (hollow), one marker per class; every network's hidden units, its boundary while training and, for the ReLU network, its linear regions.",
                        settings: ["c", "k", "epochs", "batch-size", "lr", "optimizer"]),
        ExperimentEntry(name: "digits",
                        summary: "Classical versus deep on digit images: test accuracy, cost, per-class accuracy, confusion matrices, each model's most confident mistakes, learning curves of accuracy and loss, and the test images embedded in 2-D as pixels, HOG features and each network's last hidden layer.",
                        settings: ModelCatalog.allHyperparameters.map(\.name)),
        ExperimentEntry(name: "bovw",
                        summary: "How the bag-of-visual-words pipeline depends on its choices: codebook size, encoding, pooling and patch size; local descriptor (patches, HOG, dense SIFT) × encoding (hard, triangle, VLAD, Fisher); and the learned visual words.",
                        settings: ["c", "patches", "kmeans-iter"]),
        ExperimentEntry(name: "capacity",
                        summary: "How many layers, how many units: MLP depth × width × activation, accuracy against parameters and against training time; and what the first layer learns.",
                        settings: ["epochs", "batch-size", "lr", "optimizer"]),
        ExperimentEntry(name: "graphs",
                        summary: "The lectures' backpropagation examples as computational graphs laid out by Graphviz: the forward value and gradient on every node, the local and upstream gradient on every edge.",
                        settings: []),
    ]

    /// The names, in running order.
    public static var names: [String] { entries.map(\.name) }

    /// The entry named `name`, or a sentence listing the names.
    public static func entry(_ name: String) throws -> ExperimentEntry {
        guard let e = entries.first(where: { $0.name == name }) else {
            throw SettingError("unknown experiment \"\(name)\"; choose from \(names.joined(separator: ", "))")
        }
        return e
    }
}

extension SettingOptions {
    /// Throws when a given option is not one `experiment` takes.
    public func check(experiment: ExperimentEntry) throws {
        for (name, text) in given {
            guard experiment.settings.contains(name) else {
                throw SettingError("--\(name) is not a setting \(experiment.name) takes; it takes \(experiment.settings.map { "--" + $0 }.joined(separator: ", "))")
            }
            if let h = ModelCatalog.allHyperparameters.first(where: { $0.name == name }) { _ = try h.parse(text) }
        }
    }
}
