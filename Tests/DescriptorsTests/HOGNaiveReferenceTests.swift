// HOG against a plain transcription of scikit-image's algorithm (double precision, arctangent per
// pixel, one cell and one bin at a time, as _hoghistogram.pyx loops), over orientation counts and
// images the fixture does not cover: the fast bins of the library must fall where these do.
import Descriptors
import Foundation
import Tensors
import XCTest

final class HOGNaiveReferenceTests: XCTestCase {
    /// skimage.feature.hog transcribed: gradient with zero borders, orientation
    /// rad2deg(atan2(g_row, g_col)) mod 180 (numpy's sign rule), cell sums in float32 divided by
    /// the cell area, blocks normalized in double.
    func naiveHOG(_ image: [Float], _ h: Int, _ w: Int, _ n: Int, _ cell: (Int, Int), _ block: (Int, Int),
                  _ norm: HOG.BlockNormalization, sqrt: Bool) -> [Float] {
        let px = sqrt ? image.map { $0.squareRoot() } : image
        var gRow = [Float](repeating: 0, count: h * w), gCol = gRow
        for y in 0..<h {
            for x in 0..<w {
                if y > 0 && y < h - 1 { gRow[y * w + x] = px[(y + 1) * w + x] - px[(y - 1) * w + x] }
                if x > 0 && x < w - 1 { gCol[y * w + x] = px[y * w + x + 1] - px[y * w + x - 1] }
            }
        }
        let magnitude = (0..<(h * w)).map { hypot(Double(gRow[$0]), Double(gCol[$0])) }
        let orientation = (0..<(h * w)).map { i -> Double in
            let r = fmod(atan2(Double(gRow[i]), Double(gCol[i])) * (180.0 / Double.pi), 180)
            return r != 0 ? (r < 0 ? r + 180 : r) : 0
        }
        let (cr, cc) = (h / cell.0, w / cell.1)
        var hist = [Double](repeating: 0, count: cr * cc * n)
        let width = 180.0 / Double(n)
        for i in 0..<n {
            for r in 0..<cr {
                for c in 0..<cc {
                    var total: Float = 0
                    for y in (r * cell.0)..<((r + 1) * cell.0) {
                        for x in (c * cell.1)..<((c + 1) * cell.1) {
                            let o = orientation[y * w + x]
                            if o >= width * Double(i + 1) || o < width * Double(i) { continue }
                            total = Float(Double(total) + magnitude[y * w + x])
                        }
                    }
                    hist[(r * cc + c) * n + i] = Double(total / Float(cell.0 * cell.1))
                }
            }
        }
        var out: [Float] = []
        let eps = HOG.epsilon
        for r in 0...(cr - block.0) {
            for c in 0...(cc - block.1) {
                var v: [Double] = []
                for i in 0..<block.0 {
                    for j in 0..<block.1 {
                        let first: Int = ((r + i) * cc + c + j) * n
                        v += hist[first..<(first + n)]
                    }
                }
                switch norm {
                case .l1: let s = v.reduce(0) { $0 + abs($1) } + eps; v = v.map { $0 / s }
                case .l1Sqrt: let s = v.reduce(0) { $0 + abs($1) } + eps; v = v.map { ($0 / s).squareRoot() }
                case .l2: let s = (v.reduce(0) { $0 + $1 * $1 } + eps * eps).squareRoot(); v = v.map { $0 / s }
                case .l2Hys:
                    let s = (v.reduce(0) { $0 + $1 * $1 } + eps * eps).squareRoot()
                    v = v.map { min($0 / s, 0.2) }
                    let t = (v.reduce(0) { $0 + $1 * $1 } + eps * eps).squareRoot()
                    v = v.map { $0 / t }
                }
                out += v.map { Float($0) }
            }
        }
        return out
    }

    func testFastBinsMatchThePerPixelArctangent() throws {
        var rng = Xoshiro256(seed: 2024)
        var worst: Float = 0
        // Random bytes (many exact ties between neighbours), smooth ramps at odd angles, small
        // integers; widths that leave partial cells and widths of whole vector steps (8, 16).
        for (h, w) in [(17, 23), (16, 16), (9, 8)] {
        var images: [[Float]] = []
        images.append((0..<(h * w)).map { _ in Float(rng.int(below: 256)) / 255 })
        images.append((0..<(h * w)).map { i in Float((i / w) * 7 + (i % w) * 3) / 255 })
        images.append((0..<(h * w)).map { _ in Float(rng.int(below: 3)) })
        images.append((0..<(h * w)).map { i in Float(sin(Double(i / w) * 0.7) * cos(Double(i % w) * 0.4)) + 1 })
        for n in [1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 16, 18, 36, 90] {
            for (k, image) in images.enumerated() {
                let norm = HOG.BlockNormalization.allCases[(n + k) % 4]
                let sqrt = (n + k) % 3 == 0
                let cell = (3 + k % 2, 2 + n % 3), block = (2, 1 + k % 2)
                guard h / cell.0 >= block.0, w / cell.1 >= block.1 else { continue }
                let hog = try HOG(orientations: n, pixelsPerCell: HOG.Size(cell.0, cell.1), cellsPerBlock: HOG.Size(block.0, block.1),
                                  blockNormalization: norm, transformSqrt: sqrt)
                let got = try hog.features(of: image, height: h, width: w)
                let expected = naiveHOG(image, h, w, n, cell, block, norm, sqrt: sqrt)
                XCTAssertEqual(got.count, expected.count)
                let largest = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
                worst = max(worst, largest)
                XCTAssertLessThanOrEqual(largest, 1e-5, "\(h)×\(w), n = \(n), image \(k), \(hog): largest difference \(largest)")
            }
        }
        }
        print("HOG vs the per-pixel arctangent transcription: largest absolute difference \(worst)")
    }
}
