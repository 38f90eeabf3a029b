// The one error type of the descriptors: a bad option, or an image the descriptor cannot describe,
// each with a sentence that names what was wrong and what to do.

/// Thrown by the descriptors for impossible options and unusable images.
public enum DescriptorError: Error, CustomStringConvertible, Equatable {
    /// An option of `descriptor` (e.g. "HOG") named `name` is impossible.
    case invalidOption(descriptor: String, name: String, reason: String)
    /// The images given to `descriptor` cannot be described (size, shape, values).
    case invalidImage(descriptor: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidOption(descriptor, name, reason): return "\(descriptor): invalid \(name): \(reason)."
        case let .invalidImage(descriptor, reason): return "\(descriptor): \(reason)."
        }
    }
}
