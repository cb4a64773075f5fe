import ArgumentParser
import Devices
import Metrics
import Pipeline
import Platform

struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment studies: writes DIR/<id>/<id>_seg.nii.gz, report/*.png and metrics.json.",
        discussion: """
            Each study's outputs are built in a hidden folder inside DIR and renamed into place whole, \
            so DIR never holds a half-written study; an existing DIR/<id> is never overwritten (the \
            new result lands beside it as <id>.1). metrics.json includes the BraTS evaluation when \
            the study folder holds a ground truth (<id>_seg or <id>-seg).

            With --gan (a GAN from `ganet-seg pretrain-gan`), each study also gets \
            <id>_anomaly.nii.gz: the discriminator's anomaly map (1 - D per patch on the original \
            image, upsampled to the input grid, 0 outside the brain), and metrics.json gets `anomaly`: \
            per-slice scores (the highest value of the map in each axial slice), the study score (the \
            highest slice score) and `detected` (study score >= --anomaly-threshold).
            """)

    @Argument(help: "Study folders (four modalities each, BraTS naming).")
    var studies: [String]

    @Option(help: "Folder to publish results into (created if missing).")
    var output: String

    @Option(help: "Weights (.safetensors); default: the shipped model in models/.")
    var model: String?

    @Option(help: "auto, cpu, gpu, vulkan or vulkan:N (see `ganet-seg devices`).")
    var device: DeviceSelection = .auto

    @Option(help: "Label convention of the written masks: brats2020 (ET = 4) or brats2023 (ET = 3).")
    var labels: LabelConvention = .brats2020

    @Option(help: "Slices per U-Net batch (memory grows with it).")
    var batchSize: Int = 8

    @Option(help: "Components smaller than this many voxels leave their region: ET specks become NCR, TC specks oedema, WT specks background (0: keep all).")
    var minLesionVoxels: Int = SegmenterOptions.defaultMinimumLesionVoxels

    @Option(help: "Components with fewer voxels than this share of their region's largest component also leave their region (0: off).")
    var minLesionFraction: Double = SegmenterOptions.defaultMinimumLesionFraction

    @Option(help: "Pre-trained GAN (.safetensors from pretrain-gan): also write the anomaly map and scores.")
    var gan: String?

    @Option(help: "With --gan: study-level detection threshold on the anomaly score (0...1).")
    var anomalyThreshold: Double = 0.5

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be >= 1") }
        guard minLesionVoxels >= 0 else { throw ValidationError("--min-lesion-voxels must be >= 0") }
        guard (0.0...1.0).contains(minLesionFraction) else { throw ValidationError("--min-lesion-fraction must be in 0...1") }
        guard (0.0...1.0).contains(anomalyThreshold) else { throw ValidationError("--anomaly-threshold must be in 0...1") }
    }

    func run() throws {
        try reportingErrors {
            let backend = try device.makeBackend()
            let weights = try model ?? DefaultModel.find()
            var options = SegmenterOptions()
            options.outputConvention = labels
            options.batchSize = batchSize
            options.minimumLesionVoxels = minLesionVoxels
            options.minimumLesionFraction = minLesionFraction
            options.softwareVersion = GanetSeg.version
            options.gan = try gan.map { try GANModel.load(path: $0, backend: backend) }
            options.anomalyThreshold = anomalyThreshold
            let segmenter = Segmenter(model: try SegmentationModel.load(path: weights, backend: backend), options: options)
            try FileSystem.makeDirectories(output)
            for study in studies {
                let id = try StudyFolder(path: study).id
                let temporary = try Publisher.temporaryFolder(in: output, id: id)
                do {
                    let progress = Progress.percent(label: id)
                    var shown = 0
                    let metrics = try segmenter.segment(studyAt: study, into: temporary) { stage, fraction in
                        // Stages' share of the time: predict dominates.
                        let base = ["read": 0, "preprocess": 5, "predict": 10, "anomaly": 75, "postprocess": 80, "evaluate": 85,
                                    "write": 90][stage.rawValue] ?? 0
                        let span = stage == .predict ? 65 : 5
                        let now = base + Int(Double(span) * fraction)
                        if now > shown { progress.advance(by: now - shown, detail: stage.rawValue); shown = now }
                    }
                    if shown < 100 { progress.advance(by: 100 - shown, detail: "done") }
                    let published = try Publisher.publish(temporary, into: output, id: id)
                    let wt = metrics.regions["WT"]!
                    let anomaly = metrics.anomaly.map { ", anomaly \(format($0.studyScore, 3))\($0.detected ? " (detected)" : "")" } ?? ""
                    print("\(id): \(published)  WT \(format(wt.volumeML, 1)) mL in \(wt.lesions) lesion(s)\(anomaly), \(format(metrics.timingsMS["total"]! / 1000, 1)) s")
                } catch {
                    Publisher.discard(temporary)
                    throw error
                }
            }
        }
    }
}

extension LabelConvention: ExpressibleByArgument {}
