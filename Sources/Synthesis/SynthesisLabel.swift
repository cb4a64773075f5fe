/// The classes of a synthesis label map: the three tumour compartments (the network's classes 1-3)
/// and three normal tissues, with 0 outside the brain.
public enum SynthesisLabel: UInt8, CaseIterable, Sendable {
    case background = 0
    case necrosis = 1
    case edema = 2
    case enhancing = 3
    case csf = 4
    case greyMatter = 5
    case whiteMatter = 6

    /// The network's class of a voxel with this label (0 background, 1 NCR, 2 ED, 3 ET).
    @inline(__always) public static func trainingClass(_ raw: UInt8) -> UInt8 {
        raw <= 3 ? raw : 0
    }

    /// Whether `raw` is a tumour compartment.
    @inline(__always) public static func isTumour(_ raw: UInt8) -> Bool {
        raw >= 1 && raw <= 3
    }
}

/// Typical signal of each label in each modality, relative to white matter, around which every
/// synthesised study draws its own contrast.
///
/// Measured as medians on the training study TCGA-FG-6692 (normal tissue from a three-class k-means
/// of its T1) and checked for order against the six BRATS 2013 expert-labelled cases (FLAIR, T1c),
/// then widened toward textbook glioblastoma appearance where a lower-grade tumour is faint
/// (enhancement on T1ce, necrosis on T2).
public enum ContrastPrior {
    /// Rows T1, T1ce, T2, FLAIR; columns indexed by `SynthesisLabel.rawValue` (background unused).
    public static let relativeToWhiteMatter: [[Double]] = [
        // bg   NCR   ED    ET    CSF   GM    WM
        [0, 0.55, 0.76, 0.74, 0.42, 0.80, 1.0],
        [0, 0.55, 0.88, 1.45, 0.45, 0.85, 1.0],
        [0, 1.90, 1.45, 1.35, 2.10, 1.20, 1.0],
        [0, 1.45, 1.55, 1.50, 0.40, 1.06, 1.0],
    ]
}
