import FoundationEssentials
import Metrics
import Platform
import Reports
import Volumes

/// Settings of `Segmenter`.
public struct SegmenterOptions: Sendable {
    /// The label convention of the written mask (BraTS 2020: ET = 4; 2023: ET = 3).
    public var outputConvention: LabelConvention = .brats2020
    public var batchSize = 8
    /// Post-processing: tumour components (26-connected) of fewer voxels than this are removed
    /// from the mask; 0 keeps every component.
    public var minimumLesionVoxels = SegmenterOptions.defaultMinimumLesionVoxels
    /// Post-processing: components with fewer voxels than this share of their region's largest
    /// component also leave their region; 0 turns the rule off.
    public var minimumLesionFraction = SegmenterOptions.defaultMinimumLesionFraction
    public var readLimits: ReadLimits = .standard
    public var preprocessing = PreprocessingOptions()
    /// The software version written into metrics.json.
    public var softwareVersion = "0.0.0"
    /// The GAN module: with a frozen pre-trained GAN, also write `<id>_anomaly.nii.gz` (the
    /// discriminator's anomaly map, `AnomalyMapper`) and metrics.json's `anomaly` (slice scores and
    /// a study-level detection flag).
    public var gan: GANModel?
    /// A study counts as "tumour detected" when its score (the highest slice score) is at least this.
    public var anomalyThreshold = 0.5

    /// The default of `minimumLesionVoxels`: the BraTS 2023 lesion-wise metrics ignore reference
    /// lesions under 50 voxels as too small to count; a predicted speck under that size is noise.
    /// (On four validation phantoms, `synth --seed 500`, it alone removed about 90% of the
    /// phantom-trained model's stray components and kept a 70-voxel satellite lesion; applied per
    /// region, every false-positive ET and TC lesion of the ten held-out phantoms, docs/results.md.)
    public static let defaultMinimumLesionVoxels = 50

    /// The default of `minimumLesionFraction`, chosen on real scans (docs/results.md): the expert
    /// and consensus references of the seven real gliomas the default model was trained on (six
    /// BRATS 2013 cases, TCGA-FG-6692) each have one dominant whole-tumour component, every other
    /// one under 4% of it, while the network's stray components on real scans are many.
    public static let defaultMinimumLesionFraction = 0.1

    public init() {}
}

/// Segments one study end to end: read, preprocess, predict, post-process (classes to BraTS
/// labels, uncrop), then write `<id>_seg.nii.gz`, `report/*.png` and `metrics.json` into a folder.
///
/// The folder is the caller's to publish (`Publisher`): the CLI and the daemon both build outputs
/// in a hidden temporary folder and rename it whole.
public struct Segmenter {
    public let model: SegmentationModel
    public var options: SegmenterOptions

    public init(model: SegmentationModel, options: SegmenterOptions = SegmenterOptions()) {
        self.model = model
        self.options = options
    }

    /// The stages, in order, as `progress` names them.
    public enum Stage: String, Sendable, CaseIterable {
        case read, preprocess, predict, anomaly, postprocess, evaluate, write
    }

    /// Segments the study folder at `studyPath`, writing every output into the existing folder
    /// `output`. `progress(stage, fraction)` reports where it is.
    @discardableResult
    public func segment(studyAt studyPath: String, into output: String,
                        progress: (Stage, Double) -> Void = { _, _ in }) throws -> MetricsDocument {
        var timings: [String: Double] = [:]
        var stopwatch = Stopwatch()
        func lap(_ stage: Stage) { timings[stage.rawValue] = stopwatch.lap() * 1000 }

        progress(.read, 0)
        let folder = try StudyFolder(path: studyPath)
        let study = try Study.load(folder, reader: NIfTIReader(limits: options.readLimits))
        lap(.read)

        progress(.preprocess, 0)
        let prepared = try Preprocessor(options: options.preprocessing)(study)
        lap(.preprocess)

        let predictor = SlicePredictor(model: model, batchSize: options.batchSize)
        let classes = predictor.predict(prepared) { done, total in progress(.predict, Double(done) / Double(total)) }
        // A device that failed mid-way returned meaningless labels: stop before anything is written.
        try model.backend.synchronize()
        lap(.predict)

        var anomalyMap: [Float]?
        var anomalyPage: AnomalyPageInput?
        if let gan = options.gan {
            progress(.anomaly, 0)
            let mapper = AnomalyMapper(model: gan, batchSize: options.batchSize)
            let windowMap = mapper.map(prepared) { done, total in progress(.anomaly, Double(done) / Double(total) * 0.9) }
            let dims = study.geometry.dims
            anomalyMap = prepared.toInputGrid(windowMap, background: 0)
            // The report page: a few slices, their pseudo-healthy inpainting under the U-Net's mask.
            let shown = AnomalyMapper.reportSlices(prepared, classes: classes, map: windowMap)
            let inpainted = mapper.inpaint(prepared, classes: classes, slices: shown)
            let first = gan.channels[0]
            anomalyPage = AnomalyPageInput(
                studyID: study.id, dims: dims, spacing: study.geometry.spacing,
                orientation: DisplayOrientation(affine: study.geometry.affine), modality: gan.modalities[0].displayName,
                original: prepared.toInputGrid(prepared.channels[first], background: 0),
                labels: [], inpainted: prepared.toInputGrid(inpainted, background: 0),
                anomaly: anomalyMap!, slices: shown.map(prepared.inputSlice))
            try gan.backend.synchronize()
            lap(.anomaly)
        }

        progress(.postprocess, 0)
        // Filtered and measured over the crop window (no tumour lies outside it), then put back.
        let windowMap = LabelMap(dims: prepared.window.size, spacing: study.geometry.spacing,
                                 labels: classes.map(label(ofClass:)))
            .removingLesions(smallerThan: options.minimumLesionVoxels, fractionOfLargest: options.minimumLesionFraction,
                             convention: options.outputConvention)
        var regions: [String: MetricsDocument.RegionSummary] = [:]
        for region in Region.allCases {
            let (voxels, lesions) = region.extent(in: windowMap, convention: options.outputConvention)
            regions[region.rawValue] = .init(volumeML: Double(voxels) * study.geometry.voxelVolume / 1000, lesions: lesions)
        }
        let map = LabelMap(dims: study.geometry.dims, spacing: study.geometry.spacing, labels: prepared.uncrop(windowMap.labels))
        let labels = map.labels
        lap(.postprocess)

        var evaluation: Evaluation?
        if let truth = study.groundTruth {
            progress(.evaluate, 0)
            let reference = LabelMap(dims: truth.dims, spacing: truth.geometry.spacing, labels: truth.voxels.map { UInt8($0) })
            evaluation = try Evaluator().evaluate(prediction: map, reference: reference)
            lap(.evaluate)
        }

        progress(.write, 0)
        try NIfTIWriter().write(labels.map(Float.init), like: study.geometry, as: .uint8,
                                to: "\(output)/\(study.id)_seg.nii.gz")
        if let anomalyMap {
            try NIfTIWriter().write(anomalyMap, like: study.geometry, as: .float32,
                                    to: "\(output)/\(study.id)_anomaly.nii.gz")
        }
        var report = ReportInput(study: study, labels: labels)
        report.notes = model.caveat
        _ = try ReportRenderer().write(report, to: output + "/report")
        if var page = anomalyPage {
            page.labels = labels
            let image = try AnomalyPage.render(page)
            do throws(PNGError) { try image.write(to: output + "/report/anomaly.png") } catch {
                throw ReportError.png(error)
            }
        }
        lap(.write)
        timings["total"] = stopwatch.total * 1000

        var anomaly: MetricsDocument.Anomaly?
        if let anomalyMap, let gan = options.gan {
            let scores = AnomalyMapper.sliceScores(anomalyMap, dims: study.geometry.dims)
            let studyScore = scores.max() ?? 0
            anomaly = .init(sliceScores: scores, studyScore: studyScore, detected: studyScore >= options.anomalyThreshold,
                            threshold: options.anomalyThreshold, gan: .init(name: gan.name, sha256: gan.sha256))
        }
        var document = MetricsDocument(
            studyID: study.id, created: Self.timestamp(),
            software: .init(name: "ganet-seg", version: options.softwareVersion),
            model: .init(name: model.name, sha256: model.sha256, trainingData: model.metadata["training_data"]),
            device: model.backend.deviceName,
            input: .init(shape: study.geometry.dims, spacingMM: study.geometry.spacing, files: inputFiles(folder)),
            labelConvention: options.outputConvention, timingsMS: timings, regions: regions, evaluation: evaluation)
        document.anomaly = anomaly
        document.minLesionVoxels = options.minimumLesionVoxels
        document.minLesionFraction = options.minimumLesionFraction
        try writeJSON(document, to: output + "/metrics.json")
        return document
    }

    /// Network class (0 bg, 1 NCR, 2 ED, 3 ET) to the output convention's label.
    func label(ofClass c: UInt8) -> UInt8 {
        c == 3 ? options.outputConvention.enhancingTumour : c
    }

    private func inputFiles(_ folder: StudyFolder) -> [String: String] {
        var files: [String: String] = [:]
        for (m, path) in folder.modalities { files[m.key] = path.split(separator: "/").last.map(String.init) }
        if let truth = folder.groundTruth { files["ground_truth"] = truth.split(separator: "/").last.map(String.init) }
        return files
    }

    static func timestamp() -> String {
        Date.now.formatted(.iso8601)
    }
}

/// Writes `value` as pretty, key-sorted JSON, atomically.
public func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    var data = try encoder.encode(value)
    data.append(0x0A)
    try FileSystem.writeAtomically([UInt8](data), to: path)
}
