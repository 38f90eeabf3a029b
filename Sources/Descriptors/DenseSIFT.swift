// Dense SIFT (Lowe's descriptor on a regular grid, no detector) as VLFeat 0.9.21's `vl_dsift`
// computes it through the C API (vl_dsift_new_basic, vl_dsift_set_flat_window, vl_dsift_process,
// vl_dsift_get_descriptors), and PHOW's several scales (Bosch, Zisserman, Muñoz, ICCV 2007).
//
// Legend: H × W = image, b = bin size (pixels), s = step, T = 8 orientations, 4 × 4 spatial bins,
// frame = 3b + 1 pixels square (the centres of its outer bins are 3b apart), FY × FX = frames
// ((H − 1 − 3b) / s + 1 rows of frames, likewise across). Each frame gives 128 values, bin (bx, by)
// orientation t at index t + 8·bx + 32·by (VLFeat's C layout: x before y, no transposition).
//
// What vl_dsift_process does, step by step (and this file does the same):
//   1. gradients by central differences, one-sided at the border, on the float32 image;
//   2. angle by VLFeat's fast atan2 (a cubic in r, error up to ≈ 0.005 rad: kept, because the
//      descriptors are defined by it), magnitude √(gx² + gy²) (0 below 1e-8 under the root);
//      the magnitude is split linearly between the two nearest of T orientation bins;
//   3. every orientation plane is convolved, per spatial bin, with the separable bilinear kernel
//      (1 − |k|/b) · exp(−½ ((k − δ)/σ)²), |k| < b, δ = b·(bin − 1.5), σ = b·windowSize (default 2),
//      borders padded by continuity, and sampled at the bin centres; the flat window (vl_dsift's
//      'fast') replaces the Gaussian by its mean over the kernel's support, one factor per bin;
//   4. each descriptor: L2-normalized (norm + FLT_EPSILON), clamped at 0.2, L2-normalized again.
// Values are VLFeat's C-API floats; its MATLAB wrapper would also transpose to y-before-x order,
// mirror the orientations and scale by 512 into bytes.
import Foundation
import Tensors

/// Dense SIFT options (VLFeat's `vl_dsift` with 4 × 4 × 8 geometry). `init` throws for impossible
/// ones; `descriptors(of:height:width:)` computes them.
public struct DenseSIFT: Equatable, Sendable, CustomStringConvertible {
    /// How the gradients inside a frame are weighted.
    public enum Window: String, Sendable, CaseIterable {
        /// A Gaussian of σ = b·windowSize over the frame, folded into every bin's kernel (vl_dsift's default).
        case gaussian
        /// The Gaussian's mean over each bin's support, one weight per bin (vl_dsift's 'fast', vl_dsift_set_flat_window).
        case flat
    }

    public static let spatialBins = 4
    public static let orientationBins = 8
    /// Values per descriptor: 4 × 4 × 8.
    public static let length = 128

    /// Side of a spatial bin, in pixels.
    public let binSize: Int
    /// Pixels between neighbouring frames, across and down.
    public let step: Int
    public let window: Window
    /// σ of the Gaussian window in bins (VLFeat's `windowSize`, default 2).
    public let windowSize: Float
    /// First pixel (column and row) a frame may cover: VLFeat's bounds start there, and end at the
    /// last pixel. PHOW moves this so that the frames of every scale share their centres.
    public let origin: Int

    public init(binSize: Int = 4, step: Int = 2, window: Window = .gaussian, windowSize: Float = 2, origin: Int = 0) throws {
        func bad(_ name: String, _ reason: String) -> DescriptorError { .invalidOption(descriptor: "dense SIFT", name: name, reason: reason) }
        guard (1...256).contains(binSize) else { throw bad("binSize", "it is \(binSize); use 1 to 256 pixels per spatial bin (4 suits 28×28 images)") }
        guard (1...1024).contains(step) else { throw bad("step", "it is \(step); use 1 to 1024 pixels between frames") }
        guard windowSize.isFinite, windowSize > 0 else { throw bad("windowSize", "it is \(windowSize); the Gaussian window needs a finite σ > 0 (VLFeat uses 2)") }
        guard (0...4096).contains(origin) else { throw bad("origin", "it is \(origin); use 0 to 4096 pixels") }
        self.binSize = binSize
        self.step = step
        self.window = window
        self.windowSize = windowSize
        self.origin = origin
    }

    public var description: String {
        "DenseSIFT(binSize: \(binSize), step: \(step), window: \(window.rawValue), windowSize: \(windowSize), origin: \(origin))"
    }

    /// Side of a frame in pixels, 3b + 1 (VLFeat's frameSize).
    public var frameSize: Int { binSize * (Self.spatialBins - 1) + 1 }

    /// Where the frames of an H × W image lie.
    public struct Layout: Equatable, Sendable {
        public let height: Int
        public let width: Int
        /// Frames down and across.
        public let rows: Int
        public let cols: Int
        public var count: Int { rows * cols }
        /// Centre of frame (row i, column j), in pixels: (origin + i·s + 1.5b, origin + j·s + 1.5b).
        public let firstCentre: Float
        public let step: Int
        public func centre(row: Int, col: Int) -> (y: Float, x: Float) {
            (firstCentre + Float(row * step), firstCentre + Float(col * step))
        }
    }

    /// The frames of H × W images; throws when not one frame fits.
    public func layout(height: Int, width: Int) throws -> Layout {
        guard height >= 2, width >= 2, height <= 1 << 15, width <= 1 << 15 else {
            throw DescriptorError.invalidImage(descriptor: "dense SIFT", reason: "the images are \(height)×\(width); both sides must be 2 to 32768 pixels")
        }
        let rangeY = height - 1 - origin - frameSize + 1, rangeX = width - 1 - origin - frameSize + 1
        guard rangeY >= 0, rangeX >= 0 else {
            throw DescriptorError.invalidOption(descriptor: "dense SIFT", name: "binSize",
                reason: "a frame of 4 bins of \(binSize) pixels needs \(frameSize + origin)×\(frameSize + origin) pixels\(origin > 0 ? " (with the offset \(origin))" : ""), "
                    + "but the images are \(height)×\(width); use a smaller bin size")
        }
        return Layout(height: height, width: width, rows: rangeY / step + 1, cols: rangeX / step + 1,
                      firstCentre: Float(origin) + 0.5 * Float(binSize * (Self.spatialBins - 1)), step: step)
    }

    /// Descriptors of one H × W grayscale image (row-major, float32): layout.count × 128, frames
    /// row by row. Pixels must be finite.
    public func descriptors(of image: [Float], height: Int, width: Int) throws -> Matrix {
        let layout = try self.layout(height: height, width: width)
        guard image.count == height * width else {
            throw DescriptorError.invalidImage(descriptor: "dense SIFT", reason: "the image has \(image.count) values but \(height)×\(width) images need \(height * width); check height and width")
        }
        guard image.allSatisfy({ $0.isFinite }) else {
            throw DescriptorError.invalidImage(descriptor: "dense SIFT", reason: "the image holds a value that is not finite (NaN or infinity)")
        }
        var out = Matrix(rows: layout.count, cols: Self.length)
        let workspace = Workspace(self, layout)
        image.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                if let s = src.baseAddress, let d = dst.baseAddress { describe(s, into: d, layout, workspace) }
            }
        }
        return out
    }

    /// Descriptors of every row of `images` (one H × W grayscale image per row): (rows · layout.count)
    /// × 128, image after image, frames row by row. Images are described in parallel; the result does
    /// not depend on the thread count.
    public func descriptors(of images: Matrix, height: Int, width: Int) throws -> Matrix {
        let layout = try self.layout(height: height, width: width)
        guard images.cols == height * width else {
            throw DescriptorError.invalidImage(descriptor: "dense SIFT", reason: "the images have \(images.cols) values each but \(height)×\(width) images need \(height * width); check height and width")
        }
        guard images.data.allSatisfy({ $0.isFinite }) else {
            throw DescriptorError.invalidImage(descriptor: "dense SIFT", reason: "the images hold a value that is not finite (NaN or infinity)")
        }
        let f = layout.count, plane = height * width
        var out = Matrix(rows: images.rows * f, cols: Self.length)
        images.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                Parallel.forRange(0..<images.rows, grain: 16) { range in
                    let workspace = Workspace(self, layout)
                    for i in range { describe(s + i * plane, into: d + i * f * Self.length, layout, workspace) }
                }
            }
        }
        return out
    }

    /// Every row of `images` (H × W each) smoothed by a Gaussian of σ, truncated at ⌈4σ⌉ and
    /// normalized, borders padded by continuity (vl_imsmooth's choices; PHOW smooths by σ = b/6 before
    /// each scale). σ ≤ 0.01 returns the images unchanged.
    public static func smoothed(_ images: Matrix, height h: Int, width w: Int, sigma: Float) throws -> Matrix {
        guard images.cols == h * w, h >= 1, w >= 1 else {
            throw DescriptorError.invalidImage(descriptor: "dense SIFT", reason: "the images have \(images.cols) values each but \(h)×\(w) images need \(h * w); check height and width")
        }
        guard sigma.isFinite, sigma >= 0 else { throw DescriptorError.invalidOption(descriptor: "dense SIFT", name: "sigma", reason: "it is \(sigma); use a finite σ ≥ 0") }
        guard sigma > 0.01 else { return images }
        let radius = Int((4 * sigma).rounded(.up))
        var kernel = (-radius...radius).map { expf(-0.5 * Float($0 * $0) / (sigma * sigma)) }
        let total = kernel.reduce(0, +)
        for i in kernel.indices { kernel[i] /= total }
        var out = images
        let plane = h * w
        images.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                Parallel.forRange(0..<images.rows, grain: 64) { range in
                    var scratch = [Float](repeating: 0, count: plane)
                    for i in range {
                        let a = i * plane
                        for y in 0..<h {
                            for x in 0..<w {
                                var sum: Float = 0
                                for (t, weight) in kernel.enumerated() { sum += weight * src[a + min(max(y + t - radius, 0), h - 1) * w + x] }
                                scratch[y * w + x] = sum
                            }
                        }
                        for y in 0..<h {
                            for x in 0..<w {
                                var sum: Float = 0
                                for (t, weight) in kernel.enumerated() { sum += weight * scratch[y * w + min(max(x + t - radius, 0), w - 1)] }
                                dst[a + y * w + x] = sum
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: - One image

    /// Kernels and scratch planes of one worker, made once per chunk of images.
    final class Workspace {
        let layout: Layout
        /// T planes of H × W oriented gradient magnitudes.
        let planes: UnsafeMutablePointer<Float>
        /// One plane filtered down the columns at the sampled rows of one bin row: FY × W.
        let rowsFiltered: UnsafeMutablePointer<Float>
        /// Per spatial bin (y then x), its 2b − 1 taps; the flat window keeps one weight per bin.
        let kernels: [[Float]]
        /// Row (or column) index of the continuity-padded source of every tap of every sample.
        let rowIndex: [Int32], colIndex: [Int32]

        init(_ sift: DenseSIFT, _ layout: Layout) {
            self.layout = layout
            let (h, w, b) = (layout.height, layout.width, sift.binSize)
            planes = .allocate(capacity: DenseSIFT.orientationBins * h * w)
            rowsFiltered = .allocate(capacity: layout.rows * w)
            let taps = 2 * b - 1
            let sigma = Float(b) * sift.windowSize
            var kernels: [[Float]] = []
            for bin in 0..<DenseSIFT.spatialBins {
                let delta = Float(b) * (Float(bin) - 0.5 * Float(DenseSIFT.spatialBins - 1))
                var ker = [Float](repeating: 0, count: taps)
                var mean: Float = 0
                for k in -(b - 1)...(b - 1) {
                    let z = (Float(k) - delta) / sigma
                    mean += expf(-0.5 * z * z)
                }
                mean /= Float(taps)
                for k in -(b - 1)...(b - 1) {
                    let z = (Float(k) - delta) / sigma
                    let tri = 1 - Float(abs(k)) / Float(b)
                    ker[k + b - 1] = tri * (sift.window == .gaussian ? expf(-0.5 * z * z) : mean)
                }
                kernels.append(ker)
            }
            self.kernels = kernels
            // Sample (frame i, bin n) sits at origin + i·s + n·b; tap k reads clamp(that − k).
            func indices(_ frames: Int, _ limit: Int) -> [Int32] {
                var out: [Int32] = []
                out.reserveCapacity(frames * DenseSIFT.spatialBins * taps)
                for i in 0..<frames {
                    for n in 0..<DenseSIFT.spatialBins {
                        let centre = sift.origin + i * sift.step + n * b
                        for k in -(b - 1)...(b - 1) { out.append(Int32(min(max(centre - k, 0), limit - 1))) }
                    }
                }
                return out
            }
            rowIndex = indices(layout.rows, h)
            colIndex = indices(layout.cols, w)
        }

        deinit {
            planes.deallocate()
            rowsFiltered.deallocate()
        }
    }

    /// VLFeat's fast atan2 (vl_fast_atan2_f): a cubic in r = (x − |y|)/(x + |y|) around π/4 or 3π/4.
    @inline(__always) static func fastAtan2(_ y: Float, _ x: Float) -> Float {
        let absY = abs(y) + Float.ulpOfOne
        var angle: Float, r: Float
        if x >= 0 {
            r = (x - absY) / (x + absY)
            angle = Float(Double.pi / 4)
        } else {
            r = (x + absY) / (absY - x)
            angle = Float(3 * Double.pi / 4)
        }
        angle += (0.1821 * r * r - 0.9675) * r
        return y < 0 ? -angle : angle
    }

    /// Descriptors of the image at `src` (H × W) into `dst` (layout.count × 128).
    func describe(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ layout: Layout, _ ws: Workspace) {
        let (h, w, b) = (layout.height, layout.width, binSize)
        let tBins = Self.orientationBins, plane = h * w
        let planes = ws.planes
        planes.initialize(repeating: 0, count: tBins * plane)
        let twoPi = Float(2 * Double.pi)
        let binsPerRadian = Double(tBins) / (2 * Double.pi)
        for y in 0..<h {
            let row = src + y * w
            let up = y == 0 ? row : row - w, down = y == h - 1 ? row : row + w
            let yScale: Float = (y == 0 || y == h - 1) ? 1 : 0.5
            for x in 0..<w {
                let gy = yScale * (down[x] - up[x])
                let gx: Float
                if x == 0 { gx = row[1] - row[0] } else if x == w - 1 { gx = row[x] - row[x - 1] } else { gx = 0.5 * (row[x + 1] - row[x - 1]) }
                let square = gx * gx + gy * gy
                let magnitude = square < 1e-8 ? 0 : square.squareRoot()
                var angle = Self.fastAtan2(gy, gx)
                while angle > twoPi { angle -= twoPi }
                while angle < 0 { angle += twoPi }
                let nt = Float(Double(angle) * binsPerRadian)
                let lower = Int(nt.rounded(.down))
                let fraction = nt - Float(lower)
                let p = y * w + x
                planes[(lower % tBins) * plane + p] = (1 - fraction) * magnitude
                planes[((lower + 1) % tBins) * plane + p] = fraction * magnitude
            }
        }
        let taps = 2 * b - 1, nb = Self.spatialBins, length = Self.length
        let filtered = ws.rowsFiltered
        ws.rowIndex.withUnsafeBufferPointer { rowIndex in
            ws.colIndex.withUnsafeBufferPointer { colIndex in
                for t in 0..<tBins {
                    let g = planes + t * plane
                    for by in 0..<nb {
                        // Down the columns at the sampled rows of bin row `by`: FY × W.
                        ws.kernels[by].withUnsafeBufferPointer { ky in
                            for i in 0..<layout.rows {
                                let out = filtered + i * w
                                out.initialize(repeating: 0, count: w)
                                let base = (i * nb + by) * taps
                                for k in 0..<taps {
                                    let weight = ky[k], source = g + Int(rowIndex[base + k]) * w
                                    for x in 0..<w { out[x] += weight * source[x] }
                                }
                            }
                        }
                        // Across, at the sampled columns of every bin column.
                        for bx in 0..<nb {
                            ws.kernels[bx].withUnsafeBufferPointer { kx in
                                let slot = t + bx * tBins + by * nb * tBins
                                for i in 0..<layout.rows {
                                    let source = filtered + i * w
                                    for j in 0..<layout.cols {
                                        let base = (j * nb + bx) * taps
                                        var s: Float = 0
                                        for k in 0..<taps { s += kx[k] * source[Int(colIndex[base + k])] }
                                        dst[(i * layout.cols + j) * length + slot] = s
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for f in 0..<layout.count { Self.normalize(dst + f * length) }
    }

    /// L2 (norm + FLT_EPSILON), clamp at 0.2, L2 again: vl_dsift's normalization of one descriptor.
    @inline(__always) static func normalize(_ d: UnsafeMutablePointer<Float>) {
        for pass in 0..<2 {
            var square: Float = 0
            for k in 0..<length { square += d[k] * d[k] }
            let norm = (square < 1e-8 ? 0 : square.squareRoot()) + Float.ulpOfOne
            for k in 0..<length { d[k] /= norm }
            if pass == 0 { for k in 0..<length where d[k] > 0.2 { d[k] = 0.2 } }
        }
    }
}
