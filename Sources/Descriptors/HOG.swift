// Histograms of oriented gradients (Dalal & Triggs, CVPR 2005) as scikit-image's
// `skimage.feature.hog` computes them: the options, their checks and the layout of the features.
//
// Legend: H × W = image, ch × cw = pixels per cell, br × bc = cells per block, n = orientations,
// CR × CC = cells (H / ch, W / cw: the last partial cell of a row or column is dropped),
// BR × BC = blocks (CR − br + 1, CC − bc + 1). Features are BR × BC × br × bc × n, blocks row by
// row, inside a block cells row by row, inside a cell the orientation bins.
//
// Deviations from the paper, all scikit-image's (which this matches, so its numbers carry over):
// no Gaussian window over the block, no interpolation between bins or cells (each pixel votes its
// gradient magnitude into one bin of one cell), unsigned orientations over 0–180°, and blocks on a
// one-cell stride.
import Foundation

/// The HOG descriptor's options. Hyperparameters are stored as given; `init` throws for impossible
/// ones. `features(of:height:width:)` (HOG+Extraction.swift) computes the descriptors.
public struct HOG: Equatable, Sendable, CustomStringConvertible {
    /// A size in rows × columns (pixels per cell, cells per block, cells or blocks of an image).
    public struct Size: Equatable, Sendable, CustomStringConvertible {
        public var rows: Int
        public var cols: Int
        public init(_ rows: Int, _ cols: Int) { self.rows = rows; self.cols = cols }
        public var description: String { "\(rows)×\(cols)" }
    }

    /// How each block's concatenated cell histograms v are normalized (ε = `HOG.epsilon`).
    public enum BlockNormalization: String, CaseIterable, Sendable {
        /// v / (‖v‖₁ + ε)
        case l1 = "L1"
        /// √(v / (‖v‖₁ + ε))
        case l1Sqrt = "L1-sqrt"
        /// v / √(‖v‖₂² + ε²)
        case l2 = "L2"
        /// L2, then every value clipped at `clip`, then L2 again (Lowe's "hysteresis"; the paper's choice).
        case l2Hys = "L2-Hys"
    }

    /// scikit-image's ε in every block normalization.
    public static let epsilon: Double = 1e-5

    /// Orientation bins over 0–180° (unsigned gradients), each 180°/n wide.
    public let orientations: Int
    /// Pixels per cell, rows × columns.
    public let pixelsPerCell: Size
    /// Cells per block, rows × columns.
    public let cellsPerBlock: Size
    /// The block normalization.
    public let blockNormalization: BlockNormalization
    /// The clipping threshold of L2-Hys (scikit-image fixes it at 0.2); unused by the others.
    public let clip: Float
    /// Square root of every pixel before the gradient (power-law compression); pixels must then be ≥ 0.
    public let transformSqrt: Bool

    /// The descriptor with scikit-image's meaning of every option; the defaults suit 28×28 digits
    /// (4×4-pixel cells, 7×7 cells, 6×6 blocks of 2×2 cells: 1,296 features).
    public init(orientations: Int = 9, pixelsPerCell: Size = Size(4, 4), cellsPerBlock: Size = Size(2, 2),
                blockNormalization: BlockNormalization = .l2Hys, clip: Float = 0.2, transformSqrt: Bool = false) throws {
        func bad(_ name: String, _ reason: String) -> DescriptorError {
            .invalidOption(descriptor: "HOG", name: name, reason: reason)
        }
        guard orientations >= 1 else { throw bad("orientations", "it is \(orientations); use at least 1 bin (9 is the usual choice)") }
        // A bound far above any use; it keeps the feature count small and the fast bins exact (HOG+Extraction.swift).
        guard orientations <= 3600 else { throw bad("orientations", "it is \(orientations); use at most 3600 bins (9 is the usual choice)") }
        guard pixelsPerCell.rows >= 1, pixelsPerCell.cols >= 1 else {
            throw bad("pixelsPerCell", "it is \(pixelsPerCell); a cell needs at least 1×1 pixels")
        }
        guard cellsPerBlock.rows >= 1, cellsPerBlock.cols >= 1 else {
            throw bad("cellsPerBlock", "it is \(cellsPerBlock); a block needs at least 1×1 cells")
        }
        guard clip.isFinite, clip > 0 else {
            throw bad("clip", "it is \(clip); L2-Hys needs a finite clipping threshold > 0 (scikit-image uses 0.2)")
        }
        self.orientations = orientations
        self.pixelsPerCell = pixelsPerCell
        self.cellsPerBlock = cellsPerBlock
        self.blockNormalization = blockNormalization
        self.clip = clip
        self.transformSqrt = transformSqrt
    }

    public var description: String {
        "HOG(orientations: \(orientations), pixelsPerCell: \(pixelsPerCell), cellsPerBlock: \(cellsPerBlock), "
            + "blockNormalization: \(blockNormalization.rawValue)\(blockNormalization == .l2Hys ? ", clip: \(clip)" : ""), "
            + "transformSqrt: \(transformSqrt))"
    }

    /// Where the features of an H × W image come from: its cells, its blocks and their count.
    public struct Layout: Equatable, Sendable {
        public let height: Int
        public let width: Int
        /// CR × CC whole cells (the pixels of a last partial cell only enter through the gradient).
        public let cells: Size
        /// BR × BC blocks.
        public let blocks: Size
        /// Values per block: br · bc · n.
        public let blockLength: Int
        /// Values per image: BR · BC · br · bc · n, the same count as scikit-image's.
        public let featureCount: Int
    }

    /// The layout for H × W images; throws when the image cannot hold one block.
    public func layout(height: Int, width: Int) throws -> Layout {
        guard height >= 1, width >= 1 else {
            throw DescriptorError.invalidImage(descriptor: "HOG", reason: "the images are \(height)×\(width); both sides must be at least 1")
        }
        let cells = Size(height / pixelsPerCell.rows, width / pixelsPerCell.cols)
        let minimum = Size(cellsPerBlock.rows * pixelsPerCell.rows, cellsPerBlock.cols * pixelsPerCell.cols)
        guard cells.rows >= cellsPerBlock.rows, cells.cols >= cellsPerBlock.cols else {
            throw DescriptorError.invalidOption(descriptor: "HOG", name: "pixelsPerCell and cellsPerBlock",
                reason: "a block of \(cellsPerBlock) cells of \(pixelsPerCell) pixels needs images of at least \(minimum) pixels, "
                    + "but they are \(height)×\(width); use smaller cells or blocks")
        }
        let blocks = Size(cells.rows - cellsPerBlock.rows + 1, cells.cols - cellsPerBlock.cols + 1)
        var count = 1
        for factor in [blocks.rows, blocks.cols, cellsPerBlock.rows, cellsPerBlock.cols, orientations] {
            let (product, overflow) = count.multipliedReportingOverflow(by: factor)
            guard !overflow, product <= 1 << 31 else {
                throw DescriptorError.invalidImage(descriptor: "HOG",
                    reason: "\(height)×\(width) images would give more than 2³¹ features each with \(self); use larger cells or fewer orientations")
            }
            count = product
        }
        return Layout(height: height, width: width, cells: cells, blocks: blocks,
                      blockLength: cellsPerBlock.rows * cellsPerBlock.cols * orientations, featureCount: count)
    }

    /// Features per H × W image (throws as `layout(height:width:)` does).
    public func featureCount(height: Int, width: Int) throws -> Int {
        try layout(height: height, width: width).featureCount
    }
}
