import Pipeline
import Randomness

/// A training example: one axial slice of a preprocessed study and its classes.
public struct SliceSample: Sendable {
    /// `[C, H, W]` network input.
    public var image: [Float]
    /// `[H, W]` classes (0 background, 1 NCR, 2 ED, 3 ET).
    public var classes: [UInt8]
    public var height: Int
    public var width: Int
    public var channels: Int { image.count / (height * width) }

    /// Whether pixel `p` lies in the brain: preprocessing sets every channel to 0 outside it.
    public func isBrain(at p: Int) -> Bool {
        let plane = height * width
        return (0..<channels).contains { image[$0 * plane + p] != 0 }
    }
}

/// BraTS label (either convention) to network class: 1 NCR -> 1, 2 ED -> 2, 3 or 4 ET -> 3.
@inline(__always) public func trainingClass(ofLabel label: UInt8) -> UInt8 {
    label >= 3 ? 3 : label
}

/// The slices training learns from: every slice of the given studies whose ground truth is not
/// empty (the paper drops empty slices), plus, evenly spread, tumour-free brain slices up to
/// `emptyShare` of the set.
///
/// Why keep some empty slices: a network that never sees a tumour-free slice marks tumour in them
/// at inference (measured on the phantoms: about 175 false-positive components per study when
/// training on tumour slices only).
public struct TrainingSet: SliceSource, Sendable {
    public private(set) var samples: [SliceSample] = []
    /// This epoch's shuffled order and the next position in it.
    private var order: [Int] = []
    private var cursor = 0

    /// Given slices (tests, callers that build their own).
    public init(samples: [SliceSample]) {
        self.samples = samples
    }

    /// - Parameter emptyShare: the share of the set (0..<1) made of tumour-free slices.
    public init(studies: [PreprocessedStudy], emptyShare: Double = 0) {
        precondition((0..<1).contains(emptyShare), "emptyShare must be in 0..<1")
        var empty: [(PreprocessedStudy, Int)] = []
        for study in studies {
            for z in study.brainSlices {
                guard let labels = study.labelSlice(z) else { continue }
                if labels.contains(where: { $0 != 0 }) {
                    samples.append(sample(study, z, labels))
                } else {
                    empty.append((study, z))
                }
            }
        }
        // tumour / (tumour + e) = 1 - share  =>  e = tumour * share / (1 - share)
        let wanted = min(empty.count, Int((Double(samples.count) * emptyShare / (1 - emptyShare)).rounded()))
        guard wanted > 0 else { return }
        for k in 0..<wanted {
            let (study, z) = empty[k * empty.count / wanted]
            samples.append(sample(study, z, study.labelSlice(z)!))
        }
    }

    public var sliceCount: Int { samples.count }

    /// Shuffles the slices: each epoch visits them in a new order.
    public mutating func beginEpoch(using rng: inout RandomSource) {
        order = Array(samples.indices)
        order.shuffle(using: &rng)
        cursor = 0
    }

    public mutating func next(using rng: inout RandomSource) -> SliceSample {
        if order.isEmpty { beginEpoch(using: &rng) }
        defer { cursor += 1 }
        return samples[order[cursor % order.count]]
    }

    private func sample(_ study: PreprocessedStudy, _ z: Int, _ labels: [UInt8]) -> SliceSample {
        SliceSample(image: study.slice(z), classes: labels.map(trainingClass(ofLabel:)), height: study.height, width: study.width)
    }
}
