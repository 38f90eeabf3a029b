// The bag-of-visual-words pipeline as one classifier: random patches → contrast normalization →
// optional ZCA whitening → k-means codebook → encode every patch of an image (hard histogram of
// visual-word frequencies, or Coates & Ng's soft "triangle" code) → sum-pool over spatial grids →
// normalize → any classifier of the contract (logistic regression by default).
//
// Coates, Lee & Ng, "An analysis of single-layer networks in unsupervised feature learning",
// AISTATS 2011. Deviations: pooling grids are a parameter (the paper pools 2×2 quadrants; the
// default adds the whole image), pooled values are square-rooted by default (power normalization,
// which gained 0.1–0.5 points of test accuracy on MNIST-5k and Fashion-MNIST here), the codebook has
// 256 words by default (the paper goes up to 1,600), and the classifier is any model of the
// contract (the paper uses an L2 SVM; the default is logistic regression).
//
// Legend: N = images, K = visual words, F = values per patch, G = pooling cells (Σ g² over grids).
import CClassicalKernels
import Foundation
import Classifiers
import Tensors

/// How a patch is turned into K numbers.
public enum VisualWordEncoding: String, Sendable, CaseIterable {
    /// 1 for the nearest word, 0 for the others: pooled, a histogram of visual-word frequencies.
    case hard
    /// f_k = max(0, mean(z) − z_k) with z_k the distance to word k (Coates & Ng's "triangle").
    case triangle
}

/// How each pooled feature vector is scaled before the classifier.
public enum FeatureNormalization: String, Sendable, CaseIterable {
    case none
    /// Divide by the sum of absolute values (a histogram becomes frequencies).
    case l1
    /// Divide by the Euclidean norm.
    case l2
    /// The square root of every pooled value (sign kept; the codes here are never negative): "power normalization", which for a
    /// histogram makes a linear model compare √counts (the Hellinger kernel), so that a word that is
    /// frequent everywhere (background) no longer drowns the rarer, telling ones.
    case squareRoot
}

/// The bag-of-visual-words classifier. The image shape is a hyperparameter: each row of the data
/// is one image flattened in C×H×W order.
public struct BagOfVisualWords: PersistableClassifier, ProgressReportingClassifier {
    public var name: String
    public let grid: PatchGrid
    /// Random patches for the codebook.
    public let patchCount: Int
    /// ε of the per-patch contrast normalization (nil: no normalization).
    public let contrastEpsilon: Float?
    /// ε of the ZCA whitening (nil: no whitening).
    public let whiteningEpsilon: Float?
    /// K, the number of visual words.
    public let codebookSize: Int
    /// Lloyd iterations of the codebook's k-means.
    public let codebookIterations: Int
    public let encoding: VisualWordEncoding
    /// Side of each pooling grid, e.g. [1, 2] for the whole image plus its four quadrants.
    public let poolingGrids: [Int]
    public let normalization: FeatureNormalization
    public let seed: UInt64

    /// The classifier on the pooled features, unfitted until `fit`.
    public private(set) var classifier: any Classifier
    /// K × F visual words, in the space the patches are compared in (after normalization and
    /// whitening); nil before `fit`.
    public private(set) var codebook: Matrix?
    /// The whitening learned in `fit`, when `whiteningEpsilon` is set.
    public private(set) var whitening: ZCAWhitening?
    /// Called during `fit`, `transform`, `probabilities` and `predict` (nil: no reports), with the
    /// stages "sampling patches", "whitening", "k-means++ seeding" and "k-means" (per Lloyd
    /// iteration), "encoding images" (after every chunk of images; done = images encoded), and
    /// "classifier iteration" (when the classifier reports progress, else "classifier" 0/1 and 1/1).
    /// Reports never change the result.
    public var progress: FitProgressHandler?

    /// - Parameters:
    ///   - imageHeight, imageWidth, channels: the geometry of every image row.
    ///   - patchSize: side of the square patches, default 6; must fit in the image.
    ///   - stride: step of the dense patch grid used for encoding, default 1.
    ///   - patchCount: random patches for the codebook, default 100,000.
    ///   - contrastEpsilon: default 0.01 (pixels in [0, 1]); nil turns normalization off.
    ///   - whiteningEpsilon: default 0.1; nil turns ZCA off.
    ///   - codebookSize: K, default 256.
    ///   - codebookIterations: default 50.
    ///   - encoding: default `.triangle`.
    ///   - poolingGrids: default [1, 2] (the whole image and its four quadrants, K·5 features).
    ///   - normalization: default `.squareRoot`.
    ///   - classifier: default logistic regression on standardized features with C = 0.1 and up to
    ///     300 L-BFGS iterations.
    ///   - seed: patch sampling and k-means++; default 0.
    ///
    /// The defaults are `BagOfWordsSettings.triangle`, the pipeline that reaches the suite's accuracy
    /// goals; `BagOfVisualWords.histogram(...)` builds the lecture's hard-histogram pipeline.
    public init(imageHeight: Int, imageWidth: Int, channels: Int = 1, patchSize: Int = 6, stride: Int = 1,
                patchCount: Int = 100_000, contrastEpsilon: Float? = 0.01, whiteningEpsilon: Float? = 0.1,
                codebookSize: Int = 256, codebookIterations: Int = 50, encoding: VisualWordEncoding = .triangle,
                poolingGrids: [Int] = [1, 2], normalization: FeatureNormalization = .squareRoot,
                classifier: (any Classifier)? = nil, seed: UInt64 = 0, name: String = "bovw") throws {
        func bad(_ name: String, _ reason: String) -> ClassifierError {
            .invalidHyperparameter(model: "BagOfVisualWords", name: name, reason: reason)
        }
        grid = try PatchGrid(channels: channels, height: imageHeight, width: imageWidth, patchSize: patchSize, stride: stride)
        guard patchCount >= 1 else { throw bad("patchCount", "it is \(patchCount); use at least 1") }
        guard codebookSize >= 1 else { throw bad("codebookSize", "it is \(codebookSize); use at least 1") }
        guard codebookSize <= patchCount else {
            throw bad("codebookSize", "it is \(codebookSize) but only \(patchCount) patches are sampled; use codebookSize ≤ patchCount")
        }
        guard codebookIterations >= 1 else { throw bad("codebookIterations", "it is \(codebookIterations); use at least 1") }
        if let e = contrastEpsilon, !(e >= 0 && e.isFinite) { throw bad("contrastEpsilon", "it is \(e); use a finite value ≥ 0, or nil") }
        if let e = whiteningEpsilon, !(e > 0 && e.isFinite) { throw bad("whiteningEpsilon", "it is \(e); use a finite value > 0, or nil") }
        guard !poolingGrids.isEmpty else { throw bad("poolingGrids", "it is empty; use e.g. [1] or [1, 2]") }
        let positions = grid.positions
        for g in poolingGrids where g < 1 || g > min(positions.rows, positions.cols) {
            throw bad("poolingGrids", "grid \(g) does not fit the \(positions.rows)×\(positions.cols) patch positions; use 1...\(min(positions.rows, positions.cols))")
        }
        self.patchCount = patchCount
        self.contrastEpsilon = contrastEpsilon
        self.whiteningEpsilon = whiteningEpsilon
        self.codebookSize = codebookSize
        self.codebookIterations = codebookIterations
        self.encoding = encoding
        self.poolingGrids = poolingGrids
        self.normalization = normalization
        self.classifier = try classifier ?? LogisticRegression(c: 0.1, maxIterations: 300, standardize: true)
        self.seed = seed
        self.name = name
    }

    /// Length of the feature vector of one image: K · Σ g².
    public var featureCount: Int { codebookSize * poolingGrids.reduce(0) { $0 + $1 * $1 } }

    public mutating func fit(_ x: Matrix, _ y: [Int], classCount: Int) throws {
        try ClassifierError.checkFitInput(model: "BagOfVisualWords", x, y, classCount: classCount)
        let clock = Stopwatch()
        try fitCodebook(x, clock: clock)
        let features = try transform(x, clock: clock)
        try fitClassifier(features, y, classCount: classCount, clock: clock)
    }

    /// Learns the patch normalization, whitening and codebook from the images (rows of `x`) alone.
    public mutating func fitCodebook(_ x: Matrix) throws {
        try fitCodebook(x, clock: Stopwatch())
    }

    private mutating func fitCodebook(_ x: Matrix, clock: Stopwatch) throws {
        codebook = nil
        whitening = nil
        let report = progress.map { handler in
            { (stage: String, done: Int, total: Int) in handler(FitProgress(stage: stage, done: done, total: total, elapsedSeconds: clock.seconds)) }
        }
        report?("sampling patches", 0, patchCount)
        var patches = try grid.randomPatches(x, count: patchCount, seed: seed)
        if let e = contrastEpsilon { normalizeContrast(&patches, epsilon: e) }
        report?("sampling patches", patchCount, patchCount)
        if let e = whiteningEpsilon {
            report?("whitening", 0, 1)
            let zca = try ZCAWhitening(fitting: patches, epsilon: e)
            patches = zca.apply(patches)
            whitening = zca
            report?("whitening", 1, 1)
        }
        var kmeans = try KMeans(clusterCount: codebookSize, maxIterations: codebookIterations, seed: seed &+ 1)
        if let handler = progress {
            kmeans.progress = { p in
                var q = p
                q.elapsedSeconds = clock.seconds
                handler(q)
            }
        }
        codebook = try kmeans.fit(patches).centers
    }

    /// Fits the classifier on the pooled features, forwarding its progress as "classifier …".
    private mutating func fitClassifier(_ features: Matrix, _ y: [Int], classCount: Int, clock: Stopwatch) throws {
        guard let handler = progress else {
            try classifier.fit(features, y, classCount: classCount)
            return
        }
        guard var inner = classifier as? any ProgressReportingClassifier else {
            handler(FitProgress(stage: "classifier", done: 0, total: 1, elapsedSeconds: clock.seconds))
            try classifier.fit(features, y, classCount: classCount)
            handler(FitProgress(stage: "classifier", done: 1, total: 1, elapsedSeconds: clock.seconds))
            return
        }
        let saved = inner.progress
        inner.progress = { p in
            var q = p
            q.stage = "classifier " + p.stage
            q.elapsedSeconds = clock.seconds
            handler(q)
        }
        defer {
            inner.progress = saved
            classifier = inner
        }
        try inner.fit(features, y, classCount: classCount)
    }

    /// The pooled, normalized features of every image (N × featureCount).
    public func transform(_ x: Matrix) throws -> Matrix {
        try transform(x, clock: Stopwatch())
    }

    private func transform(_ x: Matrix, clock: Stopwatch) throws -> Matrix {
        guard let codebook = codebook else { throw ClassifierError.notFitted(model: "BagOfVisualWords") }
        try ClassifierError.checkPredictInput(model: "BagOfVisualWords", x, featureCount: grid.imageLength)
        let report = progress.map { handler in
            { (done: Int) in handler(FitProgress(stage: "encoding images", done: done, total: x.rows, elapsedSeconds: clock.seconds)) }
        }
        return encodeImages(x, codebook: codebook, report: report)
    }

    public func probabilities(_ x: Matrix) throws -> Matrix {
        try classifier.probabilities(try transform(x))
    }

    public func predict(_ x: Matrix) throws -> [Int] {
        try classifier.predict(try transform(x))
    }

    // MARK: - Learned state

    /// "codebook" K × F; with whitening "whitening.mean" F and "whitening.matrix" F × F (its ε is
    /// the hyperparameter `whiteningEpsilon`); and the classifier's state under "classifier.".
    public func learnedState() throws -> [String: Tensor] {
        guard let codebook = codebook else { throw ClassifierError.notFitted(model: "BagOfVisualWords") }
        guard let inner = classifier as? any PersistableClassifier else { throw notPersistable() }
        var state = ["codebook": Tensor(codebook)]
        if let zca = whitening {
            state["whitening.mean"] = Tensor(shape: [zca.mean.count], data: zca.mean)
            state["whitening.matrix"] = Tensor(zca.matrix)
        }
        for (name, t) in try inner.learnedState() { state["classifier." + name] = t }
        return state
    }

    public mutating func restore(from state: [String: Tensor], classCount: Int) throws {
        let model = "BagOfVisualWords"
        guard var inner = classifier as? any PersistableClassifier else { throw notPersistable() }
        var reader = LearnedStateReader(model: model, state: state)
        let f = grid.patchLength
        let words = try reader.takeMatrix("codebook", rows: codebookSize, cols: f)
        var zca: ZCAWhitening?
        if let e = whiteningEpsilon {
            let mean = try reader.take("whitening.mean", shape: [f])
            let matrix = try reader.takeMatrix("whitening.matrix", rows: f, cols: f)
            zca = try ZCAWhitening(mean: mean.data, matrix: matrix, epsilon: e)
        }
        let innerState = reader.takePrefix("classifier.")
        try reader.finish()
        // The inner model names its tensors without the prefix; the message names them in full.
        func wrap(_ error: Error, _ what: String) -> ClassifierError {
            let inner = "\(error)".replacingOccurrences(of: "state tensor \"", with: "state tensor \"classifier.")
            return .invalidData(model: model, reason: "\(what): \(inner)")
        }
        do {
            try inner.restore(from: innerState, classCount: classCount)
        } catch {
            throw wrap(error, "the classifier's state (tensors \"classifier.*\") is invalid")
        }
        // The classifier must take this pipeline's features: one probe row of zeros.
        do {
            _ = try inner.probabilities(Matrix(rows: 1, cols: featureCount))
        } catch {
            throw wrap(error, "the classifier's state (tensors \"classifier.*\") does not fit the \(featureCount) pooled features of this pipeline")
        }
        codebook = words
        whitening = zca
        classifier = inner
    }

    private func notPersistable() -> ClassifierError {
        .invalidData(model: "BagOfVisualWords", reason: "its classifier \(classifier.name) (\(type(of: classifier))) cannot write or read a learned state; use a PersistableClassifier such as LogisticRegression or KNearestNeighbors")
    }

    // MARK: - Encoding

    private func encodeImages(_ x: Matrix, codebook: Matrix, report: ((Int) -> Void)?) -> Matrix {
        let (rows, cols) = grid.positions
        let perImage = rows * cols
        let (f, k) = (grid.patchLength, codebookSize)
        var out = Matrix(rows: x.rows, cols: featureCount)
        // Images in chunks so the patch × word distance buffer stays near 64 MB.
        let chunk = max(1, (1 << 24) / (perImage * max(k, f)))
        let codeNorms = codebook.rowSquaredNorms()
        // Where each patch position's cell of each grid starts in the feature vector (positions × G).
        let cellOffset: [Int32] = (0..<perImage).flatMap { p in
            poolingGrids.indices.map { gi -> Int32 in
                let g = poolingGrids[gi]
                let base = poolingGrids[..<gi].reduce(0) { $0 + $1 * $1 }
                let cell = ((p / cols) * g / rows) * g + (p % cols) * g / cols
                return Int32((base + cell) * k)
            }
        }
        let gridCount = Int32(poolingGrids.count)
        // Buffers reused by every chunk (fresh 60 MB allocations cost page faults on each chunk).
        let capacity = min(chunk, x.rows) * perImage
        var patches = Matrix(rows: capacity, cols: f)
        var whitened = Matrix(rows: whitening == nil ? 0 : capacity, cols: f)
        var patchNorms = [Float](repeating: 0, count: capacity)
        var products = Matrix(rows: capacity, cols: k)
        for i0 in stride(from: 0, to: x.rows, by: chunk) {
            let n = min(chunk, x.rows - i0)
            let count = n * perImage
            x.data.withUnsafeBufferPointer { src in
                patches.data.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return }   // no images or no patch values
                    Parallel.forRange(0..<n, grain: 8) { images in
                        for i in images {
                            grid.allPatches(s + (i0 + i) * grid.imageLength, to: d + i * perImage * f)
                            if let e = contrastEpsilon {
                                for p in 0..<perImage { normalizeContrast(d + (i * perImage + p) * f, f, e) }
                            }
                        }
                    }
                }
            }
            if let zca = whitening {
                patches.data.withUnsafeMutableBufferPointer { p in
                    whitened.data.withUnsafeMutableBufferPointer { w in
                        guard let pb = p.baseAddress, let wb = w.baseAddress else { return }   // no patches to whiten
                        zca.apply(rows: count, pb, into: wb)
                    }
                }
            }
            // Squared norms of the compared patches, and their products with every word: count × K.
            let compared = whitening == nil ? patches : whitened
            compared.data.withUnsafeBufferPointer { a in
                codebook.data.withUnsafeBufferPointer { c in
                    patchNorms.withUnsafeMutableBufferPointer { pn in
                        Parallel.forRange(0..<count, grain: 8192) { r in
                            for i in r {
                                var s: Float = 0
                                for j in 0..<f { s += a[i * f + j] * a[i * f + j] }
                                pn[i] = s
                            }
                        }
                    }
                    products.data.withUnsafeMutableBufferPointer { out in
                        // An empty operand leaves no product to compute.
                        guard let a = a.baseAddress, let c = c.baseAddress, let out = out.baseAddress else { return }
                        sgemm(transA: false, transB: true, m: count, n: k, k: f, a: a, lda: f,
                              b: c, ldb: f, c: out, ldc: k)
                    }
                }
            }
            products.data.withUnsafeBufferPointer { prod in
                patchNorms.withUnsafeBufferPointer { pn in
                    codeNorms.withUnsafeBufferPointer { wn in
                        cellOffset.withUnsafeBufferPointer { cells in
                            out.data.withUnsafeMutableBufferPointer { o in
                                // No products or no features: nothing to encode.
                                guard let pp = prod.baseAddress, let ob = o.baseAddress, let pnb = pn.baseAddress else { return }
                                Parallel.forRange(0..<n, grain: 8) { images in
                                    var code = [Float](repeating: 0, count: k)
                                    for i in images {
                                        let feature = ob + (i0 + i) * featureCount
                                        let rowsOfImage = pp + i * perImage * k
                                        switch encoding {
                                        case .hard:
                                            ck_encode_hard(rowsOfImage, Int32(perImage), Int32(k), wn.baseAddress,
                                                           cells.baseAddress, gridCount, feature)
                                        case .triangle:
                                            ck_encode_triangle(rowsOfImage, Int32(perImage), Int32(k), pnb + i * perImage,
                                                               wn.baseAddress, cells.baseAddress, gridCount, feature, &code)
                                        }
                                        normalize(feature, featureCount)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            report?(i0 + n)
        }
        return out
    }

    private func normalize(_ v: UnsafeMutablePointer<Float>, _ count: Int) {
        var total: Float = 0
        switch normalization {
        case .none: return
        case .squareRoot:
            for j in 0..<count { v[j] = v[j] >= 0 ? v[j].squareRoot() : -(-v[j]).squareRoot() }
            return
        case .l1: for j in 0..<count { total += abs(v[j]) }
        case .l2: for j in 0..<count { total += v[j] * v[j] }; total = total.squareRoot()
        }
        guard total > 0 else { return }
        let inv = 1 / total
        for j in 0..<count { v[j] *= inv }
    }
}
