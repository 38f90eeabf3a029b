// Weights files in the safetensors format (8-byte little-endian header length, a JSON header of
// {name: {dtype, shape, data_offsets}}, then the raw little-endian data), so weights move to and
// from PyTorch (`safetensors.torch.load_file`) and NumPy users. Tensor names follow PyTorch's
// `nn.Sequential` ("0.weight", "0.bias", ...), so a state dict of the same architecture loads as is.
import Foundation
import Tensors

extension Sequential {
    /// Writes every parameter (learnable and tracked) as F32 tensors to `path`, atomically.
    public func save(to path: String, metadata: [String: String] = [:]) throws {
        let named = namedParameters
        var header = "{"
        var meta = metadata
        meta["format"] = meta["format"] ?? "pt"
        header += "\"__metadata__\":{" + meta.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }.joined(separator: ",") + "}"
        var offset = 0
        for (name, p) in named {
            let bytes = p.count * 4
            header += ",\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(p.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(offset),\(offset + bytes)]}"
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
        for (_, p) in named {
            let buffer = UnsafeBufferPointer(start: p.value, count: p.count)
            for v in buffer {
                var bits = v.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { file.append(contentsOf: $0) }
            }
        }
        try writeFileAtomically(file, to: path)
    }

    /// Reads weights saved by `save(to:)` (or by PyTorch for the same architecture). Checks, before
    /// touching the model, that the file holds exactly this model's tensor names with the same
    /// shapes and dtype F32, and that every declared size fits in the file; throws `weightsFile`
    /// naming the file and the first problem otherwise. Tensors the model does not have, such as
    /// PyTorch's "num_batches_tracked" counters, are an error except for those counters.
    public func load(from path: String) throws {
        func fail(_ reason: String) -> NeuralNetworkError { .weightsFile(path: path, reason: reason) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot be opened (does it exist?)") }
        defer { try? handle.close() }
        let fileLength = UInt64((try? handle.seekToEnd()) ?? 0)
        try? handle.seek(toOffset: 0)
        guard fileLength >= 8 else { throw fail("is \(fileLength) bytes long, too short for the 8-byte header length; the file is truncated or not safetensors") }
        let lengthBytes = handle.readData(ofLength: 8)
        let headerLength = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= fileLength - 8, headerLength <= 100_000_000 else {
            throw fail("declares a \(headerLength)-byte header but has only \(fileLength - 8) bytes after the length; the file is truncated or not safetensors")
        }
        let headerData = handle.readData(ofLength: Int(headerLength))
        guard let json = try? JSONSerialization.jsonObject(with: headerData), let header = json as? [String: Any] else {
            throw fail("has a header that is not a JSON object; the file is not safetensors")
        }
        let dataLength = fileLength - 8 - headerLength
        struct Entry { let shape: [Int]; let begin: Int; let end: Int }
        var entries: [String: Entry] = [:]
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
            let declared = shape.reduce(1, *) * 4
            guard offsets[1] - offsets[0] == declared else {
                throw fail("tensor \(name) of shape \(shape) needs \(declared) bytes but its offsets span \(offsets[1] - offsets[0])")
            }
            guard UInt64(offsets[1]) <= dataLength else {
                throw fail("tensor \(name) ends at data byte \(offsets[1]) but the file holds only \(dataLength) data bytes; the file is truncated")
            }
            entries[name] = Entry(shape: shape, begin: offsets[0], end: offsets[1])
        }
        let named = namedParameters
        for (name, p) in named {
            guard let e = entries[name] else {
                throw fail("has no tensor \(name) (shape \(shapeText(p.shape))); it was saved from a different architecture")
            }
            guard e.shape == p.shape else {
                throw fail("tensor \(name) has shape \(e.shape.map(String.init).joined(separator: "×")) but the model's is \(shapeText(p.shape))")
            }
        }
        if let extra = entries.keys.sorted().first(where: { key in !named.contains { $0.name == key } }) {
            throw fail("holds tensor \(extra), which this model does not have; it was saved from a different architecture")
        }
        // Everything checked: read the data and copy it in.
        let data = handle.readData(ofLength: Int(dataLength))
        guard data.count == Int(dataLength) else { throw fail("could not be read completely (\(data.count) of \(dataLength) data bytes)") }
        data.withUnsafeBytes { raw in
            for (name, p) in named {
                let e = entries[name]!
                for i in 0..<p.count {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: e.begin + 4 * i, as: UInt32.self))
                    p.value[i] = Float(bitPattern: bits)
                }
            }
        }
    }
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
