/// Anatomy to synthesise training studies from: a label map (`SynthesisLabel` per voxel) and the
/// real images that go with it, where there are any.
///
/// Each real channel keeps its scanner's texture; the synthesiser uses it where it is valid and
/// draws the rest (missing modalities, tumour voxels transplanted into a normal brain) from the
/// label map.
public struct LabelMapSource: Sendable {
    public let id: String
    /// Grid size (x, y, z), x fastest.
    public let dims: [Int]
    public let labels: [UInt8]
    /// Real intensities in channel order (T1, T1ce, T2, FLAIR), 0 outside the brain; nil where the
    /// modality was not acquired.
    public let channels: [[Float]?]
    /// Voxels whose real intensity shows what the label map says (nil: all brain voxels).
    public let validReal: [Bool]?
    /// Median real intensity of white matter per channel (the scale of synthesised values).
    public let whiteMatterLevel: [Float]

    /// - Parameters:
    ///   - labels: `SynthesisLabel` raw values; tissue labels may be missing (tissue is then
    ///     classified from `channels`) but the brain must be non-zero.
    ///   - channels: four entries, real images or nil.
    public init(id: String, dims: [Int], labels: [UInt8], channels: [[Float]?], validReal: [Bool]? = nil) {
        precondition(channels.count == 4, "four channels (T1, T1ce, T2, FLAIR), nil where missing")
        self.id = id
        self.dims = dims
        self.labels = labels
        self.channels = channels
        self.validReal = validReal
        whiteMatterLevel = channels.map { channel in
            guard let channel else { return 1 }
            var values: [Float] = []
            for i in labels.indices where labels[i] == SynthesisLabel.whiteMatter.rawValue && channel[i] > 0 {
                values.append(channel[i])
            }
            return values.isEmpty ? 1 : median(&values)
        }
    }

    /// A source from a brain with tumour labels (network classes: 1 NCR, 2 ED, 3 ET, 0 elsewhere)
    /// and its real channels; normal tissue becomes CSF, grey and white matter by a three-class
    /// k-means of the first real channel in the order T1, T1ce, T2, FLAIR, its clusters named by
    /// that modality's order of the three (T1, T1ce: CSF < GM < WM; T2: WM < GM < CSF; FLAIR:
    /// CSF < WM < GM). Without any real channel, all normal tissue is white matter.
    ///
    /// - Parameter brain: the brain mask; nil: voxels where any channel is non-zero.
    public static func classifyingTissue(id: String, dims: [Int], tumour: [UInt8], channels: [[Float]?],
                                         brain: [Bool]? = nil) -> LabelMapSource {
        let count = dims[0] * dims[1] * dims[2]
        let mask = brain ?? (0..<count).map { i in channels.contains { ($0?[i] ?? 0) != 0 } }
        var labels = [UInt8](repeating: 0, count: count)
        let referenceChannel = [0, 1, 2, 3].first { channels[$0] != nil }
        var normal: [Int] = []
        for i in 0..<count where mask[i] {
            if tumour[i] != 0 {
                labels[i] = tumour[i]
            } else {
                normal.append(i)
            }
        }
        if let m = referenceChannel, let reference = channels[m] {
            let values = normal.map { reference[$0] }
            let classes = KMeans1D(values: values, clusters: 3).assignments
            let byIntensity: [SynthesisLabel] = switch m {
            case 2: [.whiteMatter, .greyMatter, .csf]
            case 3: [.csf, .whiteMatter, .greyMatter]
            default: [.csf, .greyMatter, .whiteMatter]
            }
            for (k, i) in normal.enumerated() { labels[i] = byIntensity[Int(classes[k])].rawValue }
        } else {
            for i in normal { labels[i] = SynthesisLabel.whiteMatter.rawValue }
        }
        // Real intensities are shifted so that the brain is positive (z-scored inputs have negative
        // values) and zeroed outside it.
        let shifted = channels.map { channel -> [Float]? in
            guard let channel else { return nil }
            var lowest = Float.infinity
            for i in 0..<count where mask[i] { lowest = min(lowest, channel[i]) }
            let offset = lowest <= 0 ? -lowest + 1e-3 * max(1, abs(lowest)) : 0
            return (0..<count).map { mask[$0] ? channel[$0] + offset : 0 }
        }
        return LabelMapSource(id: id, dims: dims, labels: labels, channels: shifted)
    }

    /// This normal brain with the tumour of `donor` (same grid) transplanted into it: tumour labels
    /// replace tissue labels inside this brain, and the real channels are marked invalid there, so
    /// that the synthesiser draws the tumour's signal.
    ///
    /// - Parameter mirrored: flip the donor's tumour left to right (x) first.
    public func transplanting(tumourOf donor: LabelMapSource, mirrored: Bool) -> LabelMapSource {
        precondition(donor.dims == dims, "donor and recipient must share the grid")
        var labels = self.labels
        var valid: [Bool] = validReal ?? labels.map { $0 != 0 }
        let (nx, ny, nz) = (dims[0], dims[1], dims[2])
        for z in 0..<nz {
            for y in 0..<ny {
                for x in 0..<nx {
                    let source = (mirrored ? nx - 1 - x : x) + nx * (y + ny * z)
                    let i = x + nx * (y + ny * z)
                    let label = donor.labels[source]
                    guard SynthesisLabel.isTumour(label), labels[i] != 0 else { continue }
                    labels[i] = label
                    valid[i] = false
                }
            }
        }
        return LabelMapSource(id: id + "+" + donor.id + (mirrored ? "-mirrored" : ""), dims: dims, labels: labels,
                              channels: channels, validReal: valid)
    }

    /// Whether any voxel is tumour.
    public var hasTumour: Bool { labels.contains { SynthesisLabel.isTumour($0) } }
}

/// One-dimensional k-means (Lloyd's algorithm from evenly spread percentiles); cluster indices are
/// ordered by their centres, lowest first.
struct KMeans1D {
    let centres: [Float]
    let assignments: [UInt8]

    init(values: [Float], clusters: Int, iterations: Int = 25) {
        guard !values.isEmpty else {
            centres = []
            assignments = []
            return
        }
        var sorted = values
        sorted.sort()
        var centres = (0..<clusters).map { k in sorted[min(sorted.count - 1, (2 * k + 1) * sorted.count / (2 * clusters))] }
        var assignments = [UInt8](repeating: 0, count: values.count)
        for _ in 0..<iterations {
            var sums = [Double](repeating: 0, count: clusters), counts = [Int](repeating: 0, count: clusters)
            for (i, v) in values.enumerated() {
                var best = 0
                for k in 1..<clusters where abs(v - centres[k]) < abs(v - centres[best]) { best = k }
                assignments[i] = UInt8(best)
                sums[best] += Double(v)
                counts[best] += 1
            }
            let next = (0..<clusters).map { counts[$0] > 0 ? Float(sums[$0] / Double(counts[$0])) : centres[$0] }
            if next == centres { break }
            centres = next
        }
        // Equal starting centres (few distinct values) can leave the clusters out of order: rank them.
        let rank = centres.indices.sorted { centres[$0] < centres[$1] }
        var position = [UInt8](repeating: 0, count: clusters)
        for (r, k) in rank.enumerated() { position[k] = UInt8(r) }
        self.centres = rank.map { centres[$0] }
        self.assignments = assignments.map { position[Int($0)] }
    }
}

/// Median of `values` (reorders them).
func median(_ values: inout [Float]) -> Float {
    values.sort()
    return values[values.count / 2]
}
