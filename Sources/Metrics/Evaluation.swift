/// The BraTS 2023 scores of one region.
public struct RegionEvaluation: Codable, Equatable, Sendable {
    /// Whole-region Dice.
    public var dice: Double
    /// Whole-region 95th-percentile Hausdorff distance in mm (374 when exactly one side is empty).
    public var hd95: Double
    /// Lesion-wise Dice: sum over lesions over (lesions + false positives).
    public var lesionwiseDice: Double
    /// Lesion-wise HD95 in mm, misses and false positives counting 374.
    public var lesionwiseHD95: Double
    /// Voxel-wise sensitivity over the whole region.
    public var sensitivity: Double
    /// Voxel-wise specificity over the whole region.
    public var specificity: Double
    /// Ground-truth lesions (over 50 mm^3) that a predicted component touches.
    public var lesionsTP: Int
    /// Ground-truth lesions (over 50 mm^3) that no predicted component touches.
    public var lesionsFN: Int
    /// Predicted components that touch no ground-truth lesion.
    public var lesionsFP: Int

    public init(dice: Double, hd95: Double, lesionwiseDice: Double, lesionwiseHD95: Double,
                sensitivity: Double, specificity: Double, lesionsTP: Int, lesionsFN: Int, lesionsFP: Int) {
        self.dice = dice
        self.hd95 = hd95
        self.lesionwiseDice = lesionwiseDice
        self.lesionwiseHD95 = lesionwiseHD95
        self.sensitivity = sensitivity
        self.specificity = specificity
        self.lesionsTP = lesionsTP
        self.lesionsFN = lesionsFN
        self.lesionsFP = lesionsFP
    }

    enum CodingKeys: String, CodingKey {
        case dice, hd95 = "hd95_mm", lesionwiseDice = "lesionwise_dice"
        case lesionwiseHD95 = "lesionwise_hd95_mm", sensitivity, specificity
        case lesionsTP = "lesions_tp", lesionsFN = "lesions_fn", lesionsFP = "lesions_fp"
    }
}

/// The scores of all three regions, encoded as `{"WT": ..., "TC": ..., "ET": ...}`.
public struct Evaluation: Codable, Equatable, Sendable {
    public var wholeTumour: RegionEvaluation
    public var tumourCore: RegionEvaluation
    public var enhancingTumour: RegionEvaluation

    public init(wholeTumour: RegionEvaluation, tumourCore: RegionEvaluation, enhancingTumour: RegionEvaluation) {
        self.wholeTumour = wholeTumour
        self.tumourCore = tumourCore
        self.enhancingTumour = enhancingTumour
    }

    public subscript(region: Region) -> RegionEvaluation {
        switch region {
        case .wholeTumour: wholeTumour
        case .tumourCore: tumourCore
        case .enhancingTumour: enhancingTumour
        }
    }

    enum CodingKeys: String, CodingKey {
        case wholeTumour = "WT", tumourCore = "TC", enhancingTumour = "ET"
    }
}
