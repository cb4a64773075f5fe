import Compute
import Randomness

/// How test inputs are drawn.
public enum Draw: Sendable {
    /// Uniform in `range`.
    case uniform(ClosedRange<Float>)
    /// Magnitude in 0.1...1 with random sign: at least 0.1 from the kinks of ReLU and |x|.
    case awayFromZero
    /// A shuffled ladder with steps of 0.05: ties in max pooling are at least that far apart.
    case distinct
    /// Exactly these values (their count must match the shape).
    case values([Float])
}

/// `count` values drawn as `draw` says, reproducible from `seed` (SplitMix64, `RandomSource`).
public func randomValues(_ count: Int, _ draw: Draw = .uniform(-1...1), seed: UInt64) -> [Float] {
    var rng = RandomSource(seed: seed)
    switch draw {
    case .uniform(let range): return (0..<count).map { _ in Float.random(in: range, using: &rng) }
    case .awayFromZero:
        return (0..<count).map { _ in Float.random(in: 0.1...1, using: &rng) * (Bool.random(using: &rng) ? 1 : -1) }
    case .distinct: return (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }.shuffled(using: &rng)
    case .values(let values):
        precondition(values.count == count, "\(values.count) values for \(count) elements")
        return values
    }
}

/// A seed from a name, stable across runs and platforms (FNV-1a; `hashValue` is per process).
public func stableSeed(_ name: String) -> UInt64 {
    name.utf8.reduce(0xCBF2_9CE4_8422_2325 as UInt64) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
}
