import ArgumentParser
import Metrics
import Pipeline

struct Segment: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Segment studies: writes DIR/<id>/<id>_seg.nii.gz, report/*.png and metrics.json.",
        discussion: """
            Each study's outputs are built in a hidden folder inside DIR and renamed into place whole, \
            so DIR never holds a half-written study; an existing DIR/<id> is never overwritten (the \
            new result lands beside it as <id>.1). metrics.json includes the BraTS evaluation when \
            the study folder holds a ground truth (<id>_seg or <id>-seg).
            """)

    @Argument(help: "Study folders (four modalities each, BraTS naming).")
    var studies: [String]

    @Option(help: "Folder to publish results into (created if missing).")
    var output: String

    @Option(help: "Weights (.safetensors); default: the shipped model in models/.")
    var model: String?

    @Option(help: "auto, cpu, gpu, vulkan or vulkan:N (see `ganet-seg devices`).")
    var device: Device = .auto

    @Option(help: "Label convention of the written masks: brats2020 (ET = 4) or brats2023 (ET = 3).")
    var labels: LabelConvention = .brats2020

    @Option(help: "Slices per U-Net batch (memory grows with it).")
    var batchSize: Int = 8

    func run() throws {
        try reportingErrors {
            let backend = try device.makeBackend()
            let weights = try model ?? DefaultModel.find()
            var options = SegmenterOptions()
            options.outputConvention = labels
            options.batchSize = batchSize
            options.softwareVersion = GanetSeg.version
            let segmenter = Segmenter(model: try SegmentationModel.load(path: weights, backend: backend), options: options)
            try makeDirectories(output)
            for study in studies {
                let id = try StudyFolder(path: study).id
                let temporary = try Publisher.temporaryFolder(in: output, id: id)
                do {
                    let progress = Progress(total: 100, label: id, unit: "%")
                    var shown = 0
                    let metrics = try segmenter.segment(studyAt: study, into: temporary) { stage, fraction in
                        // Stages' share of the time: predict dominates.
                        let base = ["read": 0, "preprocess": 5, "predict": 10, "postprocess": 80, "evaluate": 85, "write": 90][stage.rawValue]!
                        let span = stage == .predict ? 70 : 5
                        let now = base + Int(Double(span) * fraction)
                        if now > shown { progress.advance(by: now - shown, detail: stage.rawValue); shown = now }
                    }
                    if shown < 100 { progress.advance(by: 100 - shown, detail: "done") }
                    let published = try Publisher.publish(temporary, into: output, id: id)
                    let wt = metrics.regions["WT"]!
                    print("\(id): \(published)  WT \(format(wt.volumeML, 1)) mL in \(wt.lesions) lesion(s), \(format(metrics.timingsMS["total"]! / 1000, 1)) s")
                } catch {
                    Publisher.discard(temporary)
                    throw error
                }
            }
        }
    }
}

extension LabelConvention: ExpressibleByArgument {}
