// The one data type every loader produces and every model consumes: samples as rows of a matrix
// (images flattened C×H×W, row-major), integer labels and class names.
import Tensors

/// Channels × height × width of one image sample.
public struct ImageShape: Equatable, Sendable, CustomStringConvertible {
    public let channels: Int
    public let height: Int
    public let width: Int
    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }
    public var count: Int { channels * height * width }
    public var description: String { "\(channels)×\(height)×\(width)" }
}

/// A labelled data set: N samples × D features, labels in 0..<classNames.count.
///
/// Image data sets keep each image flattened in C×H×W order as one row of `features`, with
/// `imageShape` saying how to view it again; `images` gives the N×C×H×W tensor.
public struct Dataset: Sendable {
    /// A short name for tables and messages, e.g. "mnist5k".
    public var name: String
    /// N × D, one sample per row. Pixel data is scaled to [0, 1] by the image loaders.
    public var features: Matrix
    /// N labels, each in 0..<classNames.count.
    public var labels: [Int]
    /// The name of each class, indexed by label.
    public var classNames: [String]
    /// The shape of one image when the samples are images, nil for plain feature vectors.
    public var imageShape: ImageShape?

    /// Checks that the parts agree; throws `DatasetError.inconsistent` with the reason if not.
    public init(name: String, features: Matrix, labels: [Int], classNames: [String], imageShape: ImageShape? = nil) throws {
        guard features.rows == labels.count else {
            throw DatasetError.inconsistent(name: name, reason: "\(features.rows) samples but \(labels.count) labels")
        }
        if let bad = labels.first(where: { $0 < 0 || $0 >= classNames.count }) {
            throw DatasetError.inconsistent(name: name, reason: "label \(bad) is outside 0..<\(classNames.count)")
        }
        if let shape = imageShape, shape.count != features.cols {
            throw DatasetError.inconsistent(name: name, reason: "image shape \(shape) has \(shape.count) values but samples have \(features.cols)")
        }
        self.name = name
        self.features = features
        self.labels = labels
        self.classNames = classNames
        self.imageShape = imageShape
    }

    public var count: Int { features.rows }
    public var featureCount: Int { features.cols }
    public var classCount: Int { classNames.count }

    /// The samples as an N×C×H×W tensor (N×1×1×D when the samples are not images).
    public var images: Tensor {
        let s = imageShape ?? ImageShape(channels: 1, height: 1, width: features.cols)
        return Tensor(shape: [count, s.channels, s.height, s.width], data: features.data)
    }

    /// The samples at `indices`, in that order, with the same classes.
    public func subset(_ indices: [Int]) -> Dataset {
        var copy = self
        copy.features = features.rows(indices)
        copy.labels = indices.map { labels[$0] }
        return copy
    }

    /// Number of samples of each class (length `classCount`).
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for y in labels { counts[y] += 1 }
        return counts
    }
}
