import XCTest
import Classifiers

final class MetricsTests: XCTestCase {
    func testAccuracyCountsMatches() {
        XCTAssertEqual(accuracy(predicted: [0, 1, 2, 2], actual: [0, 1, 1, 2]), 0.75)
        XCTAssertEqual(accuracy(predicted: [], actual: []), 0)
    }
}

final class ConfusionMatrixTests: XCTestCase {
    func testConfusionMatrixAndPerClassScores() throws {
        let actual = [0, 0, 0, 1, 1, 2]
        let predicted = [0, 1, 0, 1, 2, 2]
        XCTAssertEqual(try confusionMatrix(predicted: predicted, actual: actual, classCount: 3),
                       [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
        let m = try classMetrics(predicted: predicted, actual: actual, classCount: 3)
        XCTAssertEqual(m[0].precision, 1)
        XCTAssertEqual(m[0].recall, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m[1].precision, 0.5)
        XCTAssertEqual(m[1].recall, 0.5)
        XCTAssertEqual(m[2].precision, 0.5)
        XCTAssertEqual(m[2].recall, 1)
        XCTAssertEqual(m[2].f1, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.map(\.support), [3, 2, 1])
        XCTAssertThrowsError(try confusionMatrix(predicted: [3], actual: [0], classCount: 3))
        XCTAssertThrowsError(try confusionMatrix(predicted: [0, 1], actual: [0], classCount: 3))
    }
}
