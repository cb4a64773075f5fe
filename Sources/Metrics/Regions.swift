/// How a label map encodes enhancing tumour (ET); NCR is 1 and ED is 2 in both.
public enum LabelConvention: String, Sendable, CaseIterable, Codable {
    /// BraTS 2020 and earlier: ET = 4.
    case brats2020
    /// BraTS 2023: ET = 3.
    case brats2023

    /// The label of enhancing tumour.
    public var enhancingTumour: UInt8 { self == .brats2020 ? 4 : 3 }
}

/// The nested tumour regions BraTS scores.
public enum Region: String, Sendable, CaseIterable, Codable {
    /// Whole tumour: NCR, ED and ET.
    case wholeTumour = "WT"
    /// Tumour core: NCR and ET.
    case tumourCore = "TC"
    /// Enhancing tumour.
    case enhancingTumour = "ET"

    /// The labels that make up the region in `convention`.
    public func labels(in convention: LabelConvention) -> Set<UInt8> {
        let et = convention.enhancingTumour
        switch self {
        case .wholeTumour: return [1, 2, et]
        case .tumourCore: return [1, et]
        case .enhancingTumour: return [et]
        }
    }

    /// The region's voxels of `map` as a binary mask.
    func mask(of map: LabelMap, convention: LabelConvention) -> Mask {
        map.mask(of: labels(in: convention))
    }
}
