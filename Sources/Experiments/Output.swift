// Writing an experiment's pictures: every figure goes out as PNG and SVG (the same drawing on
// cairo's image and SVG surfaces) and, for the experiments' folders, as binary PPM (P6) beside
// them, with the same stem, atomically.
import ImageFiles
import Plots
import Tensors

/// Writes `<folder>/<stem>.png` and, unless told otherwise, `<folder>/<stem>.svg` and `<folder>/<stem>.ppm`.
/// (A montage of figures that are written on their own keeps only its PNG: as SVG it would repeat
/// every point of every tile.)
public func writeFigure(_ figure: Figure, to folder: String, stem: String, ppm: Bool = true, svg: Bool = true) throws {
    let rgb = figure.rendered()
    if ppm { try writeImage(rgb, toPath: folder + "/" + stem + ".ppm") }
    try writeImage(rgb, toPath: folder + "/" + stem + ".png")
    if svg { try writeFileAtomically(figure.svg(), to: folder + "/" + stem + ".svg") }
}

/// Writes a raster picture without annotations as `<folder>/<stem>.ppm` and `<folder>/<stem>.png`.
public func writeFigure(_ image: Image, to folder: String, stem: String) throws {
    let rgb = image.channels == 3 ? image : image.converted(toChannels: 3)
    try writeImage(rgb, toPath: folder + "/" + stem + ".ppm")
    try writeImage(rgb, toPath: folder + "/" + stem + ".png")
}
