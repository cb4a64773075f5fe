import Reports

/// The anomaly stage (with a pre-trained GAN): the anomaly map (`AnomalyMethod`) on the input grid,
/// the study-level detection from its slice scores, and the report page that shows a few slices
/// with their pseudo-healthy inpainting under the U-Net's mask.
public struct AnomalyDetector {
    public let gan: GANModel
    public var method: AnomalyMethod
    public var batchSize: Int
    /// A study counts as "tumour detected" when its score (the highest slice score) is at least this.
    public var threshold: Double

    public init(gan: GANModel, method: AnomalyMethod = .discriminator, batchSize: Int = 8, threshold: Double = 0.5) {
        self.gan = gan
        self.method = method
        self.batchSize = batchSize
        self.threshold = threshold
    }

    /// What the stage found in one study.
    public struct Finding {
        /// The anomaly map (0...1) on the input grid.
        public let map: [Float]
        public let summary: MetricsDocument.Anomaly
        /// The report page, its labels still to be set to the final mask's.
        public let page: AnomalyPageInput
    }

    /// Maps `prepared` (of `study`, with the U-Net's window `classes`); `progress` in 0...1.
    public func callAsFunction(_ prepared: PreprocessedStudy, of study: Study, classes: [UInt8],
                               progress: (Double) -> Void = { _ in }) throws -> Finding {
        let mapper = AnomalyMapper(model: gan, method: method, batchSize: batchSize)
        let windowMap = mapper.map(prepared) { done, total in progress(Double(done) / Double(total) * 0.9) }
        // The page and the slice scores are axial, in BraTS order, as the report shows the study;
        // the written map is on the input grid.
        let axialMap = prepared.toBraTSGrid(windowMap, background: 0)
        let map = prepared.reorientation.invert(axialMap, dims: study.geometry.dims)
        let shown = AnomalyMapper.reportSlices(prepared, classes: classes, map: windowMap)
        // FLAIR shows oedema and tumour best; a GAN without it shows its first modality.
        let k = gan.modalities.firstIndex(of: .flair) ?? 0
        let inpainted = mapper.inpaint(prepared, classes: classes, slices: shown, channel: k)
        let seen = gan.modalities.count > 1 ? " (GAN on \(gan.modalities.map(\.displayName).joined(separator: ", ")))" : ""
        let page = AnomalyPageInput(
            studyID: study.id, dims: prepared.bratsDims, spacing: prepared.bratsSpacing,
            orientation: .bratsOrder, modality: "GAN: \(gan.modalities[k].displayName)" + seen,
            original: prepared.toBraTSGrid(prepared.channels[gan.channels[k]], background: 0),
            labels: [], inpainted: prepared.toBraTSGrid(inpainted, background: 0),
            anomaly: axialMap, anomalyLabel: method.scaleLabel, slices: shown.map(prepared.bratsSlice))
        // A device that failed mid-way returned a meaningless map.
        try gan.backend.synchronize()
        let scores = AnomalyMapper.sliceScores(axialMap, dims: prepared.bratsDims)
        let studyScore = scores.max() ?? 0
        let summary = MetricsDocument.Anomaly(method: method.rawValue, sliceScores: scores, studyScore: studyScore,
                                              detected: studyScore >= threshold, threshold: threshold,
                                              gan: .init(name: gan.name, sha256: gan.sha256))
        return Finding(map: map, summary: summary, page: page)
    }
}
