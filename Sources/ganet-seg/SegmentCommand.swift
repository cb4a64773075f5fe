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

            A folder without NIfTI files of its own is a folder of studies: each visible subfolder \
            is segmented. A study that is bad input (named on stderr) does not stop the others; any \
            other failure (an output that cannot be written, a lost device) stops the batch. With \
            more than one study a summary follows, and the exit status is that of the last failure \
            (65 when only bad studies failed), 0 when every study was segmented.
            """)

    @Argument(help: "Study folders (four modalities each, BraTS naming), or folders of them.")
    var studies: [String] = []

    @Option(name: [.customShort("i"), .long], help: "A study folder or a folder of studies (repeatable; as the arguments).")
    var input: [String] = []

    @Option(name: [.customShort("o"), .long], help: "Folder to publish results into (created if missing).")
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
    var minLesionVoxels: Int = PostprocessingOptions().minimumLesionVoxels

    @Option(help: "Components with fewer voxels than this share of their region's largest component also leave their region (0: off).")
    var minLesionFraction: Double = PostprocessingOptions().minimumLesionFraction

    @Option(help: "Enhancing-tumour components with at least this share of background among their neighbouring voxels are removed (0: off).")
    var isolatedEnhancementShare: Double = PostprocessingOptions().isolatedEnhancementShare

    @Option(help: "Oedema that tumour core meets along at least this share of the 26 rays from it becomes necrotic core (0: off).")
    var enclosedCoreFraction: Double = PostprocessingOptions().enclosedCoreFraction

    @Option(help: "Oedema at the tumour's border below this fraction of the way from normal brain to the oedema on FLAIR is removed (0: off).")
    var faintOedemaFraction: Double = PostprocessingOptions().faintOedemaFraction

    @Option(help: "Pre-trained GAN (.safetensors from pretrain-gan): also write the anomaly map and scores.")
    var gan: String?

    @Option(help: "With --gan: study-level detection threshold on the anomaly score (0...1).")
    var anomalyThreshold: Double = SegmenterOptions.defaultAnomalyThreshold

    @Option(help: "With --gan: the anomaly map, the discriminator's 1 - D on the whole slice (the paper's) or on occluded holes, or the inpainting residual.")
    var anomalyMap: AnomalyMethod = .discriminator

    func validate() throws {
        guard !(studies + input).isEmpty else { throw ValidationError("give at least one study folder (or -i FOLDER)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be >= 1") }
        guard minLesionVoxels >= 0 else { throw ValidationError("--min-lesion-voxels must be >= 0") }
        guard (0.0...1.0).contains(minLesionFraction) else { throw ValidationError("--min-lesion-fraction must be in 0...1") }
        guard (0.0...1.0).contains(isolatedEnhancementShare) else { throw ValidationError("--isolated-enhancement-share must be in 0...1") }
        guard (0.0...1.0).contains(enclosedCoreFraction) else { throw ValidationError("--enclosed-core-fraction must be in 0...1") }
        guard (0.0...1.0).contains(faintOedemaFraction) else { throw ValidationError("--faint-oedema-fraction must be in 0...1") }
        guard (0.0...1.0).contains(anomalyThreshold) else { throw ValidationError("--anomaly-threshold must be in 0...1") }
    }

    func run() throws {
        try reportingErrors {
            let backend = try device.makeBackend()
            let weights = try model ?? DefaultModel.find()
            var options = SegmenterOptions()
            options.outputConvention = labels
            options.batchSize = batchSize
            options.postprocessing = PostprocessingOptions(
                minimumLesionVoxels: minLesionVoxels, minimumLesionFraction: minLesionFraction,
                isolatedEnhancementShare: isolatedEnhancementShare, enclosedCoreFraction: enclosedCoreFraction,
                faintOedemaFraction: faintOedemaFraction)
            options.software = GanetSeg.software
            options.gan = try gan.map { try GANModel.load(path: $0, backend: backend) }
            options.anomalyThreshold = anomalyThreshold
            options.anomalyMethod = anomalyMap
            let segmenter = Segmenter(model: try SegmentationModel.load(path: weights, backend: backend), options: options)
            try FileSystem.makeDirectories(output)
            let batch = (studies + input).flatMap(StudyFolder.studies(at:))
            var failed: [(study: String, category: FailureCategory)] = []
            var segmented = 0
            for study in batch {
                do {
                    try segment(study, with: segmenter)
                    segmented += 1
                } catch {
                    printError(error)
                    failed.append((study, FailureCategory(of: error)))
                    if failed.last!.category != .badInput { break }
                }
            }
            if batch.count > 1 {
                print(BatchSummary(total: batch.count, segmented: segmented, failed: failed).description)
            }
            if let last = failed.last { throw ExitCode(last.category.exitCode) }
        }
    }

    /// Segments one study and publishes it into `output`, leaving nothing there when it fails.
    private func segment(_ study: String, with segmenter: Segmenter) throws {
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

/// The closing line of a batch: how many studies were segmented, which failed and why, and how
/// many were not attempted because a failure stopped the batch.
struct BatchSummary: CustomStringConvertible {
    var total: Int
    var segmented: Int
    var failed: [(study: String, category: FailureCategory)]

    var description: String {
        var parts = ["\(segmented) of \(total) studies segmented"]
        if !failed.isEmpty {
            parts.append("failed: " + failed.map { "\($0.study) (\($0.category.summary))" }.joined(separator: ", "))
        }
        let skipped = total - segmented - failed.count
        if skipped > 0 { parts.append("\(skipped) not attempted: the batch stopped at the last failure") }
        return parts.joined(separator: "; ")
    }
}

extension FailureCategory {
    /// A few words for a summary line.
    var summary: String {
        switch self {
        case .badInput: "bad input"
        case .outputNotWritable: "output not writable"
        case .transient: "transient failure"
        case .internal: "internal error"
        }
    }
}

extension LabelConvention: ExpressibleByArgument {}
extension AnomalyMethod: ExpressibleByArgument {}
