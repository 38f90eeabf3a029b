// Reads the scikit-learn fixtures of the SVM tests (written by benchmarks/reference/svm_reference.py
// --fixtures; the data is stored in the files, so the tests need no Python).
import Classifiers
import Foundation
import Tensors
import XCTest

let svmFixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func loadSVMFixture(_ name: String) throws -> [String: Any] {
    let data = try Data(contentsOf: svmFixturesFolder.appendingPathComponent(name))
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw NSError(domain: "SVMFixtures", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(name) is not a JSON object"])
    }
    return object
}

func fixtureMatrix(_ value: Any?) -> Matrix {
    let rows = (value as! [[Any]]).map { $0.map { Float(($0 as! NSNumber).doubleValue) } }
    return Matrix(rows)
}

func fixtureDoubles(_ value: Any?) -> [Double] { (value as! [Any]).map { ($0 as! NSNumber).doubleValue } }

func fixtureInts(_ value: Any?) -> [Int] { (value as! [Any]).map { ($0 as! NSNumber).intValue } }

/// The largest |a − b| over two equally shaped matrices, and whether every pair is within
/// `absolute + relative·|b|`.
func compare(_ a: Matrix, _ b: Matrix, absolute: Double, relative: Double) -> (maxDifference: Double, within: Bool) {
    precondition(a.rows == b.rows && a.cols == b.cols, "compare: \(a.rows)×\(a.cols) vs \(b.rows)×\(b.cols)")
    var worst = 0.0, ok = true
    for (u, v) in zip(a.data, b.data) {
        let diff = abs(Double(u) - Double(v))
        worst = max(worst, diff)
        if diff > absolute + relative * abs(Double(v)) { ok = false }
    }
    return (worst, ok)
}

func agreement(_ a: [Int], _ b: [Int]) -> Double {
    Double(zip(a, b).filter { $0 == $1 }.count) / Double(max(1, a.count))
}

/// Asserts that building a model throws `invalidHyperparameter` naming `setting`.
func assertNames<Model>(_ setting: String, _ body: @autoclosure () throws -> Model, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try body(), file: file, line: line) { error in
        guard case let .invalidHyperparameter(_, name, reason)? = error as? ClassifierError else {
            return XCTFail("expected invalidHyperparameter, got \(error)", file: file, line: line)
        }
        XCTAssertEqual(name, setting, file: file, line: line)
        XCTAssertFalse(reason.isEmpty, file: file, line: line)
    }
}
