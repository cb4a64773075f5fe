import Glibc
import Pipeline
import Randomness

/// Random occlusion masks for the GAN's pre-training: one to `maxShapes` shapes, each a rotated
/// ellipse or an irregular blob (a union of overlapping discs), centred on brain pixels, with radii
/// between `radius.lowerBound` and `radius.upperBound` times the patch side. 1 = occluded.
public struct OcclusionMasks: Sendable {
    public var maxShapes = 3
    public var radius: ClosedRange<Double> = 1.0 / 16 ... 1.0 / 5

    public init() {}

    /// A `height x width` mask; `image` (any `[C, H, W]` array, channel 0 used) places the shapes on
    /// brain pixels (non-zero) when it has any.
    public func make(height: Int, width: Int, image: [Float]? = nil, using rng: inout RandomSource) -> [Float] {
        var mask = [Float](repeating: 0, count: height * width)
        let side = Double(min(height, width))
        let shapes = 1 + Int(rng.next() % UInt64(max(maxShapes, 1)))
        for _ in 0..<shapes {
            var centre = (Double(width) / 2, Double(height) / 2)
            if let image {
                for _ in 0..<64 {
                    let p = Int(rng.next() % UInt64(height * width))
                    if image[p] != 0 { centre = (Double(p % width), Double(p / width)); break }
                }
            }
            let r = (rng.uniform(radius) * side, rng.uniform(radius) * side)
            if rng.uniform(0...1) < 0.5 {
                fillEllipse(&mask, height, width, centre, r, angle: rng.uniform(0...Double.pi))
            } else {
                let discs = 3 + Int(rng.next() % 3)
                let base = (r.0 + r.1) / 2
                for _ in 0..<discs {
                    let c = (centre.0 + rng.uniform(-base...base) * 0.6, centre.1 + rng.uniform(-base...base) * 0.6)
                    let d = base * rng.uniform(0.4...0.8)
                    fillEllipse(&mask, height, width, c, (d, d), angle: 0)
                }
            }
        }
        return mask
    }

    private func fillEllipse(_ mask: inout [Float], _ h: Int, _ w: Int, _ c: (Double, Double),
                             _ r: (Double, Double), angle: Double) {
        let (cosA, sinA) = (cos(angle), sin(angle))
        let reach = max(r.0, r.1)
        // A blob's discs may lie partly or wholly outside the patch: clip their bounding box.
        let (y0, y1) = (max(0, Int((c.1 - reach).rounded(.down))), min(h, Int((c.1 + reach).rounded(.up)) + 1))
        let (x0, x1) = (max(0, Int((c.0 - reach).rounded(.down))), min(w, Int((c.0 + reach).rounded(.up)) + 1))
        guard y0 < y1, x0 < x1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 {
                let (dx, dy) = (Double(x) - c.0, Double(y) - c.1)
                let (u, v) = (cosA * dx + sinA * dy, -sinA * dx + cosA * dy)
                if (u * u) / (r.0 * r.0) + (v * v) / (r.1 * r.1) <= 1 { mask[y * w + x] = 1 }
            }
        }
    }
}
