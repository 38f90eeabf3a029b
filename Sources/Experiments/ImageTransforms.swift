// Descriptors as feature transforms of the model catalogue: each image row (channels × height ×
// width, flattened) becomes its descriptor, so a descriptor and a classifier form one Pipeline
// model that trains, saves and loads like the others.
import Classifiers
import Datasets
import Descriptors
import Tensors

/// HOG of every image row; colour images are averaged to gray first (HOG's gradients are taken
/// on one channel, as scikit-image's `channel_axis=None`). A second, coarser HOG can follow (two
/// scales of the same gradients), and with `pixelWeight` > 0 the gray image itself, times that
/// weight: HOG keeps only the shape of the gradients, the pixels keep the brightness (a shirt's
/// print, a bag's fill). Nothing is learned.
public struct HOGTransform: FeatureTransform {
    public let name = "hog"
    public let hog: HOG
    /// A second HOG, usually of larger cells, whose features follow the first's (nil: none).
    public let coarse: HOG?
    public let shape: ImageShape
    public let pixelWeight: Float

    public init(hog: HOG, coarse: HOG? = nil, shape: ImageShape, pixelWeight: Float = 0) throws {
        // An impossible cell for these images throws here.
        _ = try hog.featureCount(height: shape.height, width: shape.width)
        if let coarse { _ = try coarse.featureCount(height: shape.height, width: shape.width) }
        guard pixelWeight >= 0, pixelWeight.isFinite else {
            throw ClassifierError.invalidData(model: "hog", reason: "the weight of the pixels must be a finite number ≥ 0, got \(pixelWeight)")
        }
        self.hog = hog
        self.coarse = coarse
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
        var parts = [try hog.features(of: gray, height: h, width: w)]
        if let coarse { parts.append(try coarse.features(of: gray, height: h, width: w)) }
        if pixelWeight > 0 {
            var scaled = gray
            for k in scaled.data.indices { scaled.data[k] *= pixelWeight }
            parts.append(scaled)
        }
        guard parts.count > 1 else { return parts[0] }
        let width = parts.reduce(0) { $0 + $1.cols }
        var joined = Matrix(rows: x.rows, cols: width)
        for i in 0..<x.rows {
            var offset = 0
            for part in parts {
                for j in 0..<part.cols { joined[i, offset + j] = part[i, j] }
                offset += part.cols
            }
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
