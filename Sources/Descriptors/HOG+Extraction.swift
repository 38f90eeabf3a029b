// HOG extraction: one image at a time through a padded copy and row buffers (magnitude, bin), eight
// pixels per vector step, many images in parallel, with no allocation per image.
//
// Legend as in HOG.swift: H × W = image, ch × cw = pixels per cell, CR × CC = cells, n = orientations.
//
// What scikit-image computes, step by step (skimage/feature/_hog.py and _hoghistogram.pyx, 0.2x):
//   1. optionally √ of every pixel;
//   2. g_row, g_col = central differences image[y+1] − image[y−1] (and along x), 0 in the first and
//      last row (g_row) and column (g_col), in the image's float type (float32 here);
//   3. magnitude hypot(g_row, g_col); orientation rad2deg(arctan2(g_row, g_col)) mod 180 in double;
//   4. pixel (y, x) votes its magnitude into cell (y / ch, x / cw) for y < CR·ch, x < CC·cw, bin i
//      when i·180/n ≤ orientation < (i+1)·180/n (an orientation that rounds to 180.0 votes nowhere);
//      each cell sums in float32, row by row, and divides by ch·cw;
//   5. every block of br × bc cells, concatenated, normalized (ε = 1e-5).
// Here step 3–4's bin comes from a float32 polynomial arctangent of the folded gradient (error
// below 1.2e-5 rad); a gradient whose angle lands within five times that of a bin boundary is
// binned the reference's way instead, arctangent in double and all, so ties fall as they do there.
//
// The loops index raw buffers through unsafe pointers; every offset comes from a `Layout` that
// `layout(height:width:)` checked and from the batch's column count checked against it.
import Foundation
import Tensors

extension HOG {
    /// HOG features of every row of `images`: one H × W grayscale image per row, row-major, any
    /// scale (the suite's data sets hold k/255 in [0, 1]). Returns images.rows × `featureCount`.
    ///
    /// The values equal `skimage.feature.hog` on the same float32 array with the same options (to
    /// float32 rounding; the tests hold them to 1e-4). Pixels must be finite, and ≥ 0 with
    /// `transformSqrt`; a last partial cell of a row or column is ignored, as scikit-image does.
    /// Images are described in parallel; the result does not depend on the thread count.
    public func features(of images: Matrix, height: Int, width: Int) throws -> Matrix {
        let layout = try self.layout(height: height, width: width)
        let (pixels, overflow) = height.multipliedReportingOverflow(by: width)
        guard !overflow, images.cols == pixels else {
            throw DescriptorError.invalidImage(descriptor: "HOG",
                reason: "the images have \(images.cols) values each but \(height)×\(width) images need \(overflow ? "more" : "\(pixels)"); check height and width")
        }
        let f = layout.featureCount
        guard images.rows > 0 else { return Matrix(rows: 0, cols: f) }
        // Wide enough that a chunk's workspace is set up rarely, narrow enough to balance two cores.
        let grain = max(1, 65_536 / max(pixels, 1))
        var failures: [Int?] = []
        let out = try [Float](unsafeUninitializedCapacity: images.rows * f) { buffer, initialized in
            guard let dst = buffer.baseAddress else { return }   // no features to write (rows × f is 0)
            try images.data.withUnsafeBufferPointer { srcBuffer in
                guard let src = srcBuffer.baseAddress else {
                    throw DescriptorError.invalidImage(descriptor: "HOG", reason: "the images hold no pixel values")
                }
                failures = Parallel.mapChunks(0..<images.rows, grain: grain) { range -> Int? in
                    let workspace = Workspace(self, layout)
                    defer { workspace.deallocate() }
                    var firstBad: Int?
                    for i in range where !describe(src + i * pixels, into: dst + i * f, layout, workspace) {
                        if firstBad == nil { firstBad = i }
                    }
                    return firstBad
                }
            }
            initialized = images.rows * f
        }
        if let bad = failures.lazy.compactMap({ $0 }).first {
            throw images.data.withUnsafeBufferPointer { p -> DescriptorError in
                guard let base = p.baseAddress else { return .invalidImage(descriptor: "HOG", reason: "the images hold no pixel values") }
                return valueError(image: bad, base + bad * pixels, layout)
            }
        }
        return Matrix(rows: images.rows, cols: f, data: out)
    }

    /// HOG features of a batch of grayscale images shaped N × H × W or N × 1 × H × W (as
    /// `Dataset.images` gives them); see `features(of:height:width:)`.
    public func features(of images: Tensor) throws -> Matrix {
        let s = images.shape
        guard s.count == 3 || (s.count == 4 && s[1] == 1) else {
            throw DescriptorError.invalidImage(descriptor: "HOG",
                reason: "the images have shape \(s); HOG takes grayscale batches N×H×W or N×1×H×W (convert colour images to gray first)")
        }
        let (h, w) = (s[s.count - 2], s[s.count - 1])
        return try features(of: Matrix(rows: s[0], cols: s[0] == 0 ? h * w : images.count / s[0], data: images.data), height: h, width: w)
    }

    /// HOG features of one H × W grayscale image (row-major); see `features(of:height:width:)`.
    public func features(of image: [Float], height: Int, width: Int) throws -> [Float] {
        try features(of: Matrix(rows: 1, cols: image.count, data: image), height: height, width: width).data
    }

    // MARK: - One image

    /// Lanes of the row kernel.
    typealias Lanes = SIMD8<Float>

    /// Scratch buffers of one worker, allocated once per chunk of images.
    final class Workspace {
        /// The image (its square root with `transformSqrt`) on rows −1...CR·ch and columns −1...V,
        /// V = CC·cw rounded up to the lanes, with border copies that make the reference's zero
        /// border gradients come out of the same central difference: row −1 is row 1, row H is row
        /// H − 2, column −1 is column 1, column W is column W − 2; anything further is 0.
        let padded: UnsafeMutablePointer<Float>
        let stride: Int
        /// Per pixel of a row: its magnitude and its bin (a whole number as a float; −1: no bin).
        let magnitude, bin: UnsafeMutablePointer<Float>
        /// CR × CC × n cell histograms, then per cell the sum and the sum of squares of its bins.
        let histogram, cellSum, cellSquares: UnsafeMutablePointer<Float>
        /// Cell column of every pixel column (x / cw), so the vote loop does not divide.
        let cellOfColumn: UnsafeMutablePointer<Int>

        init(_ hog: HOG, _ layout: Layout) {
            let cropW = layout.cells.cols * hog.pixelsPerCell.cols
            let lanes = (cropW + Lanes.scalarCount - 1) / Lanes.scalarCount * Lanes.scalarCount
            stride = lanes + 2
            let rows = layout.cells.rows * hog.pixelsPerCell.rows + 2
            padded = .allocate(capacity: rows * stride)
            magnitude = .allocate(capacity: lanes)
            bin = .allocate(capacity: lanes)
            let cells = layout.cells.rows * layout.cells.cols
            histogram = .allocate(capacity: cells * hog.orientations)
            cellSum = .allocate(capacity: cells)
            cellSquares = .allocate(capacity: cells)
            cellOfColumn = .allocate(capacity: cropW)
            for x in 0..<cropW { cellOfColumn[x] = x / hog.pixelsPerCell.cols }
        }

        func deallocate() {
            for p in [padded, magnitude, bin, histogram, cellSum, cellSquares] { p.deallocate() }
            cellOfColumn.deallocate()
        }
    }

    /// Fills `ws.padded` from the H × W image (see `Workspace.padded`).
    func pad(_ image: UnsafePointer<Float>, _ layout: Layout, _ ws: Workspace) {
        let (h, w) = (layout.height, layout.width)
        let cropH = layout.cells.rows * pixelsPerCell.rows
        let stride = ws.stride
        let last = stride - 2  // V: the padded row holds image columns −1 ... V
        let copied = min(w, last + 1)
        for r in -1...cropH {
            let dst = ws.padded + (r + 1) * stride + 1
            let source: Int? = r >= 0 && r < h ? r : (r == -1 ? (h >= 2 ? 1 : nil) : (h >= 2 ? h - 2 : nil))
            guard let sr = source else { (dst - 1).update(repeating: 0, count: stride); continue }
            let row = image + sr * w
            dst.update(from: row, count: copied)
            if copied <= last { (dst + copied).update(repeating: 0, count: last + 1 - copied) }
            dst[-1] = w >= 2 ? row[1] : 0
            if w <= last { dst[w] = w >= 2 ? row[w - 2] : 0 }
            if transformSqrt { for c in -1...last { dst[c] = dst[c].squareRoot() } }
        }
    }

    /// Writes the `layout.featureCount` features of the H × W image at `image` to `out`; returns
    /// false when a histogram is not finite (a NaN or infinite pixel, or a negative one under √).
    func describe(_ image: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ layout: Layout, _ ws: Workspace) -> Bool {
        let n = orientations
        let (ch, cw) = (pixelsPerCell.rows, pixelsPerCell.cols)
        let (cellRows, cellCols) = (layout.cells.rows, layout.cells.cols)
        let (cropH, cropW) = (cellRows * ch, cellCols * cw)
        pad(image, layout, ws)
        let histogram = ws.histogram
        var finite = true
        histogram.update(repeating: 0, count: cellRows * cellCols * n)
        let (magnitude, bins, cellOfColumn, stride) = (ws.magnitude, ws.bin, ws.cellOfColumn, ws.stride)
        // Bins per radian, and how close (in bins) to a boundary the fast angle must not come:
        // 2e-5·n bins is 6.3e-5 rad, five times the arctangent's error bound (1.2e-5 rad with rounding).
        let binsPerRadian = Lanes(repeating: Float(Double(n) / Double.pi))
        let nearBoundary = Lanes(repeating: Float(2e-5 * Double(n)))
        let lastBin = Lanes(repeating: Float(n - 1))
        let (zero, one) = (Lanes(repeating: 0), Lanes(repeating: 1))
        let (halfPi, pi) = (Lanes(repeating: Float.pi / 2), Lanes(repeating: Float.pi))
        // Abramowitz & Stegun 4.4.49: arctan z on [0, 1] within 1e-5.
        let (a1, a3, a5) = (Lanes(repeating: 0.9998660), Lanes(repeating: -0.3302995), Lanes(repeating: 0.1801410))
        let (a7, a9) = (Lanes(repeating: -0.0851330), Lanes(repeating: 0.0208351))
        let roundingMagic = Lanes(repeating: 12_582_912)  // 1.5·2²³: (t + it) − it rounds t to an integer
        for y in 0..<cropH {
            let centre = UnsafeRawPointer(ws.padded + (y + 1) * stride + 1)
            let rowBytes = stride * MemoryLayout<Float>.stride
            for x0 in Swift.stride(from: 0, to: cropW, by: Lanes.scalarCount) {
                let at = x0 * MemoryLayout<Float>.stride
                let gx = centre.loadUnaligned(fromByteOffset: at + 4, as: Lanes.self)
                    - centre.loadUnaligned(fromByteOffset: at - 4, as: Lanes.self)
                let gy = centre.loadUnaligned(fromByteOffset: at + rowBytes, as: Lanes.self)
                    - centre.loadUnaligned(fromByteOffset: at - rowBytes, as: Lanes.self)
                let m = (gx * gx + gy * gy).squareRoot()
                // Fold onto the upper half plane: θ ∈ [0, π) with fy > 0, or fy = 0 and θ = 0.
                // (Selects, not pointwiseMin/Max or abs: those are not inlined for SIMD8.)
                let flip = (gy .< zero) .| ((gy .== zero) .& (gx .< zero))
                let fx = gx.replacing(with: -gx, where: flip)
                let fy = gy.replacing(with: -gy, where: flip)
                let ax = fx.replacing(with: -fx, where: fx .< zero)
                let steep = fy .> ax
                let big = ax.replacing(with: fy, where: steep)
                let z = ax.replacing(with: fy, where: .!steep) / big.replacing(with: one, where: big .== zero)
                let z2 = z * z
                let atan = z * (a1 + z2 * (a3 + z2 * (a5 + z2 * (a7 + z2 * a9))))
                let quadrant = atan.replacing(with: halfPi - atan, where: steep)
                let theta = quadrant.replacing(with: pi - quadrant, where: fx .< zero)
                let t = theta * binsPerRadian
                let rounded = (t + roundingMagic) - roundingMagic
                var bin = rounded.replacing(with: rounded - one, where: rounded .> t)
                bin.replace(with: lastBin, where: bin .> lastBin)
                let offset = t - rounded
                let near = (fy .!= zero) .& (offset .< nearBoundary) .& (offset .> -nearBoundary)
                if any(near) {
                    for l in 0..<Lanes.scalarCount where near[l] { bin[l] = Float(referenceBin(gx[l], gy[l])) }
                }
                UnsafeMutableRawPointer(magnitude + x0).storeBytes(of: m, as: Lanes.self)
                UnsafeMutableRawPointer(bins + x0).storeBytes(of: bin, as: Lanes.self)
            }
            // Votes in the reference's order within each cell: row by row, left to right. A NaN or
            // infinite magnitude (whose bin is meaningless) makes the image fail.
            let cellRow = histogram + (y / ch) * cellCols * n
            for x in 0..<cropW {
                let v = magnitude[x]
                // Adding 0 changes no sum, and background pixels are mostly 0: skipping them
                // shortens the chains of adds into one bin.
                if v == 0 { continue }
                guard v < .infinity else { finite = false; continue }
                let b = Int(bins[x])
                if b >= 0 { cellRow[cellOfColumn[x] * n + b] += v }
            }
        }
        guard finite else { return false }
        let area = Float(ch * cw)
        for cell in 0..<(cellRows * cellCols) {
            var (sum, squares): (Float, Float) = (0, 0)
            for o in 0..<n {
                let v = histogram[cell * n + o] / area
                histogram[cell * n + o] = v
                sum += v
                squares += v * v
            }
            ws.cellSum[cell] = sum
            ws.cellSquares[cell] = squares
            finite = finite && squares.isFinite
        }
        guard finite else { return false }
        normalizeBlocks(into: out, layout, ws)
        return true
    }

    /// The bin scikit-image gives gradient (g_col, g_row) = (a, b): its arctangent in double, in
    /// degrees, modulo 180 as numpy's `%`, then the first bin i with i·w ≤ θ < (i+1)·w, w = 180/n;
    /// −1 when θ rounded to 180.0 and no bin takes it.
    func referenceBin(_ a: Float, _ b: Float) -> Int {
        let degrees = atan2(Double(b), Double(a)) * (180.0 / Double.pi)
        var theta = fmod(degrees, 180)
        if theta != 0 {
            if theta < 0 { theta += 180 }
        } else {
            theta = 0
        }
        let width = 180.0 / Double(orientations)
        for i in 0..<orientations where theta >= width * Double(i) && theta < width * Double(i + 1) { return i }
        return -1
    }

    /// Every block of br × bc cells, concatenated cell by cell and normalized, into `out` block by
    /// block. The block sums come from the per-cell sums; float32 throughout (the reference
    /// normalizes in double: the two agree to about 1e-7).
    func normalizeBlocks(into out: UnsafeMutablePointer<Float>, _ layout: Layout, _ ws: Workspace) {
        let n = orientations
        let (br, bc) = (cellsPerBlock.rows, cellsPerBlock.cols)
        let cellCols = layout.cells.cols
        let segment = bc * n  // the cells of one block row lie side by side in the histogram
        let epsilon = Float(HOG.epsilon)
        var o = out
        for r in 0..<layout.blocks.rows {
            for c in 0..<layout.blocks.cols {
                var (sum, squares): (Float, Float) = (0, 0)
                for i in 0..<br {
                    for j in 0..<bc { sum += ws.cellSum[(r + i) * cellCols + c + j]; squares += ws.cellSquares[(r + i) * cellCols + c + j] }
                }
                switch blockNormalization {
                case .l1:
                    let scale = 1 / (sum + epsilon)
                    forEachSegment(r, c, cellCols, o) { src, dst in for k in 0..<segment { dst[k] = src[k] * scale } }
                case .l1Sqrt:
                    let scale = 1 / (sum + epsilon)
                    forEachSegment(r, c, cellCols, o) { src, dst in for k in 0..<segment { dst[k] = (src[k] * scale).squareRoot() } }
                case .l2:
                    let scale = 1 / (squares + epsilon * epsilon).squareRoot()
                    forEachSegment(r, c, cellCols, o) { src, dst in for k in 0..<segment { dst[k] = src[k] * scale } }
                case .l2Hys:
                    let scale = 1 / (squares + epsilon * epsilon).squareRoot()
                    // Four running sums, so the adds do not wait on each other.
                    var (s0, s1, s2, s3): (Float, Float, Float, Float) = (0, 0, 0, 0)
                    forEachSegment(r, c, cellCols, o) { src, dst in
                        var k = 0
                        while k + 4 <= segment {
                            let (v0, v1) = (min(src[k] * scale, clip), min(src[k + 1] * scale, clip))
                            let (v2, v3) = (min(src[k + 2] * scale, clip), min(src[k + 3] * scale, clip))
                            dst[k] = v0; dst[k + 1] = v1; dst[k + 2] = v2; dst[k + 3] = v3
                            s0 += v0 * v0; s1 += v1 * v1; s2 += v2 * v2; s3 += v3 * v3
                            k += 4
                        }
                        while k < segment {
                            let v = min(src[k] * scale, clip)
                            dst[k] = v
                            s0 += v * v
                            k += 1
                        }
                    }
                    let rescale = 1 / ((s0 + s1) + (s2 + s3) + epsilon * epsilon).squareRoot()
                    for k in 0..<layout.blockLength { o[k] *= rescale }
                }
                o += layout.blockLength
            }
        }

        /// Calls `body(cells, destination)` for each of the block's br rows of bc·n histogram values.
        @inline(__always)
        func forEachSegment(_ r: Int, _ c: Int, _ cellCols: Int, _ o: UnsafeMutablePointer<Float>,
                            _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
            for i in 0..<br { body(ws.histogram + ((r + i) * cellCols + c) * n, o + i * segment) }
        }
    }

    /// The error for an image whose histograms were not finite, naming the pixel that made them so.
    func valueError(image index: Int, _ image: UnsafePointer<Float>, _ layout: Layout) -> DescriptorError {
        let pixels = layout.height * layout.width
        func place(_ j: Int) -> String { "pixel (\(j / layout.width), \(j % layout.width)) of image \(index)" }
        if let j = (0..<pixels).first(where: { !image[$0].isFinite }) {
            return .invalidImage(descriptor: "HOG", reason: "\(place(j)) is \(image[j]); replace NaN and infinite values first")
        }
        if transformSqrt, let j = (0..<pixels).first(where: { image[$0] < 0 }) {
            return .invalidImage(descriptor: "HOG",
                reason: "\(place(j)) is \(image[j]) and transformSqrt takes square roots; pass pixels ≥ 0 or turn transformSqrt off")
        }
        return .invalidImage(descriptor: "HOG",
            reason: "image \(index) overflows the gradient magnitude in float32; scale its pixels down (to [0, 1], say)")
    }
}
