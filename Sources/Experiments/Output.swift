// Writing an experiment's pictures: every image goes out as binary PPM (P6) and as PNG beside it,
// with the same stem, atomically.
import ImageFiles

/// Writes `<folder>/<stem>.ppm` and `<folder>/<stem>.png`.
public func writeFigure(_ image: Image, to folder: String, stem: String) throws {
    let rgb = image.channels == 3 ? image : image.converted(toChannels: 3)
    try writeImage(rgb, toPath: folder + "/" + stem + ".ppm")
    try writeImage(rgb, toPath: folder + "/" + stem + ".png")
}
