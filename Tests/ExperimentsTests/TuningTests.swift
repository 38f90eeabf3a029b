// Fair tuning: a grid's points, the choice on a validation part of the training set (never the
// test set), settings given on the command line left alone, and a clear sentence when the training
// set is too small to hold anything out.
import Classifiers
import Datasets
import Experiments
import Tensors
import XCTest

final class TuningTests: XCTestCase {
    /// Two well-separated classes in 2-D, off the origin: a logistic regression learns them unless
    /// regularized to nothing (its weights vanish, and it answers one class: chance).
    func blobs(count: Int, seed: UInt64) throws -> Dataset {
        var rng = Xoshiro256(seed: seed)
        var x = Matrix(rows: count, cols: 2)
        var y: [Int] = []
        for i in 0..<count {
            let label = i % 2
            x[i, 0] = Float(label == 0 ? 1 : 3) + (rng.uniform() - 0.5)
            x[i, 1] = (rng.uniform() - 0.5)
            y.append(label)
        }
        return try Dataset(name: "blobs", features: x, labels: y, classNames: ["a", "b"])
    }

    func testGridPointsAreTheCartesianProductInOrderAndGivenSettingsAreNotTuned() throws {
        let grid = TuningGrid([("c", [.real(1), .real(10)]), ("components", [.int(5), .int(7), .int(9)])])
        XCTAssertEqual(grid.text, "c ∈ {1, 10} × components ∈ {5, 7, 9}")
        let entry = try ModelCatalog.entry("pca-logreg")
        XCTAssertFalse(entry.grid.isEmpty, "pca-logreg declares a grid")
        let fixed = tuningGrid(entry, fixing: ["c"])
        XCTAssertFalse(fixed.axes.contains { $0.name == "c" }, "a setting given on the command line is not tuned")
        XCTAssertTrue(tuningGrid(entry, fixing: Set(entry.grid.axes.map(\.name))).isEmpty)
        // Every entry's grid names its own settings, with values in their ranges.
        for e in ModelCatalog.entries {
            for axis in e.grid.axes {
                guard let h = e.hyperparameters.first(where: { $0.name == axis.name }) else {
                    XCTFail("\(e.name)'s grid names \(axis.name), which is not one of its settings"); continue
                }
                for v in axis.values { XCTAssertNoThrow(try h.check(v), "\(e.name) \(axis.name)=\(v)") }
            }
        }
    }

    func testTuningChoosesTheBestPointOnTheValidationPartAndIsDeterministic() throws {
        let train = try blobs(count: 200, seed: 3)
        let entry = try ModelCatalog.entry("logreg")
        // c = 1e-9 regularizes the weights to nothing (chance on the validation part); c = 1 separates the blobs.
        let grid = TuningGrid([("c", [.real(1e-9), .real(1)])])
        let context = BuildContext(imageShape: nil, seed: 0)
        var lines: [String] = []
        let r = try XCTUnwrap(try tune(entry, grid: grid, base: try entry.settings(), train: train, context: context,
                                       budget: TuningBudget(validationFraction: 0.25), note: { lines.append($0) }))
        XCTAssertEqual(r.trials.count, 2)
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(r.validationCount, 50)
        XCTAssertEqual(r.trialCount, 150)
        XCTAssertEqual(r.chosen, 1, "validation accuracies \(r.trials.map(\.validationAccuracy))")
        XCTAssertEqual(r.settings["c"], .real(1))
        XCTAssertEqual(r.chosenText, "c=1")
        XCTAssertGreaterThan(r.chosenTrial.validationAccuracy, 0.95)
        let again = try XCTUnwrap(try tune(entry, grid: grid, base: try entry.settings(), train: train, context: context,
                                           budget: TuningBudget(validationFraction: 0.25)))
        XCTAssertEqual(again.trials.map(\.validationAccuracy), r.trials.map(\.validationAccuracy))
        // Clear evidence moves the model off its own settings: from c = 1e-9 to c = 1.
        let weak = try entry.settings(given: ["c": .real(1e-9)])
        let moved = try XCTUnwrap(try tune(entry, grid: grid, base: weak, train: train, context: context,
                                           budget: TuningBudget(validationFraction: 0.25)))
        XCTAssertEqual(moved.settings["c"], .real(1))
        // Nothing to choose: no tuning.
        XCTAssertNil(try tune(entry, grid: TuningGrid([("c", [.real(1)])]), base: try entry.settings(), train: train, context: context))
    }

    func testATieKeepsTheModelsOwnSetting() throws {
        let train = try blobs(count: 200, seed: 5)
        let entry = try ModelCatalog.entry("knn")
        // Both votes classify the separated blobs perfectly: the default (uniform), listed second, stays.
        let r = try XCTUnwrap(try tune(entry, grid: TuningGrid([("weighting", [.word("distance"), .word("uniform")])]),
                                       base: try entry.settings(), train: train, context: BuildContext(imageShape: nil, seed: 0)))
        XCTAssertEqual(r.trials[0].validationAccuracy, r.trials[1].validationAccuracy)
        XCTAssertEqual(r.chosen, 1)
        XCTAssertEqual(r.settings["weighting"], .word("uniform"))
    }

    func testTooFewTrainingSamplesGiveASentence() throws {
        let train = try blobs(count: 2, seed: 1)
        let entry = try ModelCatalog.entry("logreg")
        XCTAssertThrowsError(try tune(entry, grid: entry.grid, base: try entry.settings(), train: train,
                                      context: BuildContext(imageShape: nil, seed: 0))) { error in
            XCTAssertTrue("\(error)".contains("too few to hold out a validation part"), "\(error)")
        }
    }
}
