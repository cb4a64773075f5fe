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
    /// The post-processing rules' settings.
    public var postprocessing = PostprocessingOptions()
    public var readLimits: ReadLimits = .standard
    public var preprocessing = PreprocessingOptions()
    /// The software (name, version, build commit) written into metrics.json.
    public var software = MetricsDocument.Software(name: "ganet-seg", version: "0.0.0")
    /// The GAN module: with a frozen pre-trained GAN, also write `<id>_anomaly.nii.gz` (the
    /// anomaly map, `AnomalyMapper`) and metrics.json's `anomaly` (slice scores and a study-level
    /// detection flag).
    public var gan: GANModel?
    /// How the GAN makes the anomaly map.
    public var anomalyMethod = AnomalyMethod.discriminator
    /// A study counts as "tumour detected" when its score (the highest slice score) is at least this.
    public var anomalyThreshold = SegmenterOptions.defaultAnomalyThreshold

    /// The default of `anomalyThreshold`: the shipped GAN's slice threshold, picked by Youden's J on
    /// its validation study's slices (docs/results.md, Table 1 on real scans). Another GAN's scores
    /// sit elsewhere: pick its own with `evaluate-detection --select-threshold`.
    public static let defaultAnomalyThreshold = 0.858

    public init() {}
}

/// Segments one study end to end, in the stages of `Stage`: read, preprocess, predict, anomaly
/// (with a GAN), postprocess, evaluate (with a ground truth), write. Each stage is a method of its
/// own, so `bench` times exactly what `segment` runs.
///
/// The output folder is the caller's to publish (`Publisher`): the CLI and the daemon both build
/// outputs in a hidden temporary folder and rename it whole.
public struct Segmenter {
    public let model: SegmentationModel
    public var options: SegmenterOptions

    public init(model: SegmentationModel, options: SegmenterOptions = SegmenterOptions()) {
        self.model = model
        self.options = options
    }

    /// The stages, in order, as `progress` and metrics.json's timings name them.
    public enum Stage: String, Sendable, CaseIterable {
        case read, preprocess, predict, anomaly, postprocess, evaluate, write
    }

    /// Segments the study folder at `studyPath`, writing every output into the existing folder
    /// `output`. `progress(stage, fraction)` reports where it is.
    @discardableResult
    public func segment(studyAt studyPath: String, into output: String,
                        progress: (Stage, Double) -> Void = { _, _ in }) throws -> MetricsDocument {
        var clock = StageClock()
        func stage<T>(_ stage: Stage, _ body: () throws -> T) rethrows -> T {
            progress(stage, 0)
            return try clock.time(stage, body)
        }
        let study = try stage(.read) { try read(studyPath) }
        let prepared = try stage(.preprocess) { try preprocess(study) }
        let classes = try stage(.predict) { try predict(prepared) { progress(.predict, $0) } }
        let anomaly = try options.gan.map { gan in
            try stage(.anomaly) { try detectAnomalies(gan, in: prepared, of: study, classes: classes) { progress(.anomaly, $0) } }
        }
        let mask = stage(.postprocess) { postprocess(classes, of: prepared, from: study) }
        let evaluation = try study.groundTruth.map { truth in try stage(.evaluate) { try evaluate(mask, against: truth) } }
        // The inputs' digests are part of the written record, and timed with it.
        let digests = try stage(.write) {
            try write(study, mask: mask, anomaly: anomaly, into: output)
            return try inputFiles(study.folder).mapValues { try study.folder.sha256(of: $0) }
        }
        return try writeMetrics(study, mask: mask, evaluation: evaluation, anomaly: anomaly?.summary, digests: digests,
                                timings: clock.millisecondsTotalled(), into: output)
    }

    // MARK: Stages

    /// Reads the study folder's volumes within the read limits.
    public func read(_ studyPath: String) throws -> Study {
        try Study.load(try StudyFolder(path: studyPath), reader: NIfTIReader(limits: options.readLimits))
    }

    public func preprocess(_ study: Study) throws -> PreprocessedStudy {
        try Preprocessor(options: options.preprocessing)(study)
    }

    /// The U-Net's class per window voxel; `progress` in 0...1.
    public func predict(_ study: PreprocessedStudy, progress: (Double) -> Void = { _ in }) throws -> [UInt8] {
        let classes = SlicePredictor(model: model, batchSize: options.batchSize)
            .predict(study) { done, total in progress(Double(done) / Double(total)) }
        // A device that failed mid-way returned meaningless labels: stop before anything is written.
        try model.backend.synchronize()
        return classes
    }

    public func detectAnomalies(_ gan: GANModel, in prepared: PreprocessedStudy, of study: Study, classes: [UInt8],
                                progress: (Double) -> Void = { _ in }) throws -> AnomalyDetector.Finding {
        try AnomalyDetector(gan: gan, method: options.anomalyMethod, batchSize: options.batchSize,
                            threshold: options.anomalyThreshold)(
            prepared, of: study, classes: classes, progress: progress)
    }

    /// The written mask of the U-Net's classes over `prepared`'s window; `study` gives the FLAIR.
    public func postprocess(_ classes: [UInt8], of prepared: PreprocessedStudy, from study: Study) -> SegmentationMask {
        Postprocessor(convention: options.outputConvention, options: options.postprocessing)(
            classes, of: prepared, flair: prepared.windowed(study.image(.flair).voxels))
    }

    /// The BraTS metrics of the mask against the study's ground truth.
    public func evaluate(_ mask: SegmentationMask, against truth: Volume) throws -> Evaluation {
        let reference = LabelMap(dims: truth.dims, spacing: truth.geometry.spacing, labels: truth.voxels.map { UInt8($0) })
        return try Evaluator().evaluate(prediction: mask.labels, reference: reference)
    }

    /// Writes `<id>_seg.nii.gz`, `<id>_anomaly.nii.gz` (with a GAN) and the report into `output`.
    public func write(_ study: Study, mask: SegmentationMask, anomaly: AnomalyDetector.Finding?, into output: String) throws {
        let labels = mask.labels.labels
        try NIfTIWriter().write(labels.map(Float.init), like: study.geometry, as: .uint8, to: "\(output)/\(study.id)_seg.nii.gz")
        if let anomaly {
            try NIfTIWriter().write(anomaly.map, like: study.geometry, as: .float32, to: "\(output)/\(study.id)_anomaly.nii.gz")
        }
        var report = ReportInput(study: study, labels: labels)
        report.notes += model.caveat
        report.anomaly = anomaly?.page
        _ = try ReportRenderer().write(report, to: output + "/report")
    }

    /// metrics.json: what was segmented with what, the stage timings, the regions and the scores.
    private func writeMetrics(_ study: Study, mask: SegmentationMask, evaluation: Evaluation?, anomaly: MetricsDocument.Anomaly?,
                              digests: [String: String], timings: [String: Double], into output: String) throws -> MetricsDocument {
        var document = MetricsDocument(
            studyID: study.id, created: Self.timestamp(),
            software: options.software,
            model: .init(name: model.name, sha256: model.sha256, trainingData: model.metadata["training_data"]),
            device: model.backend.deviceName,
            input: .init(shape: study.geometry.dims, spacingMM: study.geometry.spacing, orientation: study.geometry.axisCodes,
                         files: inputFiles(study.folder).mapValues { $0.split(separator: "/").last.map(String.init)! },
                         sha256: digests),
            labelConvention: options.outputConvention, timingsMS: timings, regions: mask.regions, evaluation: evaluation)
        document.anomaly = anomaly
        let warnings = study.geometry.acquisitionWarnings
        document.input.warnings = warnings.isEmpty ? nil : warnings
        let rules = options.postprocessing
        document.minLesionVoxels = rules.minimumLesionVoxels
        document.minLesionFraction = rules.minimumLesionFraction
        document.isolatedEnhancementShare = rules.isolatedEnhancementShare
        document.enclosedCoreFraction = rules.enclosedCoreFraction
        document.faintOedemaFraction = rules.faintOedemaFraction
        document = document.rounded()
        try writeJSON(document, to: output + "/metrics.json")
        return document
    }

    /// Each input file's path, by modality key and "ground_truth".
    private func inputFiles(_ folder: StudyFolder) -> [String: String] {
        var files: [String: String] = [:]
        for (m, path) in folder.modalities { files[m.key] = path }
        if let truth = folder.groundTruth { files["ground_truth"] = truth }
        return files
    }

    static func timestamp() -> String {
        Date.now.formatted(.iso8601)
    }
}

/// The time of each stage, run one after another.
private struct StageClock {
    private var stopwatch = Stopwatch()
    private var milliseconds: [String: Double] = [:]

    mutating func time<T>(_ stage: Segmenter.Stage, _ body: () throws -> T) rethrows -> T {
        let result = try body()
        milliseconds[stage.rawValue] = stopwatch.lap() * 1000
        return result
    }

    /// Each stage's milliseconds and the "total".
    func millisecondsTotalled() -> [String: Double] {
        milliseconds.merging(["total": stopwatch.total * 1000]) { a, _ in a }
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
