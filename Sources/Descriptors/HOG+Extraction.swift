// HOG extraction: one image at a time through row buffers (gradient, magnitude, bin), many images
// in parallel, with the bin boundaries tabulated once per descriptor and no allocation per image.
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
// Here step 3–4's bin comes from the sign of the cross product of the folded gradient with each
// inner boundary direction (no arctangent); a gradient within 1e-5 (relative) of a boundary is
// binned the reference's way instead, arctangent in double and all, so ties fall as they do there.
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
        let out = [Float](unsafeUninitializedCapacity: images.rows * f) { buffer, initialized in
            let dst = buffer.baseAddress!
            images.data.withUnsafeBufferPointer { srcBuffer in
                let src = srcBuffer.baseAddress!
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
            throw images.data.withUnsafeBufferPointer { valueError(image: bad, $0.baseAddress! + bad * pixels, layout) }
        }
        return Matrix(rows: images.rows, cols: f, data: out)
    }

    /// HOG features of one H × W grayscale image (row-major); see `features(of:height:width:)`.
    public func features(of image: [Float], height: Int, width: Int) throws -> [Float] {
        try features(of: Matrix(rows: 1, cols: image.count, data: image), height: height, width: width).data
    }

    // MARK: - One image

    /// Scratch buffers of one worker: row buffers of the cropped width, the cell histograms, a block.
    final class Workspace {
        let gx, gy, fx, fy, magnitude, count, nearest: UnsafeMutablePointer<Float>
        let histogram: UnsafeMutablePointer<Float>
        let block: UnsafeMutablePointer<Double>
        let rooted: UnsafeMutablePointer<Float>?
        /// Cell column of every pixel column (x / cw), so the vote loop does not divide.
        let cellOfColumn: UnsafeMutablePointer<Int>

        init(_ hog: HOG, _ layout: Layout) {
            let width = layout.cells.cols * hog.pixelsPerCell.cols
            func floats(_ n: Int) -> UnsafeMutablePointer<Float> { .allocate(capacity: max(n, 1)) }
            (gx, gy, fx, fy) = (floats(width), floats(width), floats(width), floats(width))
            (magnitude, count, nearest) = (floats(width), floats(width), floats(width))
            histogram = floats(layout.cells.rows * layout.cells.cols * hog.orientations)
            block = .allocate(capacity: layout.blockLength)
            rooted = hog.transformSqrt ? floats(layout.height * layout.width) : nil
            cellOfColumn = .allocate(capacity: max(width, 1))
            for x in 0..<width { cellOfColumn[x] = x / hog.pixelsPerCell.cols }
        }

        func deallocate() {
            for p in [gx, gy, fx, fy, magnitude, count, nearest, histogram] { p.deallocate() }
            block.deallocate()
            rooted?.deallocate()
            cellOfColumn.deallocate()
        }
    }

    /// Writes the `layout.featureCount` features of the H × W image at `image` to `out`; returns
    /// false when a histogram is not finite (a NaN or infinite pixel, or a negative one under √).
    func describe(_ image: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ layout: Layout, _ ws: Workspace) -> Bool {
        let (h, w, n) = (layout.height, layout.width, orientations)
        let (ch, cw) = (pixelsPerCell.rows, pixelsPerCell.cols)
        let (cellRows, cellCols) = (layout.cells.rows, layout.cells.cols)
        let (cropH, cropW) = (cellRows * ch, cellCols * cw)
        var src = image
        if let rooted = ws.rooted {
            // Rows past the crop's next one never reach a gradient.
            for i in 0..<(min(h, cropH + 1) * w) { rooted[i] = image[i].squareRoot() }
            src = UnsafePointer(rooted)
        }
        let histogramCount = cellRows * cellCols * n
        ws.histogram.update(repeating: 0, count: histogramCount)
        let (gx, gy, fx, fy) = (ws.gx, ws.gy, ws.fx, ws.fy)
        let (magnitude, count, nearest) = (ws.magnitude, ws.count, ws.nearest)
        let tolerance: Float = 1e-5
        // Central differences exist for columns 1..<W−1 (g_col is 0 in the first and last column).
        let interiorEnd = min(cropW, w - 1)
        boundaryCos.withUnsafeBufferPointer { cosines in
            boundarySin.withUnsafeBufferPointer { sines in
                for y in 0..<cropH {
                    let row = src + y * w
                    gx[0] = 0
                    if interiorEnd > 1 { for x in 1..<interiorEnd { gx[x] = row[x + 1] - row[x - 1] } }
                    for x in max(interiorEnd, 1)..<max(cropW, 1) { gx[x] = 0 }
                    if y > 0 && y < h - 1 {
                        let (up, down) = (row - w, row + w)
                        for x in 0..<cropW { gy[x] = down[x] - up[x] }
                    } else {
                        gy.update(repeating: 0, count: cropW)
                    }
                    // Fold onto the upper half plane: orientation θ ∈ [0°, 180°) with fy > 0, or fy = 0 and θ = 0.
                    for x in 0..<cropW {
                        let (a, b) = (gx[x], gy[x])
                        magnitude[x] = (a * a + b * b).squareRoot()
                        let flip = b < 0 || (b == 0 && a < 0)
                        fx[x] = flip ? -a : a
                        fy[x] = flip ? -b : b
                        count[x] = 0
                        nearest[x] = fy[x]
                    }
                    // θ > boundary k ⇔ fy·cos φk − fx·sin φk > 0, since both angles lie in [0°, 180°).
                    for k in 0..<cosines.count {
                        let (c, s) = (cosines[k], sines[k])
                        for x in 0..<cropW {
                            let cross = fy[x] * c - fx[x] * s
                            count[x] += cross > 0 ? 1 : 0
                            nearest[x] = min(nearest[x], abs(cross))
                        }
                    }
                    let cellRow = ws.histogram + (y / ch) * cellCols * n
                    for x in 0..<cropW {
                        var bin = Int(count[x])
                        if fy[x] != 0 && nearest[x] <= tolerance * (abs(fx[x]) + fy[x]) {
                            bin = referenceBin(gx[x], gy[x])
                            if bin < 0 { continue }
                        }
                        cellRow[ws.cellOfColumn[x] * n + bin] += magnitude[x]
                    }
                }
            }
        }
        let area = Float(ch * cw)
        var finite = true
        for i in 0..<histogramCount {
            let v = ws.histogram[i] / area
            ws.histogram[i] = v
            finite = finite && v.isFinite
        }
        guard finite else { return false }
        normalizeBlocks(ws.histogram, into: out, layout, ws.block)
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

    /// Every block of br × bc cells, concatenated cell by cell and normalized (in double, as the
    /// reference does), into `out` block by block.
    func normalizeBlocks(_ histogram: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ layout: Layout,
                         _ block: UnsafeMutablePointer<Double>) {
        let n = orientations
        let (br, bc) = (cellsPerBlock.rows, cellsPerBlock.cols)
        let cellCols = layout.cells.cols
        let length = layout.blockLength
        let epsilon = HOG.epsilon
        let clip = Double(self.clip)
        var o = out
        for r in 0..<layout.blocks.rows {
            for c in 0..<layout.blocks.cols {
                var j = 0
                for i in 0..<br {
                    let cells = histogram + ((r + i) * cellCols + c) * n
                    for k in 0..<(bc * n) { block[j] = Double(cells[k]); j += 1 }
                }
                switch blockNormalization {
                case .l1, .l1Sqrt:
                    var sum = 0.0
                    for k in 0..<length { sum += abs(block[k]) }
                    let scale = 1 / (sum + epsilon)
                    if blockNormalization == .l1 {
                        for k in 0..<length { o[k] = Float(block[k] * scale) }
                    } else {
                        for k in 0..<length { o[k] = Float((block[k] * scale).squareRoot()) }
                    }
                case .l2:
                    let scale = 1 / (sumOfSquares(block, length) + epsilon * epsilon).squareRoot()
                    for k in 0..<length { o[k] = Float(block[k] * scale) }
                case .l2Hys:
                    let scale = 1 / (sumOfSquares(block, length) + epsilon * epsilon).squareRoot()
                    for k in 0..<length { block[k] = min(block[k] * scale, clip) }
                    let rescale = 1 / (sumOfSquares(block, length) + epsilon * epsilon).squareRoot()
                    for k in 0..<length { o[k] = Float(block[k] * rescale) }
                }
                o += length
            }
        }
    }

    @inline(__always)
    func sumOfSquares(_ v: UnsafePointer<Double>, _ n: Int) -> Double {
        var s = 0.0
        for k in 0..<n { s += v[k] * v[k] }
        return s
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
