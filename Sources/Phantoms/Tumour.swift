import Glibc
import Randomness

/// A synthetic glioma: an irregular, roughly ellipsoidal mass with a necrotic core, an enhancing
/// rim and surrounding oedema that spreads further along white matter.
struct Tumour: Sendable {
    /// Centre in world mm.
    var centre: [Double]
    /// Mean radius of the enhancing boundary, mm.
    var radius: Double
    /// Per-axis stretch of the ellipsoid.
    var stretch: [Double]
    /// Fraction of the radius that is necrotic (0: none).
    var necroticFraction: Double
    /// Whether the rim enhances (false: a non-enhancing, lower-grade looking core, label 1 only).
    var enhances: Bool
    /// How far oedema reaches, in radii, where white matter is pure.
    var edemaReach: Double
    /// Low-frequency shape modulation: unit directions, amplitudes, phases.
    var lobes: [(direction: [Double], amplitude: Double, phase: Double)]

    static func random(centre: [Double], radius: Double, using rng: inout RandomSource) -> Tumour {
        let lobes = (0..<4).map { _ -> (direction: [Double], amplitude: Double, phase: Double) in
            var v = (0..<3).map { _ in rng.gaussian() }
            let n = sqrt(v.reduce(0) { $0 + $1 * $1 })
            v = v.map { $0 / max(n, 1e-9) }
            return (v, rng.uniform(0.05...0.22), rng.uniform(0...(2 * Double.pi)))
        }
        return Tumour(
            centre: centre, radius: radius,
            stretch: (0..<3).map { _ in rng.uniform(0.8...1.25) },
            necroticFraction: rng.uniform(0...1) < 0.15 ? 0 : rng.uniform(0.3...0.65),
            enhances: rng.uniform(0...1) > 0.1,
            edemaReach: rng.uniform(1.5...2.6),
            lobes: lobes)
    }

    /// Furthest distance from the centre (mm) that any compartment can reach.
    var reach: Double { radius * edemaReach * 1.6 * (stretch.max() ?? 1) }

    /// Distance from the centre in units of the local radius (1 = enhancing boundary).
    @inline(__always) func normalisedDistance(_ p: [Double]) -> Double {
        let d = (0..<3).map { (p[$0] - centre[$0]) / stretch[$0] }
        let r = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
        guard r > 1e-9 else { return 0 }
        var modulation = 0.0
        for lobe in lobes {
            let cosine = (d[0] * lobe.direction[0] + d[1] * lobe.direction[1] + d[2] * lobe.direction[2]) / r
            modulation += lobe.amplitude * sin(3 * cosine + lobe.phase)
        }
        return r / (radius * exp(modulation))
    }

    /// Oedema boundary in radii at a voxel with white-matter fraction `wm`.
    @inline(__always) func edemaLimit(wm: Double) -> Double {
        max(1.15, edemaReach * (0.5 + 0.6 * wm))
    }

    /// BraTS 2020 label at normalised distance `d`.
    @inline(__always) func label(distance d: Double, wm: Double) -> UInt8 {
        if d < necroticFraction { return 1 }
        if d < 1 { return enhances ? 4 : 1 }
        if d < edemaLimit(wm: wm) { return 2 }
        return 0
    }

    /// Soft compartment weights (partial volume at the boundaries): oedema-or-inside, core, necrosis.
    @inline(__always) func weights(distance d: Double, wm: Double) -> (edema: Double, core: Double, necrosis: Double) {
        func step(_ boundary: Double, _ width: Double) -> Double { 1 / (1 + exp((d - boundary) / width)) }
        return (step(edemaLimit(wm: wm), 0.06), step(1, 0.03), necroticFraction > 0 ? step(necroticFraction, 0.03) : 0)
    }
}
