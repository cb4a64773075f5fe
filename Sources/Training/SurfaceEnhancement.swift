import Pipeline
import Randomness

/// Bright enhancement painted on T1ce along the brain's surface, labelled background: the dura,
/// venous sinuses and cortical veins that enhance in many scans. The network otherwise meets them
/// only where its training studies have them: in the outer 5 mm of brain, the real glioma and
/// metastasis studies have 4% of voxels brighter than 1.9x the median T1ce, the one real training
/// pair 0.7%, and the superior sagittal sinus was segmented as enhancing tumour.
///
/// Each painted arc is the brain's outer band (2-8 pixels deep: a sinus with the falx beside it
/// reaches 10 mm) within a random radius of a random surface pixel, set to a random level at the top
/// of the normalised range, where enhancing tumour also lies after preprocessing, wherever the
/// slice has no tumour label (a tumour that reaches the surface keeps its own signal).
public struct SurfaceEnhancement: Sendable {
    /// Chance that a slice gets painted arcs (0 turns the augmentation off).
    public var share: Double
    /// The T1ce channel of the network's input.
    public var channel = Modality.t1ce.rawValue
    public var arcs: ClosedRange<Int> = 1...3
    public var depth: ClosedRange<Int> = 2...8
    public var radius: ClosedRange<Double> = 10...40
    /// On the preprocessed 0...1 scale (the sinus of a real glioma study: median 0.97).
    public var level: ClosedRange<Double> = 0.85...1.0

    public init(share: Double) {
        self.share = share
    }

    public func apply(to s: SliceSample, using rng: inout RandomSource) -> SliceSample {
        guard share > 0, rng.uniform(0...1) < share else { return s }
        let (w, h) = (s.width, s.height)
        let plane = w * h
        let layers = Self.surfaceDepth(of: s, upTo: depth.upperBound)
        let surface = layers.indices.filter { layers[$0] == 1 }
        guard !surface.isEmpty else { return s }
        var out = s
        for _ in 0..<Int.random(in: arcs, using: &rng) {
            let centre = surface[Int(rng.next() % UInt64(surface.count))]
            let (cx, cy) = (centre % w, centre / w)
            let r = rng.uniform(radius), deepest = Int.random(in: depth, using: &rng)
            let value = Float(rng.uniform(level))
            let (x0, x1) = (max(0, cx - Int(r)), min(w - 1, cx + Int(r)))
            let (y0, y1) = (max(0, cy - Int(r)), min(h - 1, cy + Int(r)))
            for y in y0...y1 {
                for x in x0...x1 {
                    let p = y * w + x
                    let (dx, dy) = (Double(x - cx), Double(y - cy))
                    guard layers[p] >= 1, layers[p] <= deepest, s.classes[p] == 0, dx * dx + dy * dy <= r * r else { continue }
                    out.image[channel * plane + p] = max(out.image[channel * plane + p], value)
                }
            }
        }
        return out
    }

    /// Per pixel: 0 outside the brain (every channel 0), else its 4-neighbour distance from the
    /// outside, 1 on the surface, counted up to `limit` (deeper pixels get `limit + 1`).
    static func surfaceDepth(of s: SliceSample, upTo limit: Int) -> [Int] {
        let (w, h) = (s.width, s.height)
        let plane = w * h
        var layers = (0..<plane).map { s.isBrain(at: $0) ? limit + 1 : 0 }
        for k in 1...limit {
            let before = layers
            for y in 0..<h {
                for x in 0..<w where before[y * w + x] == limit + 1 {
                    // Outside the slice counts as outside the brain.
                    func outer(_ nx: Int, _ ny: Int) -> Bool {
                        nx < 0 || ny < 0 || nx >= w || ny >= h || before[ny * w + nx] < k
                    }
                    if outer(x - 1, y) || outer(x + 1, y) || outer(x, y - 1) || outer(x, y + 1) { layers[y * w + x] = k }
                }
            }
        }
        return layers
    }
}
