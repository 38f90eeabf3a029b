// The toy problems: determinism by seed, exact class balance, the documented geometry, and the
// separability the lecture's comparisons rely on (5-NN well above 93 %).
import Datasets
import Foundation
import Tensors
import XCTest

final class Toy2DTests: XCTestCase {
    func testDeterministicBySeedWithBalancedCounts() throws {
        for shape in Toy2D.allCases {
            let a = try shape.generate(count: 301, noise: 0.05, seed: 7)
            let b = try shape.generate(count: 301, noise: 0.05, seed: 7)
            let c = try shape.generate(count: 301, noise: 0.05, seed: 8)
            XCTAssertEqual(a.features, b.features, "\(shape)")
            XCTAssertEqual(a.labels, b.labels, "\(shape)")
            XCTAssertNotEqual(a.features, c.features, "\(shape)")
            XCTAssertEqual(a.features.cols, 2)
            XCTAssertEqual(a.classCounts, shape.classCount == 2 ? [151, 150] : [101, 100, 100], "\(shape)")
            XCTAssertEqual(a.name, shape.rawValue)
            XCTAssertTrue(a.features.data.allSatisfy { abs($0) < 1.5 }, "\(shape) leaves the plot range")
            // Shuffled: the first 20 samples are not all of one class.
            XCTAssertEqual(Set(a.labels.prefix(20)).count, shape.classCount, "\(shape)")
        }
    }

    func testGeometryWithoutNoise() throws {
        let s = Float(0.5).squareRoot()
        let band = try Toy2D.diagonalBand.generate(count: 400, noise: 0, spread: 0.3, seed: 1)
        for i in 0..<band.count {
            let distance = abs(band.features[i, 0] - band.features[i, 1]) * s
            XCTAssertEqual(distance < 0.3, band.labels[i] == 1)
        }
        let pocket = try Toy2D.onePocket.generate(count: 400, noise: 0, seed: 1)
        for i in 0..<pocket.count {
            let r = (pocket.features[i, 0] * pocket.features[i, 0] + pocket.features[i, 1] * pocket.features[i, 1]).squareRoot()
            XCTAssertEqual(r < 0.5, pocket.labels[i] == 1)
        }
        let two = try Toy2D.twoPockets.generate(count: 400, noise: 0, seed: 1)
        var perPocket = [0, 0]
        for i in 0..<two.count where two.labels[i] == 1 {
            let (x, y) = (two.features[i, 0], two.features[i, 1])
            let upper = ((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5)).squareRoot()
            let lower = ((x + 0.5) * (x + 0.5) + (y + 0.5) * (y + 0.5)).squareRoot()
            XCTAssertTrue(upper < 0.3 || lower < 0.3)
            perPocket[upper < 0.3 ? 0 : 1] += 1
        }
        XCTAssertEqual(perPocket, [100, 100])
        // XOR placement: the mean of each class sits at the origin, each quadrant holds one class.
        let xor = try Toy2D.fourGaussians.generate(count: 400, noise: 0, seed: 1)
        var agree = 0
        for i in 0..<xor.count where (xor.features[i, 0] * xor.features[i, 1] < 0) == (xor.labels[i] == 1) { agree += 1 }
        XCTAssertGreaterThan(agree, 390)
        // Spiral: class k's arm at angle 4k + 4r (no angle noise), so every point sits at its radius's angle.
        let spiral = try Toy2D.spiral.generate(count: 300, noise: 0, spread: 0, seed: 1)
        XCTAssertEqual(spiral.classNames, ["0", "1", "2"])
        for i in 0..<spiral.count {
            let (x, y) = (spiral.features[i, 0], spiral.features[i, 1])
            let r = (x * x + y * y).squareRoot(), t = 4 * Float(spiral.labels[i]) + 4 * r
            XCTAssertEqual(x, r * sin(t), accuracy: 1e-4)
            XCTAssertEqual(y, r * cos(t), accuracy: 1e-4)
        }
        // Blobs: each class's mean near its centre, 120° apart at radius 0.55.
        let blobs = try Toy2D.blobs.generate(count: 900, noise: 0, seed: 1)
        for k in 0..<3 {
            let rows = (0..<blobs.count).filter { blobs.labels[$0] == k }
            let mx = rows.map { blobs.features[$0, 0] }.reduce(0, +) / Float(rows.count)
            let my = rows.map { blobs.features[$0, 1] }.reduce(0, +) / Float(rows.count)
            let angle = Float.pi / 2 + 2 * Float.pi * Float(k) / 3
            XCTAssertEqual(mx, 0.55 * cos(angle), accuracy: 0.05, "blob \(k)")
            XCTAssertEqual(my, 0.55 * sin(angle), accuracy: 0.05, "blob \(k)")
        }
    }

    func testFiveNearestNeighboursSeparateEveryShape() throws {
        for shape in Toy2D.allCases {
            let train = try shape.generate(count: 500, seed: 1)
            let test = try shape.generate(count: 500, seed: 2)
            let accuracy = fiveNNAccuracy(train: train, test: test)
            XCTAssertGreaterThan(accuracy, 0.94, "\(shape): 5-NN accuracy \(accuracy)")
        }
    }

    func testInvalidParametersThrow() {
        XCTAssertThrowsError(try Toy2D.onePocket.generate(count: 1, seed: 0))
        XCTAssertThrowsError(try Toy2D.onePocket.generate(count: 10, noise: -1, seed: 0))
        XCTAssertTrue(errorMessage(try Toy2D.twoPockets.generate(count: 10, spread: 0.8, seed: 0)).contains("spread"))
        XCTAssertTrue(errorMessage(try Toy2D.spiral.generate(count: 2, seed: 0)).contains("at least 3"))
    }

    /// Brute-force 5-NN majority vote (ties to the lower label).
    private func fiveNNAccuracy(train: Dataset, test: Dataset) -> Double {
        var correct = 0
        for i in 0..<test.count {
            let (x, y) = (test.features[i, 0], test.features[i, 1])
            var best: [(Float, Int)] = []
            for j in 0..<train.count {
                let dx = train.features[j, 0] - x, dy = train.features[j, 1] - y
                best.append((dx * dx + dy * dy, train.labels[j]))
            }
            best.sort { $0.0 < $1.0 }
            var votes = [Int](repeating: 0, count: train.classCount)
            for (_, label) in best.prefix(5) { votes[label] += 1 }
            if votes.firstIndex(of: votes.max()!) == test.labels[i] { correct += 1 }
        }
        return Double(correct) / Double(test.count)
    }
}
