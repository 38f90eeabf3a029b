// Any named F32 tensors in a safetensors file, for callers outside this module (saved models of
// every kind, not only networks). Reading refuses anything but a regular file before opening it, so
// a folder or a FIFO under the expected name is an error, not a crash or a hang.
import Foundation
import Tensors

/// Writes `tensors` (in the order given) and `metadata` as a safetensors file at `path`, atomically.
public func writeSafetensorsFile(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String], to path: String) throws {
    // One contiguous copy, so every tensor has a valid pointer (also the empty ones).
    let all = tensors.flatMap(\.tensor.data) + [0]
    try all.withUnsafeBufferPointer { p in
        guard let base = p.baseAddress else { throw FileOutputError.cannotWrite(path: path, reason: "the tensor values could not be addressed") }
        var offset = 0
        let entries = tensors.map { t -> (name: String, shape: [Int], values: UnsafePointer<Float>) in
            defer { offset += t.tensor.count }
            return (t.name, t.tensor.shape, base + offset)
        }
        try writeSafetensors(entries, metadata: metadata, to: path)
    }
}

/// Reads every tensor and the metadata of the safetensors file at `path`. Throws `weightsFile`
/// naming the file when it is not a regular file, is larger than `maxBytes`, or is damaged.
public func readSafetensorsFile(_ path: String, maxBytes: Int = 4 << 30) throws -> (metadata: [String: String], tensors: [String: Tensor]) {
    func fail(_ reason: String) -> NeuralNetworkError { .weightsFile(path: path, reason: reason) }
    try checkRegularFile(path, maxBytes: maxBytes, fail: fail)
    let file = try readSafetensors(path, fail: fail)
    var tensors: [String: Tensor] = [:]
    for (name, shape) in file.shapes { tensors[name] = Tensor(shape: shape, data: try file.values(name)) }
    return (file.metadata, tensors)
}

/// Throws `fail` unless `path` names a regular file of at most `maxBytes` (checked without opening it).
func checkRegularFile(_ path: String, maxBytes: Int, fail: (String) -> NeuralNetworkError) throws {
    var info = stat()
    guard stat(path, &info) == 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
        throw fail((info.st_mode & S_IFMT) == S_IFDIR ? "is a folder, not a file" : "is not a regular file (a pipe or a device)")
    }
    guard Int(info.st_size) <= maxBytes else { throw fail("is \(info.st_size) bytes, more than the \(maxBytes) a model file may have") }
}
