// Patches of images for the bag of visual words: random patches to learn the codebook from, every
// patch of an image on a grid to encode it, and the per-patch brightness/contrast normalization.
//
// Legend: C = channels, H × W = image, P = patch side, S = stride, F = C·P·P values per patch.
// Images are rows of a matrix in C×H×W order (as the data sets store them); a patch is F values in
// C×P×P order.
import Classifiers
import Tensors

/// Where patches come from: the image geometry, the patch side and the stride of the dense grid.
public struct PatchGrid: Equatable, Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    public let patchSize: Int
    public let stride: Int

    /// Throws when a size is not positive or the patch is larger than the image.
    public init(channels: Int, height: Int, width: Int, patchSize: Int, stride: Int = 1) throws {
        func bad(_ name: String, _ reason: String) -> ClassifierError {
            .invalidHyperparameter(model: "BagOfVisualWords", name: name, reason: reason)
        }
        guard channels >= 1 else { throw bad("channels", "it is \(channels); use at least 1") }
        guard height >= 1, width >= 1 else { throw bad("image size", "it is \(height)×\(width); both sides must be at least 1") }
        guard patchSize >= 1 else { throw bad("patchSize", "it is \(patchSize); use at least 1") }
        guard patchSize <= height, patchSize <= width else {
            throw bad("patchSize", "it is \(patchSize) but the images are \(height)×\(width); use a patch no larger than the image")
        }
        guard stride >= 1 else { throw bad("stride", "it is \(stride); use at least 1") }
        self.channels = channels
        self.height = height
        self.width = width
        self.patchSize = patchSize
        self.stride = stride
    }

    /// Values per image (C·H·W).
    public var imageLength: Int { channels * height * width }
    /// Values per patch (C·P·P).
    public var patchLength: Int { channels * patchSize * patchSize }
    /// Patch positions down and across: (H − P)/S + 1 and (W − P)/S + 1.
    public var positions: (rows: Int, cols: Int) { ((height - patchSize) / stride + 1, (width - patchSize) / stride + 1) }

    /// Copies the patch whose top-left corner is (top, left) of `image` to `out` (F values).
    @inline(__always)
    func copyPatch(_ image: UnsafePointer<Float>, top: Int, left: Int, to out: UnsafeMutablePointer<Float>) {
        var o = 0
        for c in 0..<channels {
            for dy in 0..<patchSize {
                let src = image + (c * height + top + dy) * width + left
                for dx in 0..<patchSize { out[o] = src[dx]; o += 1 }
            }
        }
    }

    /// Every patch of one image on the grid, row by row of positions, into `out` (positions × F).
    func allPatches(_ image: UnsafePointer<Float>, to out: UnsafeMutablePointer<Float>) {
        let (rows, cols) = positions
        for py in 0..<rows {
            for px in 0..<cols {
                copyPatch(image, top: py * stride, left: px * stride, to: out + (py * cols + px) * patchLength)
            }
        }
    }

    /// Every patch on the grid of every image: (rows · positions) × F, image after image, positions
    /// row by row. Images are cut in parallel; the result does not depend on the thread count.
    public func densePatches(_ images: Matrix) throws -> Matrix {
        guard images.cols == imageLength else {
            throw ClassifierError.invalidData(model: "BagOfVisualWords",
                reason: "the images have \(images.cols) values but \(channels)×\(height)×\(width) needs \(imageLength); check imageHeight, imageWidth and channels")
        }
        let perImage = positions.rows * positions.cols
        var out = Matrix(rows: images.rows * perImage, cols: patchLength)
        images.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }   // no images or no values
                Parallel.forRange(0..<images.rows, grain: 16) { r in
                    for i in r { allPatches(s + i * imageLength, to: d + i * perImage * patchLength) }
                }
            }
        }
        return out
    }

    /// Centre (y, x) in pixels of every grid position, row by row (the order of `densePatches`).
    public var patchCentres: [(y: Float, x: Float)] {
        let (rows, cols) = positions
        let half = Float(patchSize - 1) / 2
        return (0..<rows * cols).map { p in (Float(p / cols * stride) + half, Float(p % cols * stride) + half) }
    }

    /// `count` patches at uniformly random images and positions (any position, not only the grid).
    public func randomPatches(_ images: Matrix, count: Int, seed: UInt64) throws -> Matrix {
        guard images.cols == imageLength else {
            throw ClassifierError.invalidData(model: "BagOfVisualWords",
                reason: "the images have \(images.cols) values but \(channels)×\(height)×\(width) needs \(imageLength); check imageHeight, imageWidth and channels")
        }
        guard images.rows > 0 else { throw ClassifierError.invalidData(model: "BagOfVisualWords", reason: "there are no images") }
        guard count >= 1 else {
            throw ClassifierError.invalidHyperparameter(model: "BagOfVisualWords", name: "patchCount", reason: "it is \(count); use at least 1")
        }
        var rng = Xoshiro256(seed: seed)
        var out = Matrix(rows: count, cols: patchLength)
        images.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }   // zero-length patches: nothing to copy
                for p in 0..<count {
                    let i = rng.int(below: images.rows)
                    let top = rng.int(below: height - patchSize + 1)
                    let left = rng.int(below: width - patchSize + 1)
                    copyPatch(s + i * imageLength, top: top, left: left, to: d + p * patchLength)
                }
            }
        }
        return out
    }
}

/// Brightness and contrast normalization of every row: subtract the row mean, divide by
/// sqrt(variance + epsilon). epsilon keeps flat patches (background) from being blown up to noise.
public func normalizeContrast(_ patches: inout Matrix, epsilon: Float) {
    let f = patches.cols
    patches.data.withUnsafeMutableBufferPointer { p in
        guard let base = p.baseAddress else { return }
        Parallel.forRange(0..<patches.rows, grain: 4096) { rows in
            for i in rows { normalizeContrast(base + i * f, f, epsilon) }
        }
    }
}

@inline(__always)
func normalizeContrast(_ row: UnsafeMutablePointer<Float>, _ f: Int, _ epsilon: Float) {
    var mean: Float = 0
    for j in 0..<f { mean += row[j] }
    mean /= Float(f)
    var variance: Float = 0
    for j in 0..<f { let t = row[j] - mean; variance += t * t }
    // Unbiased variance, as Coates & Ng (MATLAB's var) use.
    variance /= Float(max(f - 1, 1))
    let scale = 1 / (variance + epsilon).squareRoot()
    for j in 0..<f { row[j] = (row[j] - mean) * scale }
}
