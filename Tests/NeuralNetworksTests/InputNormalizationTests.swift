// Input standardization kept with the model: statistics against a Double reference, the same bits
// on any thread count, applied to later inputs, and a classifier restored from saved state that
// predicts what the fitted one does.
import Classifiers
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class InputNormalizationTests: XCTestCase {
    /// 2-channel rows of 3 values each, channel 1 offset and scaled.
    private func rows(_ n: Int, seed: UInt64) -> Matrix {
        var rng = Xoshiro256(seed: seed)
        var x = Matrix(rows: n, cols: 6)
        for i in 0..<n {
            for j in 0..<3 { x[i, j] = rng.uniform(0, 1) }
            for j in 3..<6 { x[i, j] = 5 + 3 * rng.uniform(0, 1) }
        }
        return x
    }

    func testPerChannelStatisticsMatchADoubleReference() throws {
        let x = rows(7, seed: 1)
        let (mean, std) = try InputNormalization.perChannel(channels: 2).statistics(of: x)
        for c in 0..<2 {
            var values: [Double] = []
            for i in 0..<7 { for j in (3 * c)..<(3 * c + 3) { values.append(Double(x[i, j])) } }
            let m = values.reduce(0, +) / Double(values.count)
            let s = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count)).squareRoot()
            XCTAssertEqual(Double(mean[c]), m, accuracy: 1e-6)
            XCTAssertEqual(Double(std[c]), s, accuracy: 1e-6)
        }
        let z = try InputNormalization.perChannel(channels: 2).apply(x, mean: mean, std: std)
        XCTAssertEqual(Double(z[3, 4]), (Double(x[3, 4]) - Double(mean[1])) / Double(std[1]), accuracy: 1e-5)
        // Per feature: one pair per column; a constant column gets std 1.
        var constant = x
        for i in 0..<7 { constant[i, 2] = 4 }
        let f = try InputNormalization.perFeature.statistics(of: constant)
        XCTAssertEqual(f.mean.count, 6)
        XCTAssertEqual([f.mean[2], f.std[2]], [4, 1])
        XCTAssertThrowsError(try InputNormalization.perChannel(channels: 4).statistics(of: x)) {
            XCTAssertTrue("\($0)".contains("4 channels"), "\($0)")
        }
    }

    func testStatisticsAreTheSameOnAnyThreadCount() throws {
        let x = rows(1_000, seed: 2)
        func stats(_ threads: Int) throws -> [Float] {
            let saved = Parallel.threadCount
            defer { Parallel.threadCount = saved }
            Parallel.threadCount = threads
            let (m, s) = try InputNormalization.perChannel(channels: 2).statistics(of: x)
            return m + s + (try InputNormalization.perChannel(channels: 2).apply(x, mean: m, std: s).data)
        }
        XCTAssertEqual(try stats(1), try stats(2))
        XCTAssertEqual(try stats(1), try stats(3))
    }

    func testTheClassifierStandardizesAndARestoredOnePredictsTheSame() throws {
        // Two classes told apart by channel 1 only, whose values are large: standardized, they learn.
        let x = rows(200, seed: 3)
        let y = (0..<200).map { i in x[i, 3] + x[i, 4] > 13 ? 1 : 0 }
        let options = TrainingOptions(epochs: 30, batchSize: 16, learningRate: 0.01, optimizer: .adam())
        var c = NeuralNetworkClassifier(name: "mlp", architecture: .mlp(hidden: [16]), imageShape: [2, 1, 3], options: options,
                                        inputNormalization: .perChannel(channels: 2))
        try c.fit(x, y, classCount: 2)
        XCTAssertEqual(c.inputMean.count, 2)
        XCTAssertEqual(Double(c.inputMean[1]), 6.5, accuracy: 0.2)
        XCTAssertGreaterThan(try c.score(x, y), 0.9)
        let restored = try NeuralNetworkClassifier.restored(name: "mlp", architecture: .mlp(hidden: [16]), imageShape: [2, 1, 3],
                                                            inputNormalization: .perChannel(channels: 2), options: options,
                                                            network: try XCTUnwrap(c.model), inputMean: c.inputMean, inputStd: c.inputStd)
        XCTAssertEqual(try restored.probabilities(x).data, try c.probabilities(x).data)
        // Without its statistics the same network predicts something else.
        let raw = try NeuralNetworkClassifier.restored(name: "mlp", architecture: .mlp(hidden: [16]), network: c.model!)
        XCTAssertNotEqual(try raw.probabilities(x).data, try c.probabilities(x).data)
        // Damaged or mismatched statistics are refused with a sentence.
        func refusal(_ mean: [Float], _ std: [Float]) -> String {
            do {
                _ = try NeuralNetworkClassifier.restored(name: "mlp", architecture: .mlp(hidden: [16]), inputNormalization: .perChannel(channels: 2),
                                                         network: c.model!, inputMean: mean, inputStd: std)
            } catch { return "\(error)" }
            return "no error"
        }
        XCTAssertTrue(refusal([0, .nan], [1, 1]).contains("NaN"), refusal([0, .nan], [1, 1]))
        XCTAssertTrue(refusal([0, 0], [1, .infinity]).contains("NaN, infinite"))
        XCTAssertTrue(refusal([0], [1]).contains("needs 2 means"), refusal([0], [1]))
        // The channel count must be the images'.
        var wrong = NeuralNetworkClassifier(name: "mlp", architecture: .mlp(hidden: [4]), imageShape: [2, 1, 3], inputNormalization: .perChannel(channels: 3))
        XCTAssertThrowsError(try wrong.fit(x, y, classCount: 2)) { XCTAssertTrue("\($0)".contains("3 channels"), "\($0)") }
    }
}
