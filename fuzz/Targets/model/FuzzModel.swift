// Fuzz target: a saved model folder (the JSON card and the tensors file it names) through
// `loadModel`. An input is a 2-byte little-endian card length, the card's bytes, then the tensors
// file's bytes; the tensors go under the name the card gives (when it is a plain file name), so
// the fuzzer reaches the cross-checks of card and tensors. Each input must load or throw; a model
// that loads must give, for an image of its card's shape, one probability per class, each finite
// and together summing to 1.
import Experiments
import Foundation
import Tensors

private let folder = NSTemporaryDirectory() + "/fuzz-model-\(getpid())"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let cardLength = min(Int(data[0]) | Int(data[1]) << 8, size - 2)
    let card = Data(bytes: data + 2, count: cardLength)
    let tensors = Data(bytes: data + 2 + cardLength, count: size - 2 - cardLength)
    try? FileManager.default.removeItem(atPath: folder)
    try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    FileManager.default.createFile(atPath: folder + "/model.json", contents: card)
    struct Named: Decodable { var learnedFile: String }
    if let name = (try? JSONDecoder().decode(Named.self, from: card))?.learnedFile,
       !name.isEmpty, !name.contains("/"), name != ".", name != "..", name.utf8.count < 200 {
        FileManager.default.createFile(atPath: folder + "/" + name, contents: tensors)
    }
    guard let model = try? loadModel(folder) else { return 0 }
    let shape = model.card.imageShape
    let values = shape.reduce(1, *)
    precondition(values > 0 && values <= 3 * 4096 * 4096, "a loaded model has the image shape \(shape)")
    // Small images only: the card check already bounds the shape; this keeps each run quick.
    guard values <= 1 << 16 else { return 0 }
    do {
        let image = Matrix(rows: 1, cols: values, data: (0..<values).map { Float($0 % 7) / 7 })
        let p = try model.probabilities(image)
        precondition(p.rows == 1 && p.cols == model.card.classNames.count, "probabilities of shape \(p.rows)×\(p.cols)")
        precondition(p.data.allSatisfy { $0.isFinite && $0 >= 0 }, "a probability that is negative or not finite")
        let sum = p.data.reduce(0, +)
        precondition(abs(sum - 1) < 1e-3, "probabilities that sum to \(sum)")
    } catch {
        // A model can still refuse an input it was not trained for; it must not crash.
    }
    return 0
}
