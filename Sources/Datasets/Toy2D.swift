// The four two-class toy problems of the lectures ("Can logistic regression handle these cases?"),
// then two three-class ones (CS231n's spiral, three blobs): points in the plane, seeded, with
// exactly balanced classes, for decision-boundary pictures.
import Foundation
import Tensors

/// A problem in the plane. Shapes are drawn in the square [-1, 1]²; `noise` then moves every point
/// by an independent Gaussian offset of that standard deviation, so a few points may leave the
/// square (`plotRange` leaves room for them). Each class gets `count / classCount` points, the
/// first `count % classCount` classes one more.
///
/// - Diagonal Band: class 1 fills the band |x − y| / √2 < `spread` along the diagonal y = x;
///   class 0 fills the two corners of the square on either side. Not linearly separable.
/// - One Pocket: class 1 fills a disc of radius `spread` at the origin; class 0 fills the rest of
///   the square around it. Not linearly separable; a network needs 3 hidden units to enclose it.
/// - Four Gaussians: four Gaussian blobs of standard deviation `spread` at (±0.5, ±0.5), placed
///   like XOR: class 0 at (0.5, 0.5) and (−0.5, −0.5), class 1 at (−0.5, 0.5) and (0.5, −0.5).
///   Every line leaves half of each class on each side, so logistic regression stays at chance.
/// - Two Pockets: class 1 fills two discs of radius `spread` at (0.5, 0.5) and (−0.5, −0.5);
///   class 0 fills the rest of the square, between and around them. Symmetric through the origin,
///   so logistic regression stays at chance; two hidden units can only cut out one band (about
///   80 % correct), a network needs about 4–10 units to enclose both pockets.
/// - Spiral (three classes, as in CS231n's notes): three arms winding out from the origin, class k
///   at radii r evenly spaced in [0, 1] and angles 4k + 4r plus Gaussian noise of standard deviation
///   `spread` (radians). No line separates any arm from the others; a network needs many units.
/// - Blobs (three classes): Gaussian blobs of standard deviation `spread` at radius 0.55 from the
///   origin, 120° apart (class 0 straight up). Lines separate them well: logistic regression's case.
///
/// With the default spreads and noise 0.03, 5-NN reaches about 96–100 % on 500 fresh test points.
public enum Toy2D: String, CaseIterable, Sendable {
    case diagonalBand = "diagonal-band"
    case onePocket = "one-pocket"
    case fourGaussians = "four-gaussians"
    case twoPockets = "two-pockets"
    case spiral = "spiral"
    case blobs = "blobs"

    /// The lecture's title of the problem.
    public var title: String {
        switch self {
        case .diagonalBand: return "Diagonal Band"
        case .onePocket: return "One Pocket"
        case .fourGaussians: return "Four Gaussians"
        case .twoPockets: return "Two Pockets"
        case .spiral: return "Spiral"
        case .blobs: return "Three Blobs"
        }
    }

    /// The size parameter of the shape: band half-width, pocket radius, blob standard deviation or
    /// the spiral's angle noise.
    public var defaultSpread: Float {
        switch self {
        case .diagonalBand: return 0.3
        case .onePocket: return 0.5
        case .fourGaussians: return 0.15
        case .twoPockets: return 0.3
        case .spiral: return 0.2
        case .blobs: return 0.2
        }
    }

    /// The number of classes: 2 for the lectures' four problems, 3 for the spiral and the blobs.
    public var classCount: Int {
        switch self {
        case .spiral, .blobs: return 3
        default: return 2
        }
    }

    /// The default standard deviation of the Gaussian offset added to every point.
    public static let defaultNoise: Float = 0.03

    /// The range to draw on both axes: the square [-1, 1]² plus a margin.
    public static let plotRange: ClosedRange<Float> = -1.25...1.25

    /// The class names, by label.
    public var classNames: [String] { (0..<classCount).map(String.init) }

    /// The valid range of `spread`.
    public var spreadRange: ClosedRange<Float> {
        switch self {
        case .diagonalBand: return 0.01...1.2    // a band wider than 1.2 leaves almost no corners
        case .onePocket: return 0.01...0.95      // the disc must stay inside the square
        case .fourGaussians: return 0.001...2
        case .twoPockets: return 0.01...0.45     // the discs must stay inside the square and apart
        case .spiral: return 0...2               // angle noise in radians
        case .blobs: return 0.001...2
        }
    }

    /// Generates `count` points (class k: ⌊count/classes⌋, one more for the first count % classes) in a random order.
    /// The same arguments give the same points, bit for bit.
    ///
    /// - Parameters:
    ///   - noise: standard deviation of the Gaussian offset added to each point (≥ 0).
    ///   - spread: the shape's size parameter (see `defaultSpread`); nil takes the default.
    /// - Throws: `DatasetError.invalidParameter` for count < 2, a negative or non-finite noise, or
    ///   a spread that leaves no room for one of the classes.
    public func generate(count: Int, noise: Float = Toy2D.defaultNoise, spread: Float? = nil, seed: UInt64) throws -> Dataset {
        let s = spread ?? defaultSpread
        guard count >= classCount else {
            throw DatasetError.invalidParameter(name: "sample count", reason: "\(rawValue) needs at least \(classCount) points (one per class), got \(count)")
        }
        guard noise >= 0, noise.isFinite else {
            throw DatasetError.invalidParameter(name: "noise", reason: "\(noise) must be a finite standard deviation ≥ 0")
        }
        let validSpread = spreadRange
        guard s.isFinite, validSpread.contains(s) else {
            throw DatasetError.invalidParameter(name: "spread", reason: "\(s) is outside \(validSpread.lowerBound)...\(validSpread.upperBound) for \(rawValue)")
        }
        var rng = Xoshiro256(seed: seed)
        let sizes = (0..<classCount).map { count / classCount + ($0 < count % classCount ? 1 : 0) }
        let n0 = sizes[0], n1 = sizes[1]
        var points: [Float] = []
        points.reserveCapacity(2 * count)

        // Uniform points of the square [-1, 1]² for which `inside` holds (rejection sampling).
        func square(_ n: Int, where inside: (Float, Float) -> Bool) {
            var made = 0
            while made < n {
                let x = rng.uniform(-1, 1), y = rng.uniform(-1, 1)
                if inside(x, y) { points += [x, y]; made += 1 }
            }
        }
        // Uniform points of the disc of radius r around (cx, cy).
        func disc(_ n: Int, cx: Float, cy: Float, r: Float) {
            var made = 0
            while made < n {
                let x = rng.uniform(-1, 1), y = rng.uniform(-1, 1)
                if x * x + y * y < 1 { points += [cx + r * x, cy + r * y]; made += 1 }
            }
        }
        // Gaussian blobs, points dealt to the centres in turn.
        func blobs(_ n: Int, centres: [(Float, Float)]) {
            for i in 0..<n {
                let (cx, cy) = centres[i % centres.count]
                points += [rng.normal(mean: cx, std: s), rng.normal(mean: cy, std: s)]
            }
        }
        let c: Float = 0.5
        switch self {
        case .diagonalBand:
            let w = s * Float(2).squareRoot()  // |x − y| < w  ⇔  distance to the diagonal < s
            square(n0) { abs($0 - $1) >= w }
            square(n1) { abs($0 - $1) < w }
        case .onePocket:
            square(n0) { $0 * $0 + $1 * $1 >= s * s }
            disc(n1, cx: 0, cy: 0, r: s)
        case .fourGaussians:
            blobs(n0, centres: [(c, c), (-c, -c)])
            blobs(n1, centres: [(-c, c), (c, -c)])
        case .twoPockets:
            square(n0) { x, y in
                (x - c) * (x - c) + (y - c) * (y - c) >= s * s && (x + c) * (x + c) + (y + c) * (y + c) >= s * s
            }
            disc(n1 - n1 / 2, cx: c, cy: c, r: s)
            disc(n1 / 2, cx: -c, cy: -c, r: s)
        case .spiral:
            for (k, n) in sizes.enumerated() {
                for i in 0..<n {
                    let r = n > 1 ? Float(i) / Float(n - 1) : 0
                    let t = 4 * Float(k) + 4 * r + rng.normal(mean: 0, std: s)
                    points += [r * sin(t), r * cos(t)]
                }
            }
        case .blobs:
            for (k, n) in sizes.enumerated() {
                let angle = Float.pi / 2 + 2 * Float.pi * Float(k) / 3
                blobs(n, centres: [(0.55 * cos(angle), 0.55 * sin(angle))])
            }
        }
        if noise > 0 {
            for i in points.indices { points[i] += rng.normal(mean: 0, std: noise) }
        }
        let labels = sizes.enumerated().flatMap { [Int](repeating: $0.offset, count: $0.element) }
        let ordered = try Dataset(name: rawValue, features: Matrix(rows: count, cols: 2, data: points),
                                  labels: labels, classNames: classNames)
        return ordered.subset(rng.permutation(count))
    }
}
