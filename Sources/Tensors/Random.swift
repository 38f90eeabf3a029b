// Seeded random numbers: every stochastic step of the suite (splits, patch sampling, k-means++,
// shuffling, weight init, dropout) draws from one of these, never from global randomness.
import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a tiny generator, used here to expand one seed into the
/// state of `Xoshiro256` and to derive independent child seeds.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): the suite's generator. Same seed ⇒ same sequence on every
/// machine; the helpers below (uniform, normal, shuffle, sample) use only integer arithmetic and
/// IEEE operations, so their results are reproducible too.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s = (sm.next(), sm.next(), sm.next(), sm.next())
    }

    /// Continues the stream from `words`, the four state words `stateWords` gave (for resuming a
    /// saved run exactly); nil when there are not four words or all are zero (not a valid state).
    public init?(stateWords words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        s = (words[0], words[1], words[2], words[3])
    }

    /// The generator's state: a copy made with `init(stateWords:)` draws the same numbers from here on.
    public var stateWords: [UInt64] { [s.0, s.1, s.2, s.3] }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Xoshiro256.rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = Xoshiro256.rotl(s.3, 45)
        return result
    }

    /// A new generator whose stream is independent of this one's continuation (for handing to a
    /// sub-task, e.g. one per restart or per thread chunk).
    public mutating func split() -> Xoshiro256 {
        Xoshiro256(seed: next())
    }

    /// Uniform in [0, 1) with 24 random bits (every Float in the grid k·2⁻²⁴).
    public mutating func uniform() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniformDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * uniform()
    }

    /// Normally distributed (Box–Muller, computed in Double).
    public mutating func normal(mean: Float = 0, std: Float = 1) -> Float {
        let u1 = 1.0 - uniformDouble()  // (0, 1]
        let u2 = uniformDouble()
        let z = (-2.0 * log(u1)).squareRoot() * cos(2.0 * Double.pi * u2)
        return mean + std * Float(z)
    }

    /// A uniform integer in 0..<n (Lemire's nearly divisionless method, unbiased). n must be > 0.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below:) needs a positive bound, got \(n)")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// Shuffles `array` in place (Fisher–Yates).
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = int(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }

    /// A random permutation of 0..<n.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        shuffle(&p)
        return p
    }

    /// `k` distinct indices from 0..<n, in random order (sampling without replacement).
    /// k must satisfy 0 ≤ k ≤ n.
    public mutating func sample(_ k: Int, from n: Int) -> [Int] {
        precondition(k >= 0 && k <= n, "Cannot sample \(k) distinct items from \(n)")
        if k * 4 >= n {
            // Partial Fisher–Yates over the whole range.
            var p = Array(0..<n)
            for i in 0..<k {
                let j = i + int(below: n - i)
                p.swapAt(i, j)
            }
            return Array(p[0..<k])
        }
        // Floyd's algorithm: O(k) memory, then shuffled so the order is random as well.
        var chosen = Set<Int>(minimumCapacity: k)
        var order: [Int] = []
        order.reserveCapacity(k)
        for j in (n - k)..<n {
            let t = int(below: j + 1)
            let pick = chosen.contains(t) ? j : t
            chosen.insert(pick)
            order.append(pick)
        }
        shuffle(&order)
        return order
    }
}

