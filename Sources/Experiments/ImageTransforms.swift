// Descriptors as feature transforms of the model catalogue: each image row (channels × height ×
// width, flattened) becomes its descriptor, so a descriptor and a classifier form one Pipeline
// model that trains, saves and loads like the others.
import Classifiers
import Datasets
import Descriptors
import Tensors

/// HOG of every image row; colour images are averaged to gray first (HOG's gradients are taken
/// on one channel, as scikit-image's `channel_axis=None`). Nothing is learned.
public struct HOGTransform: FeatureTransform {
    public let name = "hog"
    public let hog: HOG
    public let shape: ImageShape

    public init(hog: HOG, shape: ImageShape) throws {
        _ = try hog.featureCount(height: shape.height, width: shape.width)   // an impossible cell for these images throws here
        self.hog = hog
        self.shape = shape
    }

    public mutating func fit(_ x: Matrix) throws {}

    public func transform(_ x: Matrix) throws -> Matrix {
        let (c, h, w) = (shape.channels, shape.height, shape.width)
        guard x.cols == c * h * w else {
            throw ClassifierError.invalidData(model: name, reason: "rows have \(x.cols) values but the images are \(c)×\(h)×\(w)")
        }
        if c == 1 { return try hog.features(of: x, height: h, width: w) }
        var gray = Matrix(rows: x.rows, cols: h * w)
        let plane = h * w
        for i in 0..<x.rows {
            for p in 0..<plane {
                var s: Float = 0
                for k in 0..<c { s += x[i, k * plane + p] }
                gray[i, p] = s / Float(c)
            }
        }
        return try hog.features(of: gray, height: h, width: w)
    }

    public func learnedState() throws -> [String: Tensor] { [:] }

    public mutating func restore(from state: [String: Tensor]) throws {
        if let extra = state.keys.sorted().first {
            throw ClassifierError.invalidData(model: name, reason: "state tensor \"\(extra)\" is not part of HOG, which learns nothing")
        }
    }
}
