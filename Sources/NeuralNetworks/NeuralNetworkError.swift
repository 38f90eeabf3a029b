// Errors of the neural-network module: each names the layer, option, epoch or file at fault and
// says what to do about it.

/// Errors thrown by layers, models, the trainer and the weights file reader.
public enum NeuralNetworkError: Error, CustomStringConvertible, Equatable {
    /// A layer cannot take the shape its predecessor produces.
    case shapeMismatch(layer: String, reason: String)
    /// An option of a layer, optimizer or trainer is out of range.
    case invalidOption(name: String, reason: String)
    /// The data handed to a model or trainer does not fit it.
    case invalidData(reason: String)
    /// Training diverged: the loss became NaN or infinite, exploded, or sat at chance level.
    case diverged(DivergenceReport)
    /// A weights file could not be read, or does not match the model.
    case weightsFile(path: String, reason: String)
    /// A training checkpoint could not be read, is damaged, or was made by another network,
    /// other options or other data.
    case checkpointFile(path: String, reason: String)

    public var description: String {
        switch self {
        case let .shapeMismatch(layer, reason):
            return "\(layer): \(reason)."
        case let .invalidOption(name, reason):
            return "Invalid \(name): \(reason)."
        case let .invalidData(reason):
            return "\(reason)."
        case let .diverged(report):
            return report.description
        case let .weightsFile(path, reason):
            return "Weights file \(path): \(reason)."
        case let .checkpointFile(path, reason):
            return "Training checkpoint \(path): \(reason)."
        }
    }
}
