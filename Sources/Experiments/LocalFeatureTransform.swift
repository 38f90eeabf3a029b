// Local descriptors on a dense grid → optional ZCA whitening or PCA → an encoding (hard, triangle,
// VLAD, Fisher) → spatial pooling: one vector per image row, whatever the descriptor, so the bovw
// experiment can cross descriptors with encodings and keep everything else equal.
//
// Descriptors (H × W images; colour is averaged to gray for HOG and SIFT):
//   patch  every P × P patch (stride 1), contrast-normalized (ε 0.01), as the bag-of-words pipeline;
//   hog    HOG of every W × W window on a grid of `step` pixels (cells of W/2 pixels, one block of
//          2×2 cells, 9 orientations, L2-Hys: 36 values), scikit-image's HOG of each window;
//   sift   dense SIFT (4×4 bins of b pixels, step s) of the image smoothed with σ = b/6, as vl_phow.
import BagOfWords
import Classifiers
import Datasets
import Descriptors
import Foundation
import Tensors

/// The local descriptor of a `LocalFeatureTransform`.
public enum LocalDescriptorKind: String, Sendable, CaseIterable {
    case patch, hog, sift
}

public struct LocalFeatureTransform: FeatureTransform {
    public let name: String
    public let shape: ImageShape
    public let descriptor: LocalDescriptorKind
    /// ZCA whitening (ε 0.1) of the descriptors, learned on the sample.
    public let whiten: Bool
    /// PCA of the descriptors to this many dimensions, learned on the sample (nil: none).
    public let pcaDimensions: Int?
    /// Descriptors sampled (seeded, uniformly over images and frames) to learn whitening, PCA and codebook.
    public let sampleCount: Int
    public let seed: UInt64
    /// Where the patches (patch) or windows (hog) are cut.
    let grid: PatchGrid?
    let hog: HOG?
    let sift: DenseSIFT?
    /// Values per raw descriptor.
    public let rawDimension: Int
    public private(set) var whitening: ZCAWhitening?
    public private(set) var pca: PCA?
    public private(set) var encoder: LocalDescriptorEncoder

    /// - Parameters:
    ///   - size: patch side (patch), window side (hog, even) or bin size (sift).
    ///   - step: grid step of the patches, windows or SIFT frames.
    public init(shape: ImageShape, descriptor: LocalDescriptorKind, size: Int, step: Int, encoding: LocalEncoding, words: Int,
                iterations: Int, whiten: Bool = false, pcaDimensions: Int? = nil, sampleCount: Int = 10_000,
                pyramidLevels: [Int] = [1, 2], seed: UInt64 = 0) throws {
        let model = "\(descriptor.rawValue)-\(encoding.rawValue)"
        func bad(_ name: String, _ reason: String) -> ClassifierError { .invalidHyperparameter(model: model, name: name, reason: reason) }
        guard step >= 1 else { throw bad("step", "it is \(step); use at least 1") }
        guard sampleCount >= max(2, words) else { throw bad("descriptor samples", "it is \(sampleCount); sample at least as many descriptors as words (\(words))") }
        if let p = pcaDimensions, p < 1 { throw bad("PCA dimensions", "it is \(p); use at least 1, or none") }
        var centres: [(y: Float, x: Float)]
        switch descriptor {
        case .patch:
            let g = try PatchGrid(channels: shape.channels, height: shape.height, width: shape.width, patchSize: size, stride: step)
            (grid, hog, sift) = (g, nil, nil)
            rawDimension = g.patchLength
            centres = g.patchCentres
        case .hog:
            guard size >= 2, size % 2 == 0 else { throw bad("HOG window", "it is \(size); use an even side of at least 2 (two cells across)") }
            let g = try PatchGrid(channels: 1, height: shape.height, width: shape.width, patchSize: size, stride: step)
            let h = try HOG(orientations: 9, pixelsPerCell: HOG.Size(size / 2, size / 2), cellsPerBlock: HOG.Size(2, 2))
            (grid, hog, sift) = (g, h, nil)
            rawDimension = try h.featureCount(height: size, width: size)
            centres = g.patchCentres
        case .sift:
            let s = try DenseSIFT(binSize: size, step: step)
            let layout = try s.layout(height: shape.height, width: shape.width)
            (grid, hog, sift) = (nil, nil, s)
            rawDimension = DenseSIFT.length
            centres = (0..<layout.count).map { layout.centre(row: $0 / layout.cols, col: $0 % layout.cols) }
        }
        if let p = pcaDimensions, p > rawDimension { throw bad("PCA dimensions", "it is \(p) but the descriptor has \(rawDimension) values; keep 1 to \(rawDimension)") }
        self.name = model
        self.shape = shape
        self.descriptor = descriptor
        self.whiten = whiten
        self.pcaDimensions = pcaDimensions
        self.sampleCount = sampleCount
        self.seed = seed
        self.encoder = try LocalDescriptorEncoder(encoding: encoding, wordCount: words, iterations: iterations, pyramidLevels: pyramidLevels,
                                                  centres: centres, height: shape.height, width: shape.width, seed: seed &+ 1)
    }

    public var framesPerImage: Int { encoder.framesPerImage }
    /// Dimensions of the descriptors the encoder sees.
    public var dimension: Int { pcaDimensions ?? rawDimension }
    public var outputCount: Int { encoder.featureCount(dimension: dimension) }

    /// The raw descriptors of every row: (rows · framesPerImage) × rawDimension, image after image.
    public func descriptors(_ x: Matrix) throws -> Matrix {
        let (c, h, w) = (shape.channels, shape.height, shape.width)
        guard x.cols == c * h * w else {
            throw ClassifierError.invalidData(model: name, reason: "rows have \(x.cols) values but the images are \(c)×\(h)×\(w)")
        }
        guard x.data.allSatisfy({ $0.isFinite }) else {
            throw ClassifierError.invalidData(model: name, reason: "the images hold a value that is not finite (NaN or infinity)")
        }
        switch descriptor {
        case .patch:
            guard let grid else { break }
            var patches = try grid.densePatches(x)
            normalizeContrast(&patches, epsilon: 0.01)
            return patches
        case .hog:
            guard let grid, let hog else { break }
            return try hog.features(of: try grid.densePatches(grayRows(x, channels: c)), height: grid.patchSize, width: grid.patchSize)
        case .sift:
            guard let sift else { break }
            let smooth = try DenseSIFT.smoothed(grayRows(x, channels: c), height: h, width: w, sigma: Float(sift.binSize) / 6)
            return try sift.descriptors(of: smooth, height: h, width: w)
        }
        throw ClassifierError.invalidData(model: name, reason: "the \(descriptor.rawValue) descriptor was not set up")
    }

    /// Whitening and PCA, when learned.
    func prepared(_ raw: Matrix) throws -> Matrix {
        var z = raw
        if let whitening { z = whitening.apply(z) }
        if let pca { z = try pca.transform(z) }
        return z
    }

    public mutating func fit(_ x: Matrix) throws {
        guard x.rows >= 1 else { throw ClassifierError.invalidData(model: name, reason: "needs at least one training image") }
        // Uniform (image, frame) draws; the images' descriptors are computed in chunks and the drawn rows gathered.
        var rng = Xoshiro256(seed: seed ^ 0x10ca1)
        let f = framesPerImage
        var byImage = [[Int]](repeating: [], count: x.rows)
        for _ in 0..<sampleCount {
            let i = rng.int(below: x.rows)
            byImage[i].append(rng.int(below: f))
        }
        let used = byImage.indices.filter { !byImage[$0].isEmpty }
        var sample = Matrix(rows: sampleCount, cols: rawDimension)
        var row = 0
        for c0 in stride(from: 0, to: used.count, by: 64) {
            let images = Array(used[c0..<min(used.count, c0 + 64)])
            let raw = try descriptors(x.rows(images))
            for (a, i) in images.enumerated() {
                for frame in byImage[i] {
                    let src = (a * f + frame) * rawDimension
                    for j in 0..<rawDimension { sample.data[row * rawDimension + j] = raw.data[src + j] }
                    row += 1
                }
            }
        }
        whitening = nil
        pca = nil
        if whiten {
            let zca = try ZCAWhitening(fitting: sample, epsilon: 0.1)
            sample = zca.apply(sample)
            whitening = zca
        }
        if let p = pcaDimensions {
            var model = try PCA(components: p, seed: seed, name: "\(name) pca")
            try model.fit(sample)
            guard model.outputCount == p else {
                throw ClassifierError.invalidData(model: name, reason: "the descriptors span only \(model.outputCount) of the \(p) PCA dimensions asked for; use fewer")
            }
            sample = try model.transform(sample)
            pca = model
        }
        try encoder.fit(sample)
    }

    public func transform(_ x: Matrix) throws -> Matrix {
        guard encoder.dimension != nil else { throw ClassifierError.notFitted(model: name) }
        var out = Matrix(rows: x.rows, cols: outputCount)
        // Chunks of images keep the frame × word products near 40 MB.
        let chunk = 64
        for start in stride(from: 0, to: x.rows, by: chunk) {
            let end = min(x.rows, start + chunk)
            let codes = try encoder.encode(try prepared(try descriptors(x.rows(start..<end))))
            for j in 0..<codes.data.count { out.data[start * outputCount + j] = codes.data[j] }
        }
        return out
    }

    public func learnedState() throws -> [String: Tensor] {
        guard encoder.dimension != nil else { throw ClassifierError.notFitted(model: name) }
        var state: [String: Tensor] = [:]
        if let zca = whitening {
            state["zca.mean"] = Tensor(shape: [zca.mean.count], data: zca.mean)
            state["zca.matrix"] = Tensor(zca.matrix)
        }
        if let pca { for (key, value) in try pca.learnedState() { state["pca.\(key)"] = value } }
        if let codebook = encoder.codebook { state["codebook"] = Tensor(codebook) }
        if let m = encoder.mixture {
            state["gmm.priors"] = Tensor(shape: [m.componentCount], data: m.priors)
            state["gmm.means"] = Tensor(m.means)
            state["gmm.variances"] = Tensor(m.variances)
        }
        return state
    }

    public mutating func restore(from state: [String: Tensor]) throws {
        var reader = LearnedStateReader(model: name, state: state)
        let (r, d, k) = (rawDimension, dimension, encoder.wordCount)
        var zca: ZCAWhitening?
        if whiten {
            let mean = try reader.take("zca.mean", shape: [r])
            zca = try ZCAWhitening(mean: mean.data, matrix: try reader.takeMatrix("zca.matrix", rows: r, cols: r), epsilon: 0.1)
        }
        var pcaModel: PCA?
        if let p = pcaDimensions {
            var model = try PCA(components: p, seed: seed, name: "\(name) pca")
            try model.restore(from: reader.takePrefix("pca."))
            guard model.outputCount == p, model.mean.count == r else {
                throw reader.error("pca.components", "has \(model.outputCount) × \(model.mean.count) values but \(p) × \(r) were expected")
            }
            pcaModel = model
        }
        var codebook: Matrix?, mixture: GaussianMixtureModel?
        if encoder.encoding == .fisher {
            let priors = try reader.take("gmm.priors", shape: [k]).data
            let means = try reader.takeMatrix("gmm.means", rows: k, cols: d)
            let variances = try reader.takeMatrix("gmm.variances", rows: k, cols: d)
            do { mixture = try GaussianMixtureModel(priors: priors, means: means, variances: variances) } catch {
                throw reader.error("gmm.variances", "does not make a Gaussian mixture: \(error)")
            }
        } else {
            codebook = try reader.takeMatrix("codebook", rows: k, cols: d)
        }
        try reader.finish()
        try encoder.restore(codebook: codebook, mixture: mixture)
        whitening = zca
        pca = pcaModel
    }
}
