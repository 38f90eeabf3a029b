// Weights files: a save/load round trip per layer kind, the exact byte layout of the format, and a
// clear error for every kind of mismatch or damage.
import Foundation
import NeuralNetworks
import Tensors
import XCTest

final class SafetensorsTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "safetensors-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    private func smallNetwork(seed: UInt64) throws -> Sequential {
        let model = try Sequential(inputShape: [1, 6, 6], [
            Conv2D(outChannels: 3, kernelSize: 3, padding: 1), BatchNorm(), ReLU(), MaxPool2D(kernelSize: 2),
            Flatten(), Dense(outputs: 4), Tanh(), Dense(outputs: 2),
        ])
        model.initialize(seed: seed)
        return model
    }

    func testRoundTripRestoresEveryParameterAndTheOutputs() throws {
        let model = try smallNetwork(seed: 1)
        // One training pass moves the batch-norm running statistics away from their initial values.
        _ = try model.forward(randomTensor([4, 1, 6, 6], seed: 2), training: true)
        let path = folder + "/model.safetensors"
        try model.save(to: path)
        let copy = try smallNetwork(seed: 99)
        XCTAssertNotEqual(copy.parameters[0].values, model.parameters[0].values)
        try copy.load(from: path)
        for ((name, a), (_, b)) in zip(model.namedParameters, copy.namedParameters) {
            XCTAssertEqual(a.values, b.values, name)
        }
        let x = randomTensor([3, 1, 6, 6], seed: 3)
        XCTAssertEqual(try model.forward(x), try copy.forward(x))
    }

    func testFileLayout() throws {
        let dense = Dense(outputs: 1)
        let model = try Sequential(inputShape: [2], [dense])
        dense.weight.values = [1, -2]
        dense.bias.values = [0.5]
        let path = folder + "/tiny.safetensors"
        try model.save(to: path)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let headerLength = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        XCTAssertEqual((8 + headerLength) % 8, 0, "data starts 8-byte aligned")
        XCTAssertEqual(bytes.count, 8 + headerLength + 12)
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as! [String: Any]
        let weight = header["0.weight"] as! [String: Any]
        XCTAssertEqual(weight["dtype"] as? String, "F32")
        XCTAssertEqual(weight["shape"] as? [Int], [1, 2])
        XCTAssertEqual(weight["data_offsets"] as? [Int], [0, 8])
        XCTAssertEqual((header["0.bias"] as! [String: Any])["data_offsets"] as? [Int], [8, 12])
        let data = Array(bytes[(8 + headerLength)...])
        let floats = stride(from: 0, to: 12, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
        XCTAssertEqual(floats, [1, -2, 0.5])
    }

    private func assertLoadFails(_ model: Sequential, _ path: String, mentions words: [String], file: StaticString = #filePath, line: UInt = #line) {
        let before = model.parameters.map(\.values)
        XCTAssertThrowsError(try model.load(from: path), file: file, line: line) { error in
            guard case NeuralNetworkError.weightsFile = error else { return XCTFail("unexpected error \(error)", file: file, line: line) }
            let text = "\(error)"
            for w in words { XCTAssertTrue(text.contains(w), "\"\(text)\" should mention \(w)", file: file, line: line) }
        }
        XCTAssertEqual(model.parameters.map(\.values), before, "a failed load leaves the model unchanged", file: file, line: line)
    }

    func testMismatchesAndDamageThrow() throws {
        let model = try smallNetwork(seed: 1)
        let path = folder + "/model.safetensors"
        try model.save(to: path)

        // Another architecture: a wider dense layer has other shapes.
        let wider = try Sequential(inputShape: [1, 6, 6], [
            Conv2D(outChannels: 3, kernelSize: 3, padding: 1), BatchNorm(), ReLU(), MaxPool2D(kernelSize: 2),
            Flatten(), Dense(outputs: 5), Tanh(), Dense(outputs: 2),
        ])
        assertLoadFails(wider, path, mentions: ["5.weight", "shape"])
        // Missing tensors.
        let shorter = try Sequential(inputShape: [1, 6, 6], [Conv2D(outChannels: 3, kernelSize: 3, padding: 1), BatchNorm(), ReLU(), MaxPool2D(kernelSize: 2), Flatten(), Dense(outputs: 4)])
        assertLoadFails(shorter, path, mentions: ["7.bias", "does not have"])

        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        // Truncated in the data, in the header, and before the length.
        for (cut, words) in [(bytes.count - 3, ["truncated"]), (40, ["truncated"]), (5, ["truncated"])] {
            let damaged = folder + "/cut\(cut).safetensors"
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: damaged))
            assertLoadFails(model, damaged, mentions: words)
        }
        // Another dtype.
        let text = String(decoding: bytes, as: UTF8.self)
        XCTAssertTrue(text.contains("\"F32\""))
        let f16 = folder + "/f16.safetensors"
        var changed = bytes
        let range = changed.range(of: Data("\"F32\"".utf8))!
        changed.replaceSubrange(range, with: Data("\"F16\"".utf8))
        try changed.write(to: URL(fileURLWithPath: f16))
        assertLoadFails(model, f16, mentions: ["F16", "F32"])
        // Not a file at all.
        assertLoadFails(model, folder + "/missing.safetensors", mentions: ["cannot be read", "No such file or directory"])
    }
}
