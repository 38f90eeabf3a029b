import XCTest
import Classifiers

final class MetricsTests: XCTestCase {
    func testAccuracyCountsMatches() {
        XCTAssertEqual(accuracy(predicted: [0, 1, 2, 2], actual: [0, 1, 1, 2]), 0.75)
        XCTAssertEqual(accuracy(predicted: [], actual: []), 0)
    }
}
