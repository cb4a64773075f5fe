import Pipeline

/// A training example: one axial slice of a preprocessed study and its classes.
public struct SliceSample: Sendable {
    /// `[C, H, W]` network input.
    public var image: [Float]
    /// `[H, W]` classes (0 background, 1 NCR, 2 ED, 3 ET).
    public var classes: [UInt8]
    public var height: Int
    public var width: Int
    public var channels: Int { image.count / (height * width) }
}

/// BraTS label (either convention) to network class: 1 NCR -> 1, 2 ED -> 2, 3 or 4 ET -> 3.
@inline(__always) public func trainingClass(ofLabel label: UInt8) -> UInt8 {
    label >= 3 ? 3 : label
}

/// The slices training learns from: every slice of the given studies whose ground truth is not
/// empty (the paper drops empty slices).
public struct TrainingSet: Sendable {
    public private(set) var samples: [SliceSample] = []

    /// Given slices (tests, callers that build their own).
    public init(samples: [SliceSample]) {
        self.samples = samples
    }

    public init(studies: [PreprocessedStudy]) {
        for study in studies {
            for z in study.brainSlices {
                guard let labels = study.labelSlice(z), labels.contains(where: { $0 != 0 }) else { continue }
                samples.append(SliceSample(image: study.slice(z), classes: labels.map(trainingClass(ofLabel:)),
                                           height: study.height, width: study.width))
            }
        }
    }
}
