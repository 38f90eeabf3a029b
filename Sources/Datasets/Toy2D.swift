// The four two-class toy problems of the lectures ("Can logistic regression handle these cases?"):
// points in the plane, seeded, with exactly balanced classes, for decision-boundary pictures.
import Tensors

/// A two-class problem in the plane. Shapes are drawn in the square [-1, 1]²; `noise` then moves
/// every point by an independent Gaussian offset of that standard deviation, so a few points may
/// leave the square (`plotRange` leaves room for them). Class 0 and class 1 get `count / 2` points
/// each (class 0 takes the odd one).
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
///
/// With the default spreads and noise 0.03, 5-NN reaches about 96–100 % on 500 fresh test points.
public enum Toy2D: String, CaseIterable, Sendable {
    case diagonalBand = "diagonal-band"
    case onePocket = "one-pocket"
    case fourGaussians = "four-gaussians"
    case twoPockets = "two-pockets"

    /// The lecture's title of the problem.
    public var title: String {
        switch self {
        case .diagonalBand: return "Diagonal Band"
        case .onePocket: return "One Pocket"
        case .fourGaussians: return "Four Gaussians"
        case .twoPockets: return "Two Pockets"
        }
    }

    /// The size parameter of the shape: band half-width, pocket radius or blob standard deviation.
    public var defaultSpread: Float {
        switch self {
        case .diagonalBand: return 0.3
        case .onePocket: return 0.5
        case .fourGaussians: return 0.15
        case .twoPockets: return 0.3
        }
    }

    /// The default standard deviation of the Gaussian offset added to every point.
    public static let defaultNoise: Float = 0.03

    /// The range to draw on both axes: the square [-1, 1]² plus a margin.
    public static let plotRange: ClosedRange<Float> = -1.25...1.25

    /// The class names, by label.
    public var classNames: [String] { ["0", "1"] }

    /// Generates `count` points (class 0: ⌈count/2⌉, class 1: ⌊count/2⌋) in a random order.
    /// The same arguments give the same points, bit for bit.
    ///
    /// - Parameters:
    ///   - noise: standard deviation of the Gaussian offset added to each point (≥ 0).
    ///   - spread: the shape's size parameter (see `defaultSpread`); nil takes the default.
    /// - Throws: `DatasetError.invalidParameter` for count < 2, a negative or non-finite noise, or
    ///   a spread that leaves no room for one of the classes.
    public func generate(count: Int, noise: Float = Toy2D.defaultNoise, spread: Float? = nil, seed: UInt64) throws -> Dataset {
        let s = spread ?? defaultSpread
        guard count >= 2 else {
            throw DatasetError.invalidParameter(name: "sample count", reason: "\(rawValue) needs at least 2 points (one per class), got \(count)")
        }
        guard noise >= 0, noise.isFinite else {
            throw DatasetError.invalidParameter(name: "noise", reason: "\(noise) must be a finite standard deviation ≥ 0")
        }
        let validSpread: ClosedRange<Float>
        switch self {
        case .diagonalBand: validSpread = 0.01...1.2    // a band wider than 1.2 leaves almost no corners
        case .onePocket: validSpread = 0.01...0.95      // the disc must stay inside the square
        case .fourGaussians: validSpread = 0.001...2
        case .twoPockets: validSpread = 0.01...0.45     // the discs must stay inside the square and apart
        }
        guard s.isFinite, validSpread.contains(s) else {
            throw DatasetError.invalidParameter(name: "spread", reason: "\(s) is outside \(validSpread.lowerBound)...\(validSpread.upperBound) for \(rawValue)")
        }
        var rng = Xoshiro256(seed: seed)
        let n0 = count - count / 2, n1 = count / 2
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
        }
        if noise > 0 {
            for i in points.indices { points[i] += rng.normal(mean: 0, std: noise) }
        }
        let labels = [Int](repeating: 0, count: n0) + [Int](repeating: 1, count: n1)
        let ordered = try Dataset(name: rawValue, features: Matrix(rows: count, cols: 2, data: points),
                                  labels: labels, classNames: classNames)
        return ordered.subset(rng.permutation(count))
    }
}
