/// Scores a predicted segmentation against a reference with the BraTS 2023 lesion-wise metrics
/// (the challenge's "BraTS-GLI" settings by default).
public struct Evaluator: Sendable {
    /// Dilation passes that merge nearby ground-truth components and widen lesions for matching.
    public var dilationIterations = 3
    /// Ground-truth lesions of at most this volume (mm^3) are left out of the score.
    public var smallLesionVolume = 50.0
    /// Spacings (mm) that differ by more than this make the grids mismatched.
    public var spacingTolerance = 1e-3

    public init() {}

    /// Scores WT, TC and ET. Each map's label convention is detected on its own, so a BraTS 2020
    /// prediction can be scored against a BraTS 2023 reference.
    public func evaluate(prediction: LabelMap, reference: LabelMap) throws -> Evaluation {
        let sameSpacing = zip(prediction.spacing, reference.spacing).allSatisfy { abs($0 - $1) <= spacingTolerance }
        guard prediction.dims == reference.dims, sameSpacing else {
            throw MetricsError.gridMismatch(predictionDims: prediction.dims, referenceDims: reference.dims,
                                            predictionSpacing: prediction.spacing,
                                            referenceSpacing: reference.spacing)
        }
        // Without ET the conventions agree, so either serves.
        let predConvention = try prediction.convention(as: .prediction) ?? .brats2020
        let refConvention = try reference.convention(as: .reference) ?? .brats2020
        func score(_ region: Region) -> RegionEvaluation {
            RegionScorer(prediction: region.mask(of: prediction, convention: predConvention),
                         reference: region.mask(of: reference, convention: refConvention),
                         spacing: prediction.spacing, settings: self).evaluation()
        }
        return Evaluation(wholeTumour: score(.wholeTumour), tumourCore: score(.tumourCore),
                          enhancingTumour: score(.enhancingTumour))
    }
}

/// The penalty the reference substitutes for an infinite distance (the BraTS image diagonal, mm).
let missingDistancePenalty = 374.0

/// Scores one region: whole-region metrics plus the lesion-wise procedure.
struct RegionScorer {
    let prediction: Mask
    let reference: Mask
    let spacing: [Double]
    let settings: Evaluator

    func evaluation() -> RegionEvaluation {
        let counts = VoxelCounts(prediction: prediction, reference: reference)
        let lesions = LesionMatcher(prediction: prediction, reference: reference, spacing: spacing,
                                    settings: settings).match()
        return RegionEvaluation(
            dice: counts.dice, hd95: wholeHD95(counts),
            lesionwiseDice: lesions.dice, lesionwiseHD95: lesions.hd95,
            sensitivity: counts.sensitivity, specificity: counts.specificity,
            lesionsTP: lesions.truePositives, lesionsFN: lesions.falseNegatives,
            lesionsFP: lesions.falsePositives)
    }

    private func wholeHD95(_ counts: VoxelCounts) -> Double {
        let either = Mask(grid: prediction.grid,
                          voxels: prediction.voxels.indices.map { prediction.voxels[$0] || reference.voxels[$0] })
        guard let box = either.boundingBox else { return 0 }  // both empty
        return hd95(reference: reference.cropped(to: box), prediction: prediction.cropped(to: box),
                    grid: box.grid, spacing: spacing)
    }
}

/// HD95 in mm of two masks on a box grid, with the reference's 374 for an empty side.
func hd95(reference: [Bool], prediction: [Bool], grid: Grid, spacing: [Double]) -> Double {
    let d = SurfaceDistances(reference: reference, prediction: prediction, grid: grid, spacing: spacing)
        .robustHausdorff(percent: 95)
    return d.isFinite ? d : missingDistancePenalty
}

/// Dice of two voxel sets from their sizes and overlap; `nil` when both are empty.
func diceScore(intersection: Int, sizes a: Int, _ b: Int) -> Double? {
    a + b == 0 ? nil : 2 * Double(intersection) / Double(a + b)
}

/// Voxel-wise confusion counts of one region.
struct VoxelCounts {
    var truePositive = 0, falsePositive = 0, falseNegative = 0, trueNegative = 0

    init(prediction: Mask, reference: Mask) {
        var tally = [0, 0, 0, 0]  // indexed by 2 * predicted + reference
        for i in prediction.voxels.indices {
            tally[(prediction.voxels[i] ? 2 : 0) + (reference.voxels[i] ? 1 : 0)] += 1
        }
        (trueNegative, falseNegative, falsePositive, truePositive) = (tally[0], tally[1], tally[2], tally[3])
    }

    /// Dice, 1 when both are empty.
    var dice: Double {
        diceScore(intersection: truePositive, sizes: truePositive + falsePositive,
                          truePositive + falseNegative) ?? 1
    }

    /// TP / (TP + FN); 1 when both are empty, 0 when only the reference is.
    var sensitivity: Double {
        if truePositive + falsePositive + falseNegative == 0 { return 1 }
        return ratio(truePositive, truePositive + falseNegative)
    }

    /// TN / (TN + FP); 0 when the reference fills the grid and nothing is predicted outside it.
    var specificity: Double { ratio(trueNegative, trueNegative + falsePositive) }

    // The reference adds the smallest double to each denominator, so 0/0 reads 0.
    private func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? 0 : Double(a) / Double(b) }
}
