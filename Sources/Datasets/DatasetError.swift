// The errors of the data loaders: each names the file (and where in it) and says what to do.

/// A loader or data-set operation failed; `description` is a sentence for the user.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    /// The parts of a data set disagree (counts, label range, shape).
    case inconsistent(name: String, reason: String)
    /// A file or folder could not be read or is not what it should be.
    case badFile(path: String, reason: String)
    /// A parameter is out of its valid range.
    case invalidParameter(name: String, reason: String)
    /// A named data set is not on this machine; `message` says where it was looked for and how to get it.
    case missingData(name: String, message: String)

    public var description: String {
        switch self {
        case let .inconsistent(name, reason): return "Data set \(name) is inconsistent: \(reason)."
        case let .badFile(path, reason): return "\(path): \(reason)."
        case let .invalidParameter(name, reason): return "Invalid \(name): \(reason)."
        case let .missingData(_, message): return message
        }
    }
}
