// The two bag-of-visual-words pipelines of the suite's comparison, as named settings: the lecture's
// hard histogram of visual words, and Coates & Ng's whitened triangle code. Their values are the ones
// that reach the accuracy goals on MNIST-5k and Fashion-MNIST (see the benchmark's closing figures).
import Classifiers
import Tensors

/// Every hyperparameter of a `BagOfVisualWords` except the image geometry and the seed, so that a
/// pipeline can be named, printed, varied one field at a time, and built.
public struct BagOfWordsSettings: Equatable, Sendable, CustomStringConvertible {
    public var patchSize = 6
    public var stride = 1
    public var patchCount = 100_000
    public var contrastEpsilon: Float? = 0.01
    public var whiteningEpsilon: Float? = 0.1
    public var codebookSize = 256
    public var codebookIterations = 50
    public var encoding = VisualWordEncoding.triangle
    public var poolingGrids = [1, 2]
    public var normalization = FeatureNormalization.squareRoot
    /// C of the logistic regression on the pooled, standardized features.
    public var c = 0.1
    /// L-BFGS iterations of that logistic regression.
    public var classifierIterations = 300

    public init() {}

    /// The lecture's pipeline: 6×6 patches, contrast-normalized, not whitened; K = 256 words; hard
    /// assignment; histograms of the whole image and of its four quadrants, square-rooted; logistic
    /// regression with C = 0.01 (the histograms of 10,000 images overfit at C = 1).
    public static let histogram: BagOfWordsSettings = {
        var s = BagOfWordsSettings()
        s.whiteningEpsilon = nil
        s.encoding = .hard
        s.c = 0.01
        return s
    }()

    /// Coates & Ng (2011): 6×6 patches, contrast-normalized and ZCA-whitened (ε 0.1); K = 256 words;
    /// triangle code; sum-pooled over the whole image and its four quadrants, square-rooted; logistic
    /// regression with C = 0.1.
    public static let triangle = BagOfWordsSettings()

    public var description: String {
        let zca = whiteningEpsilon.map { "\($0)" } ?? "off"
        let contrast = contrastEpsilon.map { "\($0)" } ?? "off"
        return "\(patchSize)×\(patchSize) patches (stride \(stride), \(patchCount) for the codebook), contrast ε \(contrast), ZCA ε \(zca), K \(codebookSize) (\(codebookIterations) k-means iterations), \(encoding) code, grids \(poolingGrids), \(normalization), logistic regression C \(c) (\(classifierIterations) iterations)"
    }
}

extension BagOfVisualWords {
    /// A pipeline with all of `settings`, classifying with logistic regression on standardized features.
    public init(imageHeight: Int, imageWidth: Int, channels: Int = 1, settings: BagOfWordsSettings,
                seed: UInt64 = 0, name: String? = nil) throws {
        let s = settings
        try self.init(imageHeight: imageHeight, imageWidth: imageWidth, channels: channels, patchSize: s.patchSize,
                      stride: s.stride, patchCount: s.patchCount, contrastEpsilon: s.contrastEpsilon,
                      whiteningEpsilon: s.whiteningEpsilon, codebookSize: s.codebookSize,
                      codebookIterations: s.codebookIterations, encoding: s.encoding, poolingGrids: s.poolingGrids,
                      normalization: s.normalization,
                      classifier: try LogisticRegression(c: s.c, maxIterations: s.classifierIterations, standardize: true),
                      seed: seed, name: name ?? (s.encoding == .hard ? "bovw-hist" : "bovw-triangle"))
    }

    /// The lecture's hard-histogram pipeline (`BagOfWordsSettings.histogram`), named "bovw-hist".
    public static func histogram(imageHeight: Int = 28, imageWidth: Int = 28, channels: Int = 1,
                                 seed: UInt64 = 0) throws -> BagOfVisualWords {
        try BagOfVisualWords(imageHeight: imageHeight, imageWidth: imageWidth, channels: channels,
                             settings: .histogram, seed: seed)
    }

    /// Coates & Ng's whitened triangle pipeline (`BagOfWordsSettings.triangle`), named "bovw-triangle".
    public static func triangle(imageHeight: Int = 28, imageWidth: Int = 28, channels: Int = 1,
                                seed: UInt64 = 0) throws -> BagOfVisualWords {
        try BagOfVisualWords(imageHeight: imageHeight, imageWidth: imageWidth, channels: channels,
                             settings: .triangle, seed: seed)
    }
}
