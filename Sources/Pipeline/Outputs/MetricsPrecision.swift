import Metrics

/// The precision metrics.json records: enough for every decision made from it, without the
/// float noise of 17 digits that hides a value's size and makes documents differ run to run.
/// Overlap scores keep 4 decimals (specificity, always near 1, keeps 6), distances and spacings
/// 0.01 mm, volumes 0.001 mL (1 voxel of 1 mm^3) and timings 0.1 ms.
extension MetricsDocument {
    public func rounded() -> MetricsDocument {
        var document = self
        document.input.spacingMM = input.spacingMM.map { $0.rounded(places: 4) }
        document.timingsMS = timingsMS.mapValues { $0.rounded(places: 1) }
        document.regions = regions.mapValues { summary in
            var summary = summary
            summary.volumeML = summary.volumeML.rounded(places: 3)
            return summary
        }
        document.evaluation = evaluation.map { e in
            Evaluation(wholeTumour: e.wholeTumour.rounded(), tumourCore: e.tumourCore.rounded(),
                       enhancingTumour: e.enhancingTumour.rounded())
        }
        document.anomaly = anomaly.map { a in
            var a = a
            a.sliceScores = a.sliceScores.map { $0.rounded(places: 4) }
            a.studyScore = a.studyScore.rounded(places: 4)
            return a
        }
        return document
    }
}

extension RegionEvaluation {
    func rounded() -> RegionEvaluation {
        RegionEvaluation(dice: dice.rounded(places: 4), hd95: hd95.rounded(places: 2),
                         lesionwiseDice: lesionwiseDice.rounded(places: 4), lesionwiseHD95: lesionwiseHD95.rounded(places: 2),
                         sensitivity: sensitivity.rounded(places: 4), specificity: specificity.rounded(places: 6),
                         lesionsTP: lesionsTP, lesionsFN: lesionsFN, lesionsFP: lesionsFP)
    }
}

extension Double {
    /// To `places` decimals, half away from zero.
    func rounded(places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
