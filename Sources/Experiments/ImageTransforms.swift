// Descriptors as feature transforms of the model catalogue: each image row (channels × height ×
// width, flattened) becomes its descriptor, so a descriptor and a classifier form one Pipeline
// model that trains, saves and loads like the others.
import BagOfWords
import Classifiers
import Datasets
import Descriptors
import Foundation
import Tensors

/// The rows of `x` (channels × H × W each) averaged over the channels: H × W gray rows.
func grayRows(_ x: Matrix, channels c: Int) -> Matrix {
    if c == 1 { return x }
    let plane = x.cols / c
    var gray = Matrix(rows: x.rows, cols: plane)
    for i in 0..<x.rows {
        for p in 0..<plane {
            var s: Float = 0
            for k in 0..<c { s += x[i, k * plane + p] }
            gray[i, p] = s / Float(c)
        }
    }
    return gray
}

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
        let gray = grayRows(x, channels: c)
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

/// Dense SIFT at several scales (PHOW), PCA of the descriptors, a diagonal Gaussian mixture, and
/// improved Fisher vectors pooled over a spatial pyramid (Chatfield, Lempitsky, Vedaldi, Zisserman,
/// "The devil is in the details", BMVC 2011; Sánchez et al., IJCV 2013): one vector per image row.
///
/// Scales as VLFeat's vl_phow: for bin size b the gray image is smoothed by a Gaussian of σ = b/6
/// and the frames of every scale are offset so that they share their first centre. `fit` learns
/// the PCA and the mixture from at most `sampleCount` descriptors drawn (seeded) from the training
/// images; nothing else is learned. Each pyramid region's Fisher vector is improved-normalized on
/// its own (a region without descriptors gives zeros); the regions are concatenated.
public struct SIFTFisherTransform: FeatureTransform {
    public let name = "sift-fv"
    public let shape: ImageShape
    /// One dense SIFT per scale, origins aligned.
    public let scales: [DenseSIFT]
    public let pcaDimensions: Int
    public let componentCount: Int
    public let sampleCount: Int
    public let pyramid: SpatialPyramid
    public let seed: UInt64
    public private(set) var pca: PCA
    public private(set) var mixture: GaussianMixtureModel?

    /// Frames per image over all scales, and the descriptors of each pyramid region (indices into them).
    let framesPerImage: Int
    let regions: [[Int]]

    public init(shape: ImageShape, binSizes: [Int], step: Int, pcaDimensions: Int, componentCount: Int, sampleCount: Int = 200_000,
                pyramidLevels: [Int] = [1, 2], seed: UInt64 = 0) throws {
        guard !binSizes.isEmpty else {
            throw ClassifierError.invalidHyperparameter(model: "sift-fv", name: "sift-bins", reason: "give at least one bin size")
        }
        guard pcaDimensions >= 1, pcaDimensions <= DenseSIFT.length else {
            throw ClassifierError.invalidHyperparameter(model: "sift-fv", name: "pca-dims", reason: "it is \(pcaDimensions); SIFT has 128 dimensions, keep 1 to 128")
        }
        guard componentCount >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: "sift-fv", name: "gmm-components", reason: "it is \(componentCount); use at least 1")
        }
        guard sampleCount >= max(2, componentCount) else {
            throw ClassifierError.invalidHyperparameter(model: "sift-fv", name: "descriptor-samples", reason: "it is \(sampleCount); the mixture needs at least one descriptor per component")
        }
        let largest = binSizes.max() ?? 1
        func layout(_ sift: DenseSIFT) throws -> DenseSIFT.Layout {
            do { return try sift.layout(height: shape.height, width: shape.width) } catch {
                throw ClassifierError.invalidData(model: "sift-fv", reason: "\(error) (images \(shape), bin sizes \(binSizes.map(String.init).joined(separator: ",")))")
            }
        }
        // The largest scale first: when the images are too small, its sentence names the size they need.
        _ = try layout(try DenseSIFT(binSize: largest, step: step))
        var scales: [DenseSIFT] = [], centres: [(y: Float, x: Float)] = []
        for b in binSizes {
            // vl_phow's offset: the first frame centre, origin + 1.5b, is the same at every scale.
            let sift = try DenseSIFT(binSize: b, step: step, origin: (3 * (largest - b)) / 2)
            let frames = try layout(sift)
            for i in 0..<frames.rows { for j in 0..<frames.cols { centres.append(frames.centre(row: i, col: j)) } }
            scales.append(sift)
        }
        self.shape = shape
        self.scales = scales
        self.pcaDimensions = pcaDimensions
        self.componentCount = componentCount
        self.sampleCount = sampleCount
        self.pyramid = try SpatialPyramid(levels: pyramidLevels)
        self.seed = seed
        self.pca = try PCA(components: pcaDimensions, seed: seed, name: "sift-fv pca")
        self.framesPerImage = centres.count
        self.regions = pyramid.regions(centres: centres, height: shape.height, width: shape.width)
    }

    /// Values per image: regions × 2 × components × PCA dimensions.
    public var outputCount: Int { regions.count * 2 * componentCount * pcaDimensions }

    /// The dense SIFT descriptors of every row: (rows · framesPerImage) × 128, image after image.
    public func descriptors(_ x: Matrix) throws -> Matrix {
        let (c, h, w) = (shape.channels, shape.height, shape.width)
        guard x.cols == c * h * w else {
            throw ClassifierError.invalidData(model: name, reason: "rows have \(x.cols) values but the images are \(c)×\(h)×\(w)")
        }
        guard x.data.allSatisfy({ $0.isFinite }) else {
            throw ClassifierError.invalidData(model: name, reason: "the images hold a value that is not finite (NaN or infinity)")
        }
        let gray = grayRows(x, channels: c)
        let perScale = try scales.map { sift in
            try sift.descriptors(of: try DenseSIFT.smoothed(gray, height: h, width: w, sigma: Float(sift.binSize) / 6), height: h, width: w)
        }
        // Image after image, each image's frames scale after scale.
        let f = framesPerImage, length = DenseSIFT.length
        var out = Matrix(rows: x.rows * f, cols: length)
        var offset = 0
        out.data.withUnsafeMutableBufferPointer { dst in
            for part in perScale {
                let count = part.rows / max(x.rows, 1) * length
                part.data.withUnsafeBufferPointer { src in
                    for i in 0..<x.rows {
                        for v in 0..<count { dst[i * f * length + offset + v] = src[i * count + v] }
                    }
                }
                offset += count
            }
        }
        return out
    }

    public mutating func fit(_ x: Matrix) throws {
        guard x.rows >= 1 else { throw ClassifierError.invalidData(model: name, reason: "needs at least one training image") }
        // Enough images for `sampleCount` descriptors, drawn without replacement.
        var rng = Xoshiro256(seed: seed ^ 0x5f1f7)
        let wanted = min(x.rows, max(1, (sampleCount + framesPerImage - 1) / framesPerImage))
        var order = Array(0..<x.rows)
        for i in 0..<wanted { order.swapAt(i, i + Int(rng.next() % UInt64(x.rows - i))) }
        let chosen = Array(order.prefix(wanted)).sorted()
        var all = try descriptors(x.rows(chosen))
        if all.rows > sampleCount {
            var picks = Array(0..<all.rows)
            for i in 0..<sampleCount { picks.swapAt(i, i + Int(rng.next() % UInt64(all.rows - i))) }
            all = all.rows(Array(picks.prefix(sampleCount)).sorted())
        }
        guard all.rows >= max(2, componentCount) else {
            throw ClassifierError.invalidData(model: name, reason: "the training images give \(all.rows) descriptors, fewer than the \(componentCount) mixture components; use fewer components or more images")
        }
        var pca = try PCA(components: pcaDimensions, seed: seed, name: "sift-fv pca")
        try pca.fit(all)
        guard pca.outputCount == pcaDimensions else {
            throw ClassifierError.invalidData(model: name, reason: "the descriptors span only \(pca.outputCount) of the \(pcaDimensions) PCA dimensions asked for; use a smaller --pca-dims")
        }
        let projected = try pca.transform(all)
        let em = try GaussianMixture(componentCount: componentCount, maxIterations: 50, tolerance: 1e-5, varianceFloor: 1e-3, kmeansIterations: 10, seed: seed)
        self.mixture = try em.fit(projected).model
        self.pca = pca
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        guard let mixture else { throw ClassifierError.notFitted(model: name) }
        let fisher = FisherVector(mixture: mixture, improved: true)
        let block = fisher.length, perImage = outputCount, f = framesPerImage, k = componentCount, d = pcaDimensions
        var out = Matrix(rows: x.rows, cols: perImage)
        let chunk = 1024
        var start = 0
        while start < x.rows {
            let end = min(x.rows, start + chunk)
            let z = try pca.transform(try descriptors(x.rows(start..<end)))
            let q = try mixture.posteriors(z).posteriors
            let regions = regions
            z.data.withUnsafeBufferPointer { zs in
                q.data.withUnsafeBufferPointer { qs in
                    out.data.withUnsafeMutableBufferPointer { o in
                        guard let zp = zs.baseAddress, let qp = qs.baseAddress, let op = o.baseAddress else { return }
                        Parallel.forRange(0..<(end - start), grain: 8) { images in
                            for i in images {
                                for (r, members) in regions.enumerated() {
                                    fisher.encode(zp + i * f * d, qp + i * f * k, rows: members, into: op + (start + i) * perImage + r * block)
                                }
                            }
                        }
                    }
                }
            }
            start = end
        }
        return out
    }

    public func learnedState() throws -> [String: Tensor] {
        guard let mixture else { throw ClassifierError.notFitted(model: name) }
        var state: [String: Tensor] = [:]
        for (key, value) in try pca.learnedState() { state["pca.\(key)"] = value }
        state["gmm.priors"] = Tensor(shape: [mixture.componentCount], data: mixture.priors)
        state["gmm.means"] = Tensor(shape: [mixture.componentCount, mixture.dimension], data: mixture.means.data)
        state["gmm.variances"] = Tensor(shape: [mixture.componentCount, mixture.dimension], data: mixture.variances.data)
        return state
    }

    public mutating func restore(from state: [String: Tensor]) throws {
        var reader = LearnedStateReader(model: name, state: state)
        let pcaState = reader.takePrefix("pca.")
        let (k, d) = (componentCount, pcaDimensions)
        let priors = try reader.take("gmm.priors", shape: [k]).data
        let means = try reader.takeMatrix("gmm.means", rows: k, cols: d)
        let variances = try reader.takeMatrix("gmm.variances", rows: k, cols: d)
        try reader.finish()
        var pca = try PCA(components: pcaDimensions, seed: seed, name: "sift-fv pca")
        try pca.restore(from: pcaState)
        guard pca.outputCount == d, pca.mean.count == DenseSIFT.length else {
            throw reader.error("pca.components", "has \(pca.outputCount) × \(pca.mean.count) values but \(d) × \(DenseSIFT.length) were expected")
        }
        do {
            self.mixture = try GaussianMixtureModel(priors: priors, means: means, variances: variances)
        } catch {
            throw reader.error("gmm.variances", "does not make a Gaussian mixture: \(error)")
        }
        self.pca = pca
    }
}
