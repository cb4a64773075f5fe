/// The four MRI sequences a study holds, in the U-Net's channel order.
public enum Modality: Int, CaseIterable, Sendable, Codable, Comparable {
    case t1, t1ce, t2, flair

    public static func < (a: Modality, b: Modality) -> Bool { a.rawValue < b.rawValue }

    public var displayName: String {
        switch self {
        case .t1: "T1"
        case .t1ce: "T1ce"
        case .t2: "T2"
        case .flair: "FLAIR"
        }
    }

    /// File-name suffixes (before .nii/.nii.gz) in BraTS 2020 and BraTS 2023 naming.
    var suffixes: [String] {
        switch self {
        case .t1: ["_t1", "-t1n"]
        case .t1ce: ["_t1ce", "-t1c"]
        case .t2: ["_t2", "-t2w"]
        case .flair: ["_flair", "-t2f"]
        }
    }

    /// The key naming the modality in metrics.json.
    public var key: String {
        switch self {
        case .t1: "t1"
        case .t1ce: "t1ce"
        case .t2: "t2"
        case .flair: "flair"
        }
    }

    var exampleNames: String { "<id>\(suffixes[0]).nii.gz or <id>\(suffixes[1]).nii.gz" }
}

/// Ground-truth label files: `<id>_seg` (2020) or `<id>-seg` (2023).
let groundTruthSuffixes = ["_seg", "-seg"]
