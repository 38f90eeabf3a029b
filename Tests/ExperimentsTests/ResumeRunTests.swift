// Resuming a killed digits run: the networks continue from their checkpoints and the run writes the
// same accuracy table, learning curves and confusion matrices as a run that was never stopped.
import Foundation
import XCTest

extension ExperimentRunTests {
    func testDigitsResumedAfterSIGTERMGivesTheSameTables() throws {
        let straightOut = tmp.appendingPathComponent("straight")
        let straight = try run("digits", ["--quick", "--models", "mlp,lenet5", "--out", straightOut.path])
        XCTAssertEqual(straight.status, 0, straight.err)

        // The same run with checkpoints, stopped while LeNet-5 trains (the MLP's training is over
        // and its checkpoint written when LeNet-5's first epoch is reported).
        let out = tmp.appendingPathComponent("resumed"), checkpoints = tmp.appendingPathComponent("checkpoints")
        let arguments = ["--quick", "--models", "mlp,lenet5", "--out", out.path, "--checkpoints", checkpoints.path]
        let process = Process()
        process.executableURL = Self.productsFolder.appendingPathComponent("digits")
        process.arguments = arguments
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        var seen = ""
        while !seen.contains("lenet5: epoch 1/") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertTrue(seen.contains("lenet5: epoch 1/"), seen)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoints.appendingPathComponent("mlp.safetensors").path))

        let resumed = try run("digits", arguments + ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("mlp: resumed from its checkpoint after epoch 5 of 5"), resumed.err)
        XCTAssertFalse(resumed.err.contains("mlp: epoch 1/"), "the finished MLP is not trained again: \(resumed.err)")

        let a = try contents(of: straightOut), b = try contents(of: out)
        XCTAssertEqual(deterministicColumns(a["mnist5k/comparison.csv"] ?? Data()), deterministicColumns(b["mnist5k/comparison.csv"] ?? Data()))
        for name in ["learning-curve-mlp.csv", "learning-curve-lenet5.csv", "confusion-mlp.csv", "confusion-lenet5.csv"] {
            XCTAssertNotNil(a["mnist5k/" + name], name)
            XCTAssertEqual(a["mnist5k/" + name], b["mnist5k/" + name], "\(name) differs after resuming")
        }

        // A checkpoint of other settings is refused with a sentence naming the difference.
        let other = try run("digits", ["--quick", "--models", "mlp", "--seed", "3", "--out", out.path, "--checkpoints", checkpoints.path, "--resume"])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.err.contains("mlp.safetensors") && other.err.contains("seed 0") && other.err.contains("seed 3"), other.err)
    }
}
