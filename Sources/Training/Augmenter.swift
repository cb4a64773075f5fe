import Glibc
import Randomness

/// Random training patches: a square crop around the tumour (sometimes anywhere), with a random
/// left-right flip, small rotation and scale, and per-channel intensity scale and shift.
///
/// Geometry is applied by inverse mapping: bilinear for the image, nearest for the classes.
public struct Augmenter: Sendable {
    public var patchSize: Int
    public var maxRotation: Double = 10 * Double.pi / 180
    public var scaleRange: ClosedRange<Double> = 0.9...1.1
    public var intensityScale: ClosedRange<Double> = 0.9...1.1
    public var intensityShift: ClosedRange<Double> = -0.05...0.05
    /// Share of patches centred on a tumour pixel (the rest on a random brain pixel).
    public var tumourCentredShare = 0.8
    /// False gives plain centred crops (validation of the augmentation, tests).
    public var enabled = true

    public init(patchSize: Int) {
        self.patchSize = patchSize
    }

    public func patch(from s: SliceSample, using rng: inout RandomSource) -> SliceSample {
        let (h, w, c) = (s.height, s.width, s.channels)
        let plane = h * w
        // Centre: a tumour pixel, or any brain pixel (non-zero input), or the slice centre.
        var centre = (Double(w) / 2, Double(h) / 2)
        let wantTumour = rng.uniform(0...1) < tumourCentredShare
        for _ in 0..<64 {
            let p = Int(rng.next() % UInt64(plane))
            if wantTumour ? s.classes[p] != 0 : s.image[p] != 0 {
                centre = (Double(p % w), Double(p / w))
                break
            }
        }
        let jitter = Double(patchSize) / 4
        // Whole-pixel centres keep an unaugmented patch an exact copy (bilinear and nearest agree).
        centre.0 = (centre.0 + rng.uniform(-jitter...jitter)).rounded()
        centre.1 = (centre.1 + rng.uniform(-jitter...jitter)).rounded()
        let angle = enabled ? rng.uniform(-maxRotation...maxRotation) : 0
        let scale = enabled ? rng.uniform(scaleRange) : 1
        let flip = enabled && rng.uniform(0...1) < 0.5
        let gains = (0..<c).map { _ in enabled ? Float(rng.uniform(intensityScale)) : 1 }
        let shifts = (0..<c).map { _ in enabled ? Float(rng.uniform(intensityShift)) : 0 }

        let n = patchSize
        var image = [Float](repeating: 0, count: c * n * n)
        var classes = [UInt8](repeating: 0, count: n * n)
        let (cosA, sinA) = (cos(angle) / scale, sin(angle) / scale)
        for v in 0..<n {
            for u in 0..<n {
                var du = Double(u - n / 2)
                let dv = Double(v - n / 2)
                if flip { du = -du }
                let x = centre.0 + cosA * du - sinA * dv
                let y = centre.1 + sinA * du + cosA * dv
                let (xi, yi) = (Int(x.rounded()), Int(y.rounded()))
                if xi >= 0, yi >= 0, xi < w, yi < h { classes[v * n + u] = s.classes[yi * w + xi] }
                let (x0, y0) = (Int(x.rounded(.down)), Int(y.rounded(.down)))
                guard x0 >= 0, y0 >= 0, x0 + 1 < w, y0 + 1 < h else { continue }
                let (fx, fy) = (Float(x - Double(x0)), Float(y - Double(y0)))
                for ch in 0..<c {
                    let b = ch * plane + y0 * w + x0
                    let top = s.image[b] * (1 - fx) + s.image[b + 1] * fx
                    let bottom = s.image[b + w] * (1 - fx) + s.image[b + w + 1] * fx
                    let value = top * (1 - fy) + bottom * fy
                    // Background stays 0 so the network keeps seeing where the brain ends.
                    image[ch * n * n + v * n + u] = value > 0 ? value * gains[ch] + shifts[ch] : 0
                }
            }
        }
        return SliceSample(image: image, classes: classes, height: n, width: n)
    }
}
