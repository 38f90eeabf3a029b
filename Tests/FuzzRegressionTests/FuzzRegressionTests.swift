// Replays every file of the fuzzers' seed corpus (fuzz/corpus/<target>/) and every crash, leak or
// hang they found (fuzz/regressions/<target>/) through the parser its target fuzzes, as the
// normal test suite: each file must decode or throw the module's typed error, quickly, without
// ending the process. Seeds whose outcome is known are checked against it.
import Datasets
import Experiments
import Foundation
import ImageFiles
import NeuralNetworks
import Tensors
import XCTest

/// The repository's fuzz/ folder, found from this file's location.
private let fuzzFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fuzz").path

/// What replaying one file gave.
private enum Outcome: Equatable {
    case decoded
    case threw(String)
}

final class FuzzRegressionTests: XCTestCase {
    /// Seed files that must be refused (everything else in the seed corpus must decode).
    private let refusedSeeds: Set<String> = [
        "cmyk.jpg", "bitmap.pbm", "float32.idx", "nan.csv", "bom-gzip.csv.gz", "wrong-shape.safetensors",
    ]

    func testPNGFiles() throws {
        try replay("png") { bytes, name in
            let image = try decodePNG(bytes, name: name)
            XCTAssertEqual(image.pixels.count, image.width * image.height * image.channels, name)
            XCTAssertEqual(try decodePNG(try encodePNG(image)), image, "\(name): PNG round trip")
        }
    }

    func testJPEGFiles() throws {
        try replay("jpeg") { bytes, name in
            let image = try decodeJPEG(bytes, name: name)
            XCTAssertEqual(image.pixels.count, image.width * image.height * image.channels, name)
            XCTAssertTrue(image.channels == 1 || image.channels == 3, name)
        }
    }

    func testPNMFiles() throws {
        try replay("pnm") { bytes, name in
            let image = try decodePNM(bytes, name: name)
            XCTAssertEqual(image.pixels.count, image.width * image.height * image.channels, name)
            XCTAssertEqual(try decodePNM(encodePNM(image)), image, "\(name): PNM round trip")
        }
    }

    func testIDXFiles() throws {
        for target in ["idx", "idx-gzip"] {
            try replay(target) { bytes, name in
                // Decoded when the file is a valid IDX file of labels (rank 1) or images (rank 3).
                let file = try (try? decodeIDX(bytes, rank: 1, path: name)) ?? decodeIDX(bytes, rank: 3, path: name)
                XCTAssertEqual(file.data.count, file.dimensions.reduce(1, *), name)
            }
        }
    }

    func testCSVFiles() throws {
        try replay("csv") { bytes, name in
            // The fuzz target's option byte (see fuzz/Targets/csv): label column, header, separator.
            guard let options = bytes.first else { throw DatasetError.badFile(path: name, reason: "empty input") }
            let columns: [CSVLabelColumn] = [.index(0), .index(-1), .index(1), .name("label")]
            let headers: [Bool?] = [nil, true, false, nil]
            let separators: [Character] = [",", ";", "\t", ","]
            let set = try decodeCSV(Array(bytes.dropFirst()), path: name, labelColumn: columns[Int(options & 3)],
                                    hasHeader: headers[Int(options >> 2 & 3)], separator: separators[Int(options >> 4 & 3)])
            XCTAssertTrue(set.features.data.allSatisfy { $0.isFinite }, name)
            XCTAssertEqual(set.labels.count, set.features.rows, name)
        }
    }

    func testSafetensorsFiles() throws {
        let model = try Models.mlp(inputs: 3, hidden: [2], outputs: 2, seed: 1)
        try replay("safetensors") { _, path in try model.load(from: path) }
    }

    /// Saved model folders (fuzz/Targets/model): a 2-byte card length, the card, the tensors file
    /// under the name the card gives. Each loads (and then classifies an image of its shape into
    /// finite probabilities that sum to 1) or throws a sentence naming the folder's file at fault.
    func testSavedModelFolders() throws {
        let folder = NSTemporaryDirectory() + "fuzz-model-replay-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var count = 0
        for (path, seed) in corpusFiles("model") {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            guard bytes.count >= 2 else { continue }
            let cardLength = min(Int(bytes[0]) | Int(bytes[1]) << 8, bytes.count - 2)
            let card = Data(bytes[2..<(2 + cardLength)]), tensors = Data(bytes[(2 + cardLength)...])
            try? FileManager.default.removeItem(atPath: folder)
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: folder + "/model.json", contents: card)
            struct Named: Decodable { var learnedFile: String }
            if let name = (try? JSONDecoder().decode(Named.self, from: card))?.learnedFile,
               !name.isEmpty, !name.contains("/"), name != ".", name != "..", name.utf8.count < 200 {
                FileManager.default.createFile(atPath: folder + "/" + name, contents: tensors)
            }
            do {
                let model = try loadModel(folder)
                let values = model.card.imageShape.reduce(1, *)
                let p = try model.probabilities(Matrix(rows: 1, cols: values, data: (0..<values).map { Float($0 % 7) / 7 }))
                XCTAssertEqual(p.cols, model.card.classNames.count, path)
                XCTAssertTrue(p.data.allSatisfy { $0.isFinite && $0 >= 0 }, "\(path): \(p.data)")
                XCTAssertEqual(p.data.reduce(0, +), 1, accuracy: 1e-3, path)
                XCTAssertFalse(seed && refusedSeeds.contains((path as NSString).lastPathComponent), "\(path) must be refused")
            } catch {
                XCTAssertTrue("\(error)".contains(folder), "\(path): the error does not name the folder: \(error)")
                XCTAssertFalse(seed && !refusedSeeds.contains((path as NSString).lastPathComponent), "\(path) must load: \(error)")
            }
            count += 1
        }
        XCTAssertGreaterThanOrEqual(count, 5)
    }

    /// EXIF segments (fuzz/Targets/exif) in a fixed valid 3×2 JPEG: each decodes, as stored or
    /// turned, with the same pixel values.
    func testEXIFSegments() throws {
        let plain = try encodeJPEG(Image(width: 3, height: 2, channels: 3, pixels: (0..<18).map { UInt8($0 * 14) }), quality: 95)
        let stored = try decodeJPEG(plain).pixels.sorted()
        var count = 0
        for (path, _) in corpusFiles("exif") {
            let body = Array("Exif\0\0".utf8) + [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))).prefix(65_000)
            let length = body.count + 2
            let jpeg = Array(plain[..<2]) + [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + body + Array(plain[2...])
            let image = try decodeJPEG(jpeg, name: path)
            XCTAssertTrue([3, 2] == [image.width, image.height] || [2, 3] == [image.width, image.height], path)
            XCTAssertEqual(image.pixels.sorted(), stored, path)
            count += 1
        }
        XCTAssertGreaterThanOrEqual(count, 8)
    }

    /// Every file of a target's corpus and regressions, with whether it is a named seed.
    private func corpusFiles(_ target: String) -> [(path: String, seed: Bool)] {
        ["corpus", "regressions"].flatMap { folder -> [(path: String, seed: Bool)] in
            let directory = "\(fuzzFolder)/\(folder)/\(target)"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            return names.sorted().filter { !$0.hasPrefix(".") }.map { ("\(directory)/\($0)", folder == "corpus" && isSeedName($0)) }
        }
    }

    /// Runs `decode` on every file of the target's corpus and regressions; `decode` gets the
    /// bytes and the path. A thrown error must be of the parsers' own types.
    private func replay(_ target: String, file: StaticString = #filePath, line: UInt = #line,
                        _ decode: ([UInt8], String) throws -> Void) throws {
        var count = 0
        for folder in ["corpus", "regressions"] {
            let directory = "\(fuzzFolder)/\(folder)/\(target)"
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for name in names.sorted() where !name.hasPrefix(".") {
                let path = "\(directory)/\(name)"
                let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
                let start = Date()
                let outcome: Outcome
                do {
                    try decode(bytes, path)
                    outcome = .decoded
                } catch let error as ImageFileError {
                    outcome = .threw(error.description)
                } catch let error as DatasetError {
                    // A bad option (the CSV target's option byte) names the option, not the file.
                    if case .invalidParameter = error { continue }
                    outcome = .threw(error.description)
                } catch let error as NeuralNetworkError {
                    outcome = .threw(error.description)
                } catch {
                    XCTFail("\(path): threw \(type(of: error)), not a parser error: \(error)", file: file, line: line)
                    continue
                }
                let seconds = Date().timeIntervalSince(start)
                XCTAssertLessThan(seconds, 5, "\(path) took \(seconds) s", file: file, line: line)
                if case let .threw(message) = outcome {
                    XCTAssertTrue(message.contains(path), "\(path): the error does not name the file: \(message)",
                                  file: file, line: line)
                }
                if folder == "corpus" && isSeedName(name) {
                    if refusedSeeds.contains(name) {
                        XCTAssertNotEqual(outcome, .decoded, "\(path): this seed must be refused", file: file, line: line)
                    } else {
                        XCTAssertEqual(outcome, .decoded, "\(path): this seed must decode", file: file, line: line)
                    }
                }
                count += 1
            }
        }
        XCTAssertGreaterThan(count, 0, "no corpus files for \(target) in \(fuzzFolder)", file: file, line: line)
    }

    /// Seeds are named by what they hold (make_seeds.py); files the fuzzer added are 40-digit hashes.
    private func isSeedName(_ name: String) -> Bool {
        !(name.count == 40 && name.allSatisfy(\.isHexDigit))
    }
}
