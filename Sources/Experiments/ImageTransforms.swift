// Descriptors as feature transforms of the model catalogue: each image row (channels × height ×
// width, flattened) becomes its descriptor, so a descriptor and a classifier form one Pipeline
// model that trains, saves and loads like the others.
import Classifiers
import Datasets
import Descriptors
import Tensors

/// HOG of every image row; colour images are averaged to gray first (HOG's gradients are taken
/// on one channel, as scikit-image's `channel_axis=None`). With `pixelWeight` > 0 the gray image
/// itself, times that weight, follows the HOG features: HOG keeps only the shape of the gradients,
/// the pixels keep the brightness (a shirt's print, a bag's fill). Nothing is learned.
public struct HOGTransform: FeatureTransform {
    public let name = "hog"
    public let hog: HOG
    public let shape: ImageShape
    public let pixelWeight: Float

    public init(hog: HOG, shape: ImageShape, pixelWeight: Float = 0) throws {
        _ = try hog.featureCount(height: shape.height, width: shape.width)   // an impossible cell for these images throws here
        guard pixelWeight >= 0, pixelWeight.isFinite else {
            throw ClassifierError.invalidData(model: "hog", reason: "the weight of the pixels must be a finite number ≥ 0, got \(pixelWeight)")
        }
        self.hog = hog
        self.shape = shape
        self.pixelWeight = pixelWeight
    }

    public mutating func fit(_ x: Matrix) throws {}

    public func transform(_ x: Matrix) throws -> Matrix {
        let (c, h, w) = (shape.channels, shape.height, shape.width)
        guard x.cols == c * h * w else {
            throw ClassifierError.invalidData(model: name, reason: "rows have \(x.cols) values but the images are \(c)×\(h)×\(w)")
        }
        let plane = h * w
        var gray = x
        if c > 1 {
            gray = Matrix(rows: x.rows, cols: plane)
            for i in 0..<x.rows {
                for p in 0..<plane {
                    var s: Float = 0
                    for k in 0..<c { s += x[i, k * plane + p] }
                    gray[i, p] = s / Float(c)
                }
            }
        }
        let features = try hog.features(of: gray, height: h, width: w)
        guard pixelWeight > 0 else { return features }
        var joined = Matrix(rows: x.rows, cols: features.cols + plane)
        for i in 0..<x.rows {
            for j in 0..<features.cols { joined[i, j] = features[i, j] }
            for p in 0..<plane { joined[i, features.cols + p] = pixelWeight * gray[i, p] }
        }
        return joined
    }

    public func learnedState() throws -> [String: Tensor] { [:] }

    public mutating func restore(from state: [String: Tensor]) throws {
        if let extra = state.keys.sorted().first {
            throw ClassifierError.invalidData(model: name, reason: "state tensor \"\(extra)\" is not part of HOG, which learns nothing")
        }
    }
}
