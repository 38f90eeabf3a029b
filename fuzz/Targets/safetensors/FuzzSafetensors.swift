// Fuzz target: arbitrary bytes as a safetensors weights file for a small MLP. The loader reads
// from a path, so each input goes through one scratch file of this process. Each input must load
// or throw a NeuralNetworkError.
import Foundation
import NeuralNetworks

/// The model every input is loaded into: 3 → 2 → 2, the shapes of the seed corpus's file.
private let model = try! Models.mlp(inputs: 3, hidden: [2], outputs: 2, seed: 1)
private let scratchPath = NSTemporaryDirectory() + "/fuzz-safetensors-\(getpid()).safetensors"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let file = fopen(scratchPath, "wb")!
    if size > 0 { precondition(fwrite(data, 1, size, file) == size, "cannot write the scratch file") }
    fclose(file)
    do {
        try model.load(from: scratchPath)
    } catch is NeuralNetworkError {
    } catch {
        preconditionFailure("an error of the wrong type: \(error)")
    }
    return 0
}
