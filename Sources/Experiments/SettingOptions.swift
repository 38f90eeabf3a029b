// Every hyperparameter of the catalogue as a command-line option, shared by `cvd train` and the
// experiments: `--lr 0.01`, `--hidden 256,128`, `--k 3`, ... Each option's help names the models
// that have the setting, its valid range and their defaults.
import ArgumentParser

/// The help line of the setting `name`, from the catalogue.
func settingHelp(_ name: String) -> ArgumentHelp {
    guard let h = ModelCatalog.allHyperparameters.first(where: { $0.name == name }) else {
        return ArgumentHelp("(not a setting of any model)")
    }
    let owners = ModelCatalog.models(having: name)
    let defaults = owners.compactMap { e in (try? e.settings())?[name].map { "\(e.name) \($0)" } }
    return ArgumentHelp("\(h.help.prefix(1).uppercased() + h.help.dropFirst()); \(h.rangeText) (default: \(defaults.joined(separator: ", "))).",
                        valueName: "value")
}

/// The model settings given on the command line.
public struct SettingOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: settingHelp("epochs")) var epochs: String?
    @Option(name: .customLong("batch-size"), parsing: .unconditional, help: settingHelp("batch-size")) var batchSize: String?
    @Option(parsing: .unconditional, help: settingHelp("lr")) var lr: String?
    @Option(parsing: .unconditional, help: settingHelp("optimizer")) var optimizer: String?
    @Option(parsing: .unconditional, help: settingHelp("schedule")) var schedule: String?
    @Option(name: .customLong("weight-decay"), parsing: .unconditional, help: settingHelp("weight-decay")) var weightDecay: String?
    @Option(parsing: .unconditional, help: settingHelp("hidden")) var hidden: String?
    @Option(parsing: .unconditional, help: settingHelp("activation")) var activation: String?
    @Option(parsing: .unconditional, help: settingHelp("restarts")) var restarts: String?
    @Option(parsing: .unconditional, help: settingHelp("shift")) var shift: String?
    @Option(parsing: .unconditional, help: settingHelp("width")) var width: String?
    @Option(parsing: .unconditional, help: settingHelp("k")) var k: String?
    @Option(parsing: .unconditional, help: settingHelp("weighting")) var weighting: String?
    @Option(name: .customLong("c"), parsing: .unconditional, help: settingHelp("c")) var c: String?
    @Option(name: .customLong("max-iter"), parsing: .unconditional, help: settingHelp("max-iter")) var maxIterations: String?
    @Option(name: .customLong("codebook-size"), parsing: .unconditional, help: settingHelp("codebook-size")) var codebookSize: String?
    @Option(name: .customLong("patch-size"), parsing: .unconditional, help: settingHelp("patch-size")) var patchSize: String?
    @Option(parsing: .unconditional, help: settingHelp("patches")) var patches: String?
    @Option(name: .customLong("kmeans-iter"), parsing: .unconditional, help: settingHelp("kmeans-iter")) var kmeansIterations: String?
    @Option(parsing: .unconditional, help: settingHelp("components")) var components: String?
    @Option(parsing: .unconditional, help: settingHelp("whiten")) var whiten: String?
    @Option(name: .customLong("svm-c"), parsing: .unconditional, help: settingHelp("svm-c")) var svmC: String?
    @Option(parsing: .unconditional, help: settingHelp("loss")) var loss: String?
    @Option(parsing: .unconditional, help: settingHelp("gamma")) var gamma: String?
    @Option(name: .customLong("hog-cell"), parsing: .unconditional, help: settingHelp("hog-cell")) var hogCell: String?
    @Option(parsing: .unconditional, help: settingHelp("orientations")) var orientations: String?
    @Option(name: .customLong("hog-cell2"), parsing: .unconditional, help: settingHelp("hog-cell2")) var hogCoarseCell: String?
    @Option(name: .customLong("hog-pixels"), parsing: .unconditional, help: settingHelp("hog-pixels")) var hogPixels: String?
    @Option(name: .customLong("sift-step"), parsing: .unconditional, help: settingHelp("sift-step")) var siftStep: String?
    @Option(name: .customLong("sift-bins"), parsing: .unconditional, help: settingHelp("sift-bins")) var siftBins: String?
    @Option(name: .customLong("pca-dims"), parsing: .unconditional, help: settingHelp("pca-dims")) var pcaDims: String?
    @Option(name: .customLong("gmm-components"), parsing: .unconditional, help: settingHelp("gmm-components")) var gmmComponents: String?
    @Option(name: .customLong("descriptor-samples"), parsing: .unconditional, help: settingHelp("descriptor-samples")) var descriptorSamples: String?
    @Option(parsing: .unconditional, help: settingHelp("pyramid")) var pyramid: String?

    public init() {}

    /// The options given, as (setting name, text), in catalogue order.
    public var given: [(name: String, text: String)] {
        let all: [(String, String?)] = [
            ("epochs", epochs), ("batch-size", batchSize), ("lr", lr), ("optimizer", optimizer), ("schedule", schedule),
            ("weight-decay", weightDecay), ("restarts", restarts), ("hidden", hidden), ("activation", activation), ("shift", shift), ("width", width), ("k", k),
            ("weighting", weighting), ("c", c), ("max-iter", maxIterations), ("codebook-size", codebookSize),
            ("patch-size", patchSize), ("patches", patches), ("kmeans-iter", kmeansIterations), ("components", components),
            ("whiten", whiten), ("svm-c", svmC), ("loss", loss), ("gamma", gamma), ("hog-cell", hogCell), ("orientations", orientations),
            ("hog-cell2", hogCoarseCell), ("hog-pixels", hogPixels),
            ("sift-step", siftStep), ("sift-bins", siftBins), ("pca-dims", pcaDims), ("gmm-components", gmmComponents),
            ("descriptor-samples", descriptorSamples), ("pyramid", pyramid),
        ]
        return all.compactMap { n, v in v.map { (n, $0) } }
    }

    /// The given values for `entry` (those of its settings), each parsed and checked against its range.
    public func values(for entry: ModelEntry) throws -> [String: SettingValue] {
        var out: [String: SettingValue] = [:]
        for (name, text) in given {
            guard let h = entry.hyperparameters.first(where: { $0.name == name }) else { continue }
            out[name] = try h.parse(text)
        }
        return out
    }

    /// Throws when a given option is a setting of none of `models` (it would be silently ignored),
    /// or when a value is out of its range.
    public func check(against models: [ModelEntry], context: String) throws {
        for (name, text) in given {
            let owners = ModelCatalog.models(having: name, among: models)
            guard let first = owners.first else {
                let all = ModelCatalog.models(having: name).map(\.name).joined(separator: ", ")
                throw SettingError("--\(name) is a setting of \(all), which \(context) does not run")
            }
            guard let setting = first.hyperparameters.first(where: { $0.name == name }) else {
                throw SettingError("--\(name) is not a setting of \(first.name)")
            }
            _ = try setting.parse(text)
        }
    }

    /// The settings of `entry`: its defaults (`quick`: the small version's) with the given options on top.
    public func settings(for entry: ModelEntry, quick: Bool = false) throws -> ModelSettings {
        try entry.settings(quick: quick, given: values(for: entry))
    }

    /// The value given for the setting `name` (checked against its range), nil when not given.
    public func value(_ name: String) throws -> SettingValue? {
        guard let text = given.first(where: { $0.name == name })?.text,
              let h = ModelCatalog.allHyperparameters.first(where: { $0.name == name }) else { return nil }
        return try h.parse(text)
    }

    public func int(_ name: String, default d: Int) throws -> Int {
        if case let .int(v)? = try value(name) { return v }
        return d
    }

    public func real(_ name: String, default d: Double) throws -> Double {
        switch try value(name) {
        case let .real(v)?: return v
        case let .int(v)?: return Double(v)
        default: return d
        }
    }

    public func word(_ name: String, default d: String) throws -> String {
        if case let .word(v)? = try value(name) { return v }
        return d
    }

    /// The given options as command-line arguments again (for passing on to experiments).
    public var arguments: [String] { given.flatMap { ["--\($0.name)", $0.text] } }
}
