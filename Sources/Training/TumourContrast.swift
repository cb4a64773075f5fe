import Pipeline
import Randomness

/// Tumour signal randomised inside a slice, so that the network has to tell the tumour's parts by
/// where they lie as well as by their signal. Two things real gliomas show and the training data
/// shows little of:
/// - a core that looks like the oedema: in the held-out real glioma the necrotic and non-enhancing
///   core has the oedema's median intensity, relative to normal brain, in all four modalities (the
///   reference calls it core by its place inside the enhancing rim), and the network marked 82% of
///   it as oedema. Each channel's core pixels are moved part of the way (`coreToOedema`) onto the
///   oedema's mean and spread in the same slice.
/// - weak enhancement: the enhancing tumour the network missed there enhanced 1.16x normal brain on
///   T1ce, the part it found 1.48x. The T1ce excess of enhancing pixels over the slice's normal brain
///   is scaled by `enhancement`.
/// Labels are never changed.
public struct TumourContrast: Sendable {
    /// Chance that a slice with tumour is changed (0 turns the augmentation off).
    public var share: Double
    /// 0: core signal unchanged; 1: the oedema's mean and standard deviation, per channel.
    public var coreToOedema: ClosedRange<Double> = 0...1
    /// Factor on the enhancing tumour's T1ce signal above normal brain (1: unchanged).
    public var enhancement: ClosedRange<Double> = 0.4...1
    /// The T1ce channel of the network's input.
    public var channel = Modality.t1ce.rawValue

    public init(share: Double) {
        self.share = share
    }

    public func apply(to s: SliceSample, using rng: inout RandomSource) -> SliceSample {
        guard share > 0, s.classes.contains(where: { $0 != 0 }), rng.uniform(0...1) < share else { return s }
        let plane = s.width * s.height
        let pixels = { (c: UInt8) in s.classes.indices.filter { s.classes[$0] == c } }
        let (core, oedema, enhancing) = (pixels(1), pixels(2), pixels(3))
        var out = s
        let t = Float(rng.uniform(coreToOedema))
        if !core.isEmpty, !oedema.isEmpty {
            for c in 0..<s.channels {
                let from = Self.meanAndDeviation(core.map { s.image[c * plane + $0] })
                let to = Self.meanAndDeviation(oedema.map { s.image[c * plane + $0] })
                let scale = from.deviation > 0 ? to.deviation / from.deviation : 1
                for p in core {
                    let x = s.image[c * plane + p]
                    out.image[c * plane + p] = x + t * (to.mean + (x - from.mean) * scale - x)
                }
            }
        }
        let factor = Float(rng.uniform(enhancement))
        let normal = enhancing.isEmpty ? [] : s.classes.indices.filter { s.classes[$0] == 0 && s.isBrain(at: $0) }
        if !normal.isEmpty {
            let base = Self.meanAndDeviation(normal.map { s.image[channel * plane + $0] }).mean
            for p in enhancing where s.image[channel * plane + p] > base {
                out.image[channel * plane + p] = base + (s.image[channel * plane + p] - base) * factor
            }
        }
        return out
    }

    static func meanAndDeviation(_ values: [Float]) -> (mean: Float, deviation: Float) {
        let n = Float(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        return (mean, variance.squareRoot())
    }
}
