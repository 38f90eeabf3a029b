// Weights files in the safetensors format (8-byte little-endian header length, a JSON header of
// {name: {dtype, shape, data_offsets}}, then the raw little-endian data), so weights move to and
// from PyTorch (`safetensors.torch.load_file`) and NumPy users. Tensor names follow PyTorch's
// `nn.Sequential` ("0.weight", "0.bias", ...), so a state dict of the same architecture loads as is.
import Foundation
import Tensors

extension Sequential {
    /// Writes every parameter (learnable and tracked) as F32 tensors to `path`, atomically.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        var meta = metadata
        meta["format"] = meta["format"] ?? "pt"
        try writeSafetensors(namedParameters.map { ($0.name, $0.parameter.shape, UnsafePointer($0.parameter.value)) }, metadata: meta, to: path)
    }

    /// Reads weights saved by `save(to:)` (or by PyTorch for the same architecture). Checks, before
    /// touching the model, that the file holds exactly this model's tensor names with the same
    /// shapes and dtype F32, and that every declared size fits in the file; throws `weightsFile`
    /// naming the file and the first problem otherwise. Tensors the model does not have, such as
    /// PyTorch's "num_batches_tracked" counters, are an error except for those counters.
    public func load(from path: String) throws {
        let file = try readSafetensors(path) { NeuralNetworkError.weightsFile(path: path, reason: $0) }
        try file.checkHolds(namedParameters, prefix: "", fail: { NeuralNetworkError.weightsFile(path: path, reason: $0) })
        if let extra = file.shapes.keys.sorted().first(where: { key in !namedParameters.contains { $0.name == key } }) {
            throw NeuralNetworkError.weightsFile(path: path, reason: "holds tensor \(extra), which this model does not have; it was saved from a different architecture")
        }
        for (name, p) in namedParameters { try file.copy(name, to: p.value) }
    }
}

/// Writes F32 tensors (name, shape, `shape.product` floats) and a string map as `__metadata__` to
/// `path` in the safetensors format, atomically.
func writeSafetensors(_ tensors: [(name: String, shape: [Int], values: UnsafePointer<Float>)], metadata: [String: String],
                      to path: String) throws {
    var header = "{"
    header += "\"__metadata__\":{" + metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",") + "}"
    var offset = 0
    for (name, shape, _) in tensors {
        let bytes = shape.reduce(1, *) * 4
        header += ",\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
        offset += bytes
    }
    header += "}"
    var headerBytes = Array(header.utf8)
    while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }  // pad so the data is 8-byte aligned
    var file = [UInt8]()
    file.reserveCapacity(8 + headerBytes.count + offset)
    var length = UInt64(headerBytes.count).littleEndian
    withUnsafeBytes(of: &length) { file.append(contentsOf: $0) }
    file.append(contentsOf: headerBytes)
    for (_, shape, values) in tensors {
        for v in UnsafeBufferPointer(start: values, count: shape.reduce(1, *)) {
            var bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: &bits) { file.append(contentsOf: $0) }
        }
    }
    try writeFileAtomically(file, to: path)
}

/// A safetensors file read and checked: every declared size fits in the file, every tensor is F32
/// (PyTorch's "num_batches_tracked" counters are skipped).
struct SafetensorsContents {
    /// The `__metadata__` map (empty when the file has none).
    let metadata: [String: String]
    /// Shape of every tensor, by name.
    let shapes: [String: [Int]]
    private let begins: [String: Int]
    private let data: Data
    private let fail: (String) -> NeuralNetworkError

    /// Throws `fail(reason)` unless the file holds every tensor of `named` (under `prefix` + its
    /// name) with the same shape.
    func checkHolds(_ named: [(name: String, parameter: Parameter)], prefix: String, fail: (String) -> NeuralNetworkError) throws {
        for (name, p) in named {
            guard let shape = shapes[prefix + name] else {
                throw fail("has no tensor \(prefix + name) (shape \(shapeText(p.shape))); it was saved from a different architecture")
            }
            guard shape == p.shape else {
                throw fail("tensor \(prefix + name) has shape \(shape.map(String.init).joined(separator: "×")) but the model's is \(shapeText(p.shape))")
            }
        }
    }

    /// Copies tensor `name` to `destination`; throws when the file has no such tensor.
    func copy(_ name: String, to destination: UnsafeMutablePointer<Float>) throws {
        guard let begin = begins[name], let shape = shapes[name] else { throw missing(name) }
        let count = shape.reduce(1, *)
        data.withUnsafeBytes { raw in
            for i in 0..<count {
                destination[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: begin + 4 * i, as: UInt32.self)))
            }
        }
    }

    /// The values of tensor `name`; throws when the file has no such tensor.
    func values(_ name: String) throws -> [Float] {
        guard let shape = shapes[name] else { throw missing(name) }
        var out = [Float](repeating: 0, count: shape.reduce(1, *))
        try out.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { try copy(name, to: base) }
        }
        return out
    }

    private func missing(_ name: String) -> NeuralNetworkError { fail("has no tensor \(name)") }

    init(metadata: [String: String], shapes: [String: [Int]], begins: [String: Int], data: Data,
         fail: @escaping (String) -> NeuralNetworkError) {
        self.metadata = metadata
        self.shapes = shapes
        self.begins = begins
        self.data = data
        self.fail = fail
    }
}

/// Reads the safetensors file at `path`; any problem throws `fail(reason)`, with a reason naming the
/// first problem (truncation, a bad header, a tensor whose size does not match its offsets).
func readSafetensors(_ path: String, fail: @escaping (String) -> NeuralNetworkError) throws -> SafetensorsContents {
    // A folder, a pipe or a device is refused before it is opened (a pipe would block the read).
    try checkRegularFile(path, maxBytes: Int.max, fail: fail)
    guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot be opened (does it exist?)") }
    func read(_ count: Int) throws -> Data {
        do { return try handle.read(upToCount: count) ?? Data() } catch {
            throw fail("cannot be read (\(String(cString: strerror(errno))))")
        }
    }
    defer { try? handle.close() }
    let fileLength = UInt64((try? handle.seekToEnd()) ?? 0)
    try? handle.seek(toOffset: 0)
    guard fileLength >= 8 else { throw fail("is \(fileLength) bytes long, too short for the 8-byte header length; the file is truncated or not safetensors") }
    let lengthBytes = try read(8)
    let headerLength = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
    guard headerLength <= fileLength - 8, headerLength <= 100_000_000 else {
        throw fail("declares a \(headerLength)-byte header but has only \(fileLength - 8) bytes after the length; the file is truncated or not safetensors")
    }
    let headerData = try read(Int(headerLength))
    guard let json = try? JSONSerialization.jsonObject(with: headerData), let header = json as? [String: Any] else {
        throw fail("has a header that is not a JSON object; the file is not safetensors")
    }
    var metadata: [String: String] = [:]
    if let meta = header["__metadata__"] {
        guard let map = meta as? [String: String] else { throw fail("has a __metadata__ entry that is not a map of strings") }
        metadata = map
    }
    let dataLength = fileLength - 8 - headerLength
    var shapes: [String: [Int]] = [:], begins: [String: Int] = [:]
    for (name, value) in header where name != "__metadata__" {
        guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
              let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2 else {
            throw fail("tensor \(name) lacks a dtype, shape or data_offsets entry")
        }
        if name.hasSuffix("num_batches_tracked") { continue }
        guard dtype == "F32" else { throw fail("tensor \(name) has dtype \(dtype); only F32 is supported (convert with .float())") }
        guard shape.allSatisfy({ $0 >= 0 }), offsets[0] >= 0, offsets[1] >= offsets[0] else {
            throw fail("tensor \(name) has a negative shape or offsets \(offsets)")
        }
        // The byte count of a hostile shape can overflow Int: computed with overflow checks.
        var declared = 4
        for side in shape {
            let (product, overflow) = declared.multipliedReportingOverflow(by: side)
            guard !overflow else { throw fail("tensor \(name) has shape \(shape), far too large for any file") }
            declared = product
        }
        guard offsets[1] - offsets[0] == declared else {
            throw fail("tensor \(name) of shape \(shape) needs \(declared) bytes but its offsets span \(offsets[1] - offsets[0])")
        }
        guard UInt64(offsets[1]) <= dataLength else {
            throw fail("tensor \(name) ends at data byte \(offsets[1]) but the file holds only \(dataLength) data bytes; the file is truncated")
        }
        shapes[name] = shape
        begins[name] = offsets[0]
    }
    let data = try read(Int(dataLength))
    guard data.count == Int(dataLength) else { throw fail("could not be read completely (\(data.count) of \(dataLength) data bytes)") }
    return SafetensorsContents(metadata: metadata, shapes: shapes, begins: begins, data: data, fail: fail)
}

private func jsonString(_ s: String) -> String {
    var out = "\""
    for ch in s.unicodeScalars {
        switch ch {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if ch.value < 0x20 { out += String(format: "\\u%04x", ch.value) } else { out.unicodeScalars.append(ch) }
        }
    }
    return out + "\""
}
