// A generated data set of coloured shapes: RGB images of circles, squares, triangles and crosses
// of random size, rotation, position and hues, each shape brighter than its background, with
// Gaussian noise. Every image comes from its own seed, so a folder is the same on every machine.
import Foundation
import ImageFiles
import Tensors

/// Seeded RGB images of four shape classes, in memory or written as a class-per-folder tree.
public enum ShapeImages {
    /// The classes, in label order.
    public static let classNames = ["circle", "square", "triangle", "cross"]

    /// Subsamples per pixel side when measuring how much of a pixel the shape covers (4 → 16 per
    /// pixel): enough for edges that look smooth after a resize.
    static let supersampling = 4

    /// One RGB image of class `classIndex` (an index into `classNames`) drawn from `seed`; the
    /// same arguments always give the same pixels.
    ///
    /// - Throws: `DatasetError.invalidParameter` for a class outside `classNames` or a side outside 8...1024.
    public static func image(classIndex: Int, seed: UInt64, side: Int = 64) throws -> Image {
        try checkParameters(side: side)
        guard classNames.indices.contains(classIndex) else {
            throw DatasetError.invalidParameter(name: "shape class", reason: "\(classIndex) is not one of 0..<\(classNames.count) (\(classNames.joined(separator: ", ")))")
        }
        var rng = Xoshiro256(seed: seed)
        let shape = Shape(classIndex: classIndex, side: side, rng: &rng)
        return shape.render(side: side, rng: &rng)
    }

    /// The seed of image `index` of class `classIndex` in a set made with `seed`.
    public static func imageSeed(_ seed: UInt64, classIndex: Int, index: Int) -> UInt64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(classIndex) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        return mixer.next()
    }

    /// `perClass` images of every class as a data set (3×side×side, pixels in [0, 1], class by
    /// class): the images `writeFolder` writes for the same seed, before PNG/JPEG encoding.
    public static func dataset(perClass: Int, side: Int = 64, seed: UInt64, name: String = "shapes") throws -> Dataset {
        try checkParameters(side: side, perClass: perClass)
        let count = classNames.count * perClass, d = 3 * side * side
        var pixels = [Float](repeating: 0, count: count * d)
        try pixels.withUnsafeMutableBufferPointer { out in
            guard let base = out.baseAddress else { return }   // no images, nothing to draw
            let failures = Parallel.mapChunks(0..<count, grain: 8) { range -> Error? in
                do {
                    for i in range {
                        let values = try image(classIndex: i / perClass, seed: imageSeed(seed, classIndex: i / perClass, index: i % perClass),
                                               side: side).planarFloats()
                        for j in 0..<d { base[i * d + j] = values[j] }
                    }
                } catch { return error }
                return nil
            }
            if let failure = failures.compactMap({ $0 }).first { throw failure }
        }
        return try Dataset(name: name, features: Matrix(rows: count, cols: d, data: pixels),
                           labels: (0..<count).map { $0 / perClass }, classNames: classNames,
                           imageShape: ImageShape(channels: 3, height: side, width: side))
    }

    /// Writes `perClass` images of every class to `path/<class>/<n>.png` (n from 0000), every
    /// `jpegEvery`-th one as `.jpg` instead (0: PNG only), so that the folder mixes both formats.
    ///
    /// - Throws: `DatasetError.invalidParameter` for bad counts or sizes; `DatasetError.badFile`
    ///   when `path` is a file or a folder cannot be created or written.
    public static func writeFolder(_ path: String, perClass: Int, side: Int = 64, seed: UInt64, jpegEvery: Int = 3) throws {
        try checkParameters(side: side, perClass: perClass)
        guard jpegEvery >= 0 else {
            throw DatasetError.invalidParameter(name: "JPEG interval", reason: "\(jpegEvery) must be 0 (PNG only) or more")
        }
        let fm = FileManager.default
        var isFolder: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
            throw DatasetError.badFile(path: path, reason: "is a file; give a new or existing folder for the shape images")
        }
        for name in classNames {
            let folder = (path as NSString).appendingPathComponent(name)
            if let reason = makeFolders(folder) {
                throw DatasetError.badFile(path: folder, reason: "the folder cannot be created (\(reason))")
            }
        }
        let count = classNames.count * perClass
        let failures = Parallel.mapChunks(0..<count, grain: 8) { range -> Error? in
            for i in range {
                let c = i / perClass, n = i % perClass
                let ext = jpegEvery > 0 && n % jpegEvery == jpegEvery - 1 ? "jpg" : "png"
                let file = (path as NSString).appendingPathComponent(classNames[c] + "/" + String(format: "%04d.", n) + ext)
                do {
                    try writeImage(try image(classIndex: c, seed: imageSeed(seed, classIndex: c, index: n), side: side), toPath: file, jpegQuality: 90)
                } catch {
                    return DatasetError.badFile(path: file, reason: "the image cannot be written (\(error))")
                }
            }
            return nil
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
    }

    private static func checkParameters(side: Int, perClass: Int = 1) throws {
        guard (8...1024).contains(side) else {
            throw DatasetError.invalidParameter(name: "shape image side", reason: "\(side) must be between 8 and 1024 pixels")
        }
        guard perClass >= 1 else {
            throw DatasetError.invalidParameter(name: "images per class", reason: "\(perClass) must be at least 1")
        }
    }
}

/// One drawn shape: its class, placement and colours.
private struct Shape {
    let classIndex: Int
    /// Centre and size (the circumradius, in pixels), and rotation in radians.
    let cx: Double, cy: Double, radius: Double, angle: Double
    let foreground: (Double, Double, Double), background: (Double, Double, Double)
    let noise: Double

    init(classIndex: Int, side: Int, rng: inout Xoshiro256) {
        self.classIndex = classIndex
        let s = Double(side)
        radius = s * (0.18 + 0.14 * rng.uniformDouble())
        // Keep the whole shape inside the image (with a pixel to spare).
        let margin = radius + 1
        cx = margin + (s - 2 * margin) * rng.uniformDouble()
        cy = margin + (s - 2 * margin) * rng.uniformDouble()
        angle = 2 * Double.pi * rng.uniformDouble()
        // Independent hues; the shape is always the brighter of the two.
        let bg = hsv(rng.uniformDouble(), 0.2 + 0.6 * rng.uniformDouble(), 0.1 + 0.3 * rng.uniformDouble())
        var fg: (Double, Double, Double)
        repeat {  // a saturated blue can be darker than a dull yellow: draw again until clearly brighter
            fg = hsv(rng.uniformDouble(), 0.3 + 0.7 * rng.uniformDouble(), 0.65 + 0.35 * rng.uniformDouble())
        } while brightness(fg) < brightness(bg) + 0.2
        (background, foreground) = (bg, fg)
        noise = 0.02 + 0.04 * rng.uniformDouble()
    }

    /// True when the point (u, v), in the shape's own frame (centred, unrotated, unit circumradius), is inside.
    func contains(_ u: Double, _ v: Double) -> Bool {
        switch classIndex {
        case 0: return u * u + v * v <= 1
        case 1: return abs(u) <= 0.75 && abs(v) <= 0.75
        case 2:
            // Equilateral triangle with circumradius 1 (inradius 0.5), a vertex at the top.
            for k in 0..<3 {
                let a = Double.pi / 2 + Double.pi / 3 + 2 * Double.pi / 3 * Double(k)
                if u * cos(a) + v * sin(a) > 0.5 { return false }
            }
            return true
        default:
            let w = 0.3
            return (abs(u) <= 0.95 && abs(v) <= w) || (abs(v) <= 0.95 && abs(u) <= w)
        }
    }

    /// Fraction of pixel (x, y) the shape covers, from a grid of subsamples.
    func coverage(_ x: Int, _ y: Int) -> Double {
        let n = ShapeImages.supersampling
        let c = cos(-angle), s = sin(-angle)
        var inside = 0
        for j in 0..<n {
            for i in 0..<n {
                let px = Double(x) + (Double(i) + 0.5) / Double(n) - cx, py = Double(y) + (Double(j) + 0.5) / Double(n) - cy
                let u = (c * px - s * py) / radius, v = (s * px + c * py) / radius
                if contains(u, v) { inside += 1 }
            }
        }
        return Double(inside) / Double(n * n)
    }

    func render(side: Int, rng: inout Xoshiro256) -> Image {
        var image = Image(width: side, height: side, channels: 3)
        let fg = [foreground.0, foreground.1, foreground.2], bg = [background.0, background.1, background.2]
        for y in 0..<side {
            for x in 0..<side {
                let a = coverage(x, y)
                for ch in 0..<3 {
                    let value = bg[ch] + (fg[ch] - bg[ch]) * a + noise * Double(rng.normal())
                    image[x, y, ch] = UInt8((min(1, max(0, value)) * 255).rounded())
                }
            }
        }
        return image
    }
}

/// Mean of the three channels.
private func brightness(_ c: (Double, Double, Double)) -> Double { (c.0 + c.1 + c.2) / 3 }

/// RGB in [0, 1] of hue h ∈ [0, 1), saturation s and value v.
private func hsv(_ h: Double, _ s: Double, _ v: Double) -> (Double, Double, Double) {
    let sector = h * 6, i = Int(sector) % 6, f = sector - Double(Int(sector))
    let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
    switch i {
    case 0: return (v, t, p)
    case 1: return (q, v, p)
    case 2: return (p, v, t)
    case 3: return (p, q, v)
    case 4: return (t, p, v)
    default: return (v, p, q)
    }
}

/// Creates the folder at `path` and its missing parents with mkdir(2); nil on success, else the
/// system's reason (naming the part of the path that is in the way), not a Foundation error code.
private func makeFolders(_ path: String) -> String? {
    var prefix = path.hasPrefix("/") ? "/" : ""
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
        prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + part
        if mkdir(prefix, 0o755) == 0 { continue }
        let code = errno
        guard code == EEXIST else { return "\(prefix): \(systemErrorText(code))" }
        guard fileKind(atPath: prefix) == .folder else { return "\(prefix) exists and is not a folder" }
    }
    return nil
}
