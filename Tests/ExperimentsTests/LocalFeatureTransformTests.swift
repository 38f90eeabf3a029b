// The bovw ablation's transform (local descriptor → whitening or PCA → encoding → pyramid): output
// sizes for every descriptor and encoding, determinism for a seed on one thread or two, the state
// round trip, and the sentences of impossible settings.
import BagOfWords
import Classifiers
import Datasets
import Experiments
import Tensors
import XCTest

final class LocalFeatureTransformTests: XCTestCase {
    /// Gray 20×20 images of bars at several angles and positions, seeded noise on top.
    func bars(_ count: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        var values: [Float] = []
        for i in 0..<count {
            let angle = Float(i % 4) * .pi / 4, shift = Float(i % 5) - 2
            for y in 0..<20 {
                for x in 0..<20 {
                    let d = (Float(x) - 10 - shift) * cos(angle) + (Float(y) - 10) * sin(angle)
                    values.append((abs(d) < 2 ? 0.8 : 0.1) + 0.05 * rng.uniform())
                }
            }
        }
        return Matrix(rows: count, cols: 400, data: values)
    }

    let shape = ImageShape(channels: 1, height: 20, width: 20)

    func make(_ descriptor: LocalDescriptorKind, _ encoding: LocalEncoding, seed: UInt64 = 5) throws -> LocalFeatureTransform {
        let (size, step) = descriptor == .patch ? (5, 1) : descriptor == .hog ? (8, 2) : (3, 2)
        let reduced = encoding == .vlad || encoding == .fisher
        return try LocalFeatureTransform(shape: shape, descriptor: descriptor, size: size, step: step, encoding: encoding, words: 4,
                                         iterations: 5, whiten: descriptor == .patch && encoding == .triangle,
                                         pcaDimensions: reduced ? 6 : nil, sampleCount: 2_000, pyramidLevels: [1, 2], seed: seed)
    }

    func testEveryDescriptorAndEncodingIsDeterministicAndRoundTrips() throws {
        let x = bars(30, seed: 1)
        let raw: [LocalDescriptorKind: (frames: Int, values: Int)] = [.patch: (16 * 16, 25), .hog: (7 * 7, 36), .sift: (6 * 6, 128)]
        for descriptor in LocalDescriptorKind.allCases {
            for encoding in LocalEncoding.allCases {
                let label = "\(descriptor.rawValue)-\(encoding.rawValue)"
                var a = try make(descriptor, encoding)
                XCTAssertEqual(a.framesPerImage, raw[descriptor]?.frames, label)
                XCTAssertEqual(a.rawDimension, raw[descriptor]?.values, label)
                let d = encoding == .vlad || encoding == .fisher ? 6 : a.rawDimension
                let perRegion = [LocalEncoding.hard: 4, .triangle: 4, .vlad: 4 * d, .fisher: 2 * 4 * d][encoding] ?? 0
                XCTAssertEqual(a.outputCount, 5 * perRegion, label)
                try a.fit(x)
                let z = try a.transform(x)
                XCTAssertEqual(z.rows, 30, label)
                XCTAssertEqual(z.cols, a.outputCount, label)
                XCTAssertTrue(z.data.allSatisfy { $0.isFinite }, label)
                // Different images, different codes: the features carry the image.
                XCTAssertNotEqual(z.row(0), z.row(1), label)
                let saved = Parallel.threadCount
                Parallel.threadCount = 1
                var b = try make(descriptor, encoding)
                try b.fit(x)
                let single = try b.transform(x)
                Parallel.threadCount = saved
                XCTAssertEqual(single, z, "\(label): one thread or several, same seed, same features")
                var c = try make(descriptor, encoding)
                try c.restore(from: try a.learnedState())
                XCTAssertEqual(try c.transform(x), z, "\(label): restored state, same features")
            }
        }
    }

    func testPatchesMatchTheBagOfWordsPipelinesCode() throws {
        // Recomputed directly for one image: with the codebook the transform learned, the 1×1 region
        // of the hard code is the square root of how many of its 256 patches fall nearest each word.
        let x = bars(12, seed: 2)
        var t = try make(.patch, .hard)
        try t.fit(x)
        let words = try XCTUnwrap(t.encoder.codebook)
        var patches = try PatchGrid(channels: 1, height: 20, width: 20, patchSize: 5).densePatches(x.rows([3]))
        normalizeContrast(&patches, epsilon: 0.01)
        var counts = [Float](repeating: 0, count: 4)
        for label in nearestCenters(patches, norms: patches.rowSquaredNorms(), centers: words).labels { counts[Int(label)] += 1 }
        let z = try t.transform(x.rows([3]))
        XCTAssertEqual(Array(z.row(0).prefix(4)), counts.map { $0.squareRoot() })
    }

    func testImpossibleSettingsAreSentences() throws {
        XCTAssertThrowsError(try LocalFeatureTransform(shape: shape, descriptor: .hog, size: 7, step: 2, encoding: .hard, words: 4, iterations: 2)) {
            XCTAssertTrue("\($0)".contains("even"), "\($0)")
        }
        XCTAssertThrowsError(try LocalFeatureTransform(shape: shape, descriptor: .sift, size: 4, step: 2, encoding: .fisher, words: 4, iterations: 2, pcaDimensions: 200)) {
            XCTAssertTrue("\($0)".contains("128"), "\($0)")
        }
        XCTAssertThrowsError(try LocalFeatureTransform(shape: shape, descriptor: .sift, size: 7, step: 2, encoding: .hard, words: 4, iterations: 2)) {
            XCTAssertTrue("\($0)".contains("20×20"), "\($0)")
        }
        XCTAssertThrowsError(try make(.patch, .vlad).transform(bars(2, seed: 0))) { XCTAssertTrue("\($0)".contains("before fit"), "\($0)") }
        var wrong = try make(.sift, .fisher)
        var right = try make(.sift, .vlad)
        try right.fit(bars(10, seed: 3))
        XCTAssertThrowsError(try wrong.restore(from: try right.learnedState())) { XCTAssertTrue("\($0)".contains("gmm."), "\($0)") }
    }
}
