// Any local descriptor → one encoding → spatially pooled vector per image: the common tail of the
// bag-of-visual-words pipelines, whatever the descriptor (raw patches, HOG windows, dense SIFT).
// The descriptor side (extraction, whitening, PCA) lives with the descriptors; this file learns the
// codebook or mixture from sampled descriptors and encodes every image's set of descriptors.
//
// Encodings (K words or components, D dimensions, R pyramid regions):
//   hard      K per region: count of descriptors nearest each word, then √ of every count;
//   triangle  K per region: Σ max(0, mean(z) − z_k) with z_k the distance to word k (Coates & Ng),
//             then √ of every value;
//   vlad      KD per region: Σ (x − μₖ) over the descriptors nearest μₖ (Jégou et al.), signed √
//             and L2 of each region's vector;
//   fisher    2KD per region: improved Fisher vector of a diagonal GMM (signed √ and L2).
// Regions: the cells of a SpatialPyramid (e.g. 1×1 + 2×2), concatenated level after level.
import CClassicalKernels
import Classifiers
import Foundation
import Tensors

/// How a set of local descriptors becomes one vector.
public enum LocalEncoding: String, Sendable, CaseIterable {
    case hard, triangle, vlad, fisher
}

/// Learns a k-means codebook (hard, triangle, VLAD) or a diagonal Gaussian mixture (Fisher) from
/// descriptors and encodes each image's descriptors, pooled over a spatial pyramid. Every image has
/// the same `framesPerImage` descriptors at the same centres. Deterministic for a seed, whatever
/// the thread count (images are encoded independently).
public struct LocalDescriptorEncoder: Sendable {
    public let encoding: LocalEncoding
    /// K: visual words or mixture components.
    public let wordCount: Int
    /// Lloyd iterations of the k-means codebook (and of the k-means that starts the mixture's EM).
    public let iterations: Int
    public let pyramid: SpatialPyramid
    public let framesPerImage: Int
    public let seed: UInt64
    /// For every region, the indices of the frames in it.
    public let regions: [[Int]]
    /// K × D visual words (hard, triangle, VLAD); nil before `fit` or for Fisher.
    public private(set) var codebook: Matrix?
    /// The mixture (Fisher); nil before `fit` or for the other encodings.
    public private(set) var mixture: GaussianMixtureModel?

    /// - Parameters:
    ///   - centres: where each of an image's frames lies, (y, x) in pixels of an H × W image.
    public init(encoding: LocalEncoding, wordCount: Int, iterations: Int, pyramidLevels: [Int],
                centres: [(y: Float, x: Float)], height: Int, width: Int, seed: UInt64) throws {
        func bad(_ name: String, _ reason: String) -> ClassifierError {
            .invalidHyperparameter(model: "local descriptor encoder", name: name, reason: reason)
        }
        guard wordCount >= 1 else { throw bad("words", "it is \(wordCount); use at least 1") }
        guard iterations >= 1 else { throw bad("iterations", "it is \(iterations); use at least 1") }
        guard !centres.isEmpty else { throw bad("frames", "the images give no descriptor; use smaller descriptors or larger images") }
        self.encoding = encoding
        self.wordCount = wordCount
        self.iterations = iterations
        self.pyramid = try SpatialPyramid(levels: pyramidLevels)
        self.framesPerImage = centres.count
        self.seed = seed
        self.regions = pyramid.regions(centres: centres, height: height, width: width)
    }

    /// Values per region: K, K, KD or 2KD.
    public func regionLength(dimension d: Int) -> Int {
        switch encoding {
        case .hard, .triangle: return wordCount
        case .vlad: return wordCount * d
        case .fisher: return 2 * wordCount * d
        }
    }

    /// Values per image for descriptors of `d` dimensions.
    public func featureCount(dimension d: Int) -> Int { regions.count * regionLength(dimension: d) }

    /// The dimension the encoder was fitted on (nil before `fit`).
    public var dimension: Int? { codebook?.cols ?? mixture?.dimension }

    /// Learns the codebook or the mixture from sampled descriptors (rows).
    public mutating func fit(_ descriptors: Matrix) throws {
        guard descriptors.rows >= max(2, wordCount) else {
            throw ClassifierError.invalidData(model: "local descriptor encoder",
                reason: "there are \(descriptors.rows) sampled descriptors for \(wordCount) words; sample more descriptors or use fewer words")
        }
        guard descriptors.data.allSatisfy({ $0.isFinite }) else {
            throw ClassifierError.invalidData(model: "local descriptor encoder", reason: "a sampled descriptor holds a value that is not finite (NaN or infinity)")
        }
        codebook = nil
        mixture = nil
        switch encoding {
        case .hard, .triangle, .vlad:
            codebook = try KMeans(clusterCount: wordCount, maxIterations: iterations, seed: seed).fit(descriptors).centers
        case .fisher:
            let em = try GaussianMixture(componentCount: wordCount, maxIterations: 50, tolerance: 1e-5, varianceFloor: 1e-3,
                                         kmeansIterations: iterations, seed: seed)
            mixture = try em.fit(descriptors).model
        }
    }

    /// Sets the learned state directly (a saved model).
    public mutating func restore(codebook: Matrix?, mixture: GaussianMixtureModel?) throws {
        switch encoding {
        case .hard, .triangle, .vlad:
            guard let codebook, codebook.rows == wordCount, codebook.cols >= 1, mixture == nil else {
                throw ClassifierError.invalidData(model: "local descriptor encoder", reason: "the \(encoding.rawValue) encoding needs a codebook of \(wordCount) words and no mixture")
            }
        case .fisher:
            guard let mixture, mixture.componentCount == wordCount, codebook == nil else {
                throw ClassifierError.invalidData(model: "local descriptor encoder", reason: "the Fisher encoding needs a mixture of \(wordCount) components and no codebook")
            }
        }
        self.codebook = codebook
        self.mixture = mixture
    }

    /// Encodes images: `descriptors` holds `framesPerImage` rows per image, image after image.
    /// Returns images × featureCount(dimension:).
    public func encode(_ descriptors: Matrix) throws -> Matrix {
        guard let d = dimension else { throw ClassifierError.notFitted(model: "local descriptor encoder") }
        guard descriptors.cols == d, descriptors.rows % framesPerImage == 0 else {
            throw ClassifierError.invalidData(model: "local descriptor encoder",
                reason: "the descriptors are \(descriptors.rows)×\(descriptors.cols) but each image needs \(framesPerImage) rows of \(d) values")
        }
        let n = descriptors.rows / framesPerImage
        let f = framesPerImage, length = featureCount(dimension: d), block = regionLength(dimension: d)
        var out = Matrix(rows: n, cols: length)
        guard n > 0 else { return out }
        let regions = regions
        switch encoding {
        case .hard, .triangle:
            guard let codebook else { throw ClassifierError.notFitted(model: "local descriptor encoder") }
            let k = wordCount
            // Each frame's region on every level, as offsets into the image's vector.
            var cellOffset = [Int32](repeating: 0, count: f * pyramid.levels.count)
            var seen = [Int](repeating: 0, count: f)
            for (r, members) in regions.enumerated() {
                for p in members { cellOffset[p * pyramid.levels.count + seen[p]] = Int32(r * k); seen[p] += 1 }
            }
            let levelCount = Int32(pyramid.levels.count)
            let products = descriptors.matmul(codebook, transposeOther: true)
            let norms = descriptors.rowSquaredNorms(), wordNorms = codebook.rowSquaredNorms()
            let hard = encoding == .hard
            products.data.withUnsafeBufferPointer { prod in
                norms.withUnsafeBufferPointer { pn in
                    wordNorms.withUnsafeBufferPointer { wn in
                        cellOffset.withUnsafeBufferPointer { cells in
                            out.data.withUnsafeMutableBufferPointer { o in
                                guard let pp = prod.baseAddress, let pnb = pn.baseAddress, let ob = o.baseAddress else { return }
                                Parallel.forRange(0..<n, grain: 8) { images in
                                    var code = [Float](repeating: 0, count: k)
                                    for i in images {
                                        let feature = ob + i * length
                                        if hard {
                                            ck_encode_hard(pp + i * f * k, Int32(f), Int32(k), wn.baseAddress, cells.baseAddress, levelCount, feature)
                                        } else {
                                            ck_encode_triangle(pp + i * f * k, Int32(f), Int32(k), pnb + i * f, wn.baseAddress,
                                                               cells.baseAddress, levelCount, feature, &code)
                                        }
                                        for j in 0..<length { feature[j] = feature[j].squareRoot() }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        case .vlad:
            guard let codebook else { throw ClassifierError.notFitted(model: "local descriptor encoder") }
            let vlad = try VLAD(centres: codebook, normalization: [.squareRoot, .global])
            let labels = nearestCenters(descriptors, norms: descriptors.rowSquaredNorms(), centers: codebook).labels
            let k = wordCount
            out.data.withUnsafeMutableBufferPointer { o in
                guard let ob = o.baseAddress else { return }
                Parallel.forRange(0..<n, grain: 8) { images in
                    for i in images {
                        for (r, members) in regions.enumerated() {
                            let rows = members.map { i * f + $0 }
                            var assignments = Matrix(rows: rows.count, cols: k)
                            for (a, row) in rows.enumerated() { assignments[a, Int(labels[row])] = 1 }
                            // The shapes agree by construction, so encode cannot throw here.
                            guard let v = try? vlad.encode(descriptors.rows(rows), assignments: assignments) else { continue }
                            let dst = ob + i * length + r * block
                            for j in 0..<block { dst[j] = v[j] }
                        }
                    }
                }
            }
        case .fisher:
            guard let mixture else { throw ClassifierError.notFitted(model: "local descriptor encoder") }
            let fisher = FisherVector(mixture: mixture, improved: true)
            let q = try mixture.posteriors(descriptors).posteriors
            let k = wordCount
            descriptors.data.withUnsafeBufferPointer { zs in
                q.data.withUnsafeBufferPointer { qs in
                    out.data.withUnsafeMutableBufferPointer { o in
                        guard let zp = zs.baseAddress, let qp = qs.baseAddress, let op = o.baseAddress else { return }
                        Parallel.forRange(0..<n, grain: 8) { images in
                            for i in images {
                                for (r, members) in regions.enumerated() {
                                    fisher.encode(zp + i * f * d, qp + i * f * k, rows: members, into: op + i * length + r * block)
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
