// Resampling to a new size: area averaging when shrinking (every source pixel counts, no
// aliasing of thin strokes), bilinear interpolation when enlarging; each axis is handled on its own.

extension Image {
    /// The image resampled to `width` × `height`, each axis independently: an axis that shrinks is
    /// area-averaged (each output pixel is the coverage-weighted mean of the source pixels under
    /// it), an axis that grows (or keeps its size) is interpolated bilinearly with pixel centers
    /// aligned (`source = (x + 0.5) · old / new − 0.5`, clamped at the borders). Channels, alpha
    /// included, are filtered independently; results are rounded to nearest. Deterministic: the
    /// same input gives the same bytes on every run.
    ///
    /// - Precondition: `width` and `height` are ≥ 0.
    public func resized(width newWidth: Int, height newHeight: Int) -> Image {
        precondition(newWidth >= 0 && newHeight >= 0, "resized: negative size \(newWidth)×\(newHeight)")
        if newWidth == width && newHeight == height { return self }
        // Nothing to sample from: the result is black.
        if width == 0 || height == 0 || newWidth == 0 || newHeight == 0 {
            return Image(width: newWidth, height: newHeight, channels: channels)
        }
        let c = channels
        let columns = ResampleTaps(from: width, to: newWidth)
        let rows = ResampleTaps(from: height, to: newHeight)

        // Horizontal pass: height × newWidth × c.
        var horizontal = [Double](repeating: 0, count: height * newWidth * c)
        pixels.withUnsafeBufferPointer { input in
            horizontal.withUnsafeMutableBufferPointer { out in
                for y in 0..<height {
                    let inRow = y * width * c, outRow = y * newWidth * c
                    for x in 0..<newWidth {
                        for t in columns.range(x) {
                            let w = columns.weights[t], s = inRow + columns.indices[t] * c
                            for k in 0..<c { out[outRow + x * c + k] += w * Double(input[s + k]) }
                        }
                    }
                }
            }
        }
        // Vertical pass: newHeight × newWidth × c, rounded back to 8 bits.
        var output = [UInt8](repeating: 0, count: newHeight * newWidth * c)
        let rowLength = newWidth * c
        horizontal.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                var sums = [Double](repeating: 0, count: rowLength)
                for y in 0..<newHeight {
                    for i in 0..<rowLength { sums[i] = 0 }
                    for t in rows.range(y) {
                        let w = rows.weights[t], s = rows.indices[t] * rowLength
                        for i in 0..<rowLength { sums[i] += w * input[s + i] }
                    }
                    for i in 0..<rowLength {
                        out[y * rowLength + i] = UInt8(min(255, max(0, sums[i].rounded())))
                    }
                }
            }
        }
        return Image(width: newWidth, height: newHeight, channels: c, pixels: output)
    }
}

/// For each output index along one axis, the source indices it reads and their weights (summing
/// to 1), stored flat: output `i` uses taps `starts[i]..<starts[i + 1]`.
private struct ResampleTaps {
    var indices: [Int] = []
    var weights: [Double] = []
    var starts: [Int] = [0]

    func range(_ i: Int) -> Range<Int> { starts[i]..<starts[i + 1] }

    init(from source: Int, to target: Int) {
        let scale = Double(source) / Double(target)
        for i in 0..<target {
            if target < source {
                // Area averaging: output i covers [i·scale, (i+1)·scale) of the source axis.
                let lo = Double(i) * scale, hi = Double(i + 1) * scale
                var j = Int(lo.rounded(.down))
                while j < source && Double(j) < hi {
                    let overlap = min(hi, Double(j + 1)) - max(lo, Double(j))
                    if overlap > 0 { indices.append(j); weights.append(overlap / scale) }
                    j += 1
                }
            } else {
                let x = min(max((Double(i) + 0.5) * scale - 0.5, 0), Double(source - 1))
                let j0 = Int(x.rounded(.down)), j1 = min(j0 + 1, source - 1)
                let fraction = x - Double(j0)
                indices.append(j0); weights.append(1 - fraction)
                if fraction > 0 && j1 != j0 { indices.append(j1); weights.append(fraction) }
            }
            starts.append(indices.count)
        }
    }
}
