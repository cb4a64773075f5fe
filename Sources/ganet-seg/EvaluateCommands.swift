import ArgumentParser
import FoundationEssentials
import Metrics
import Volumes

/// `ganet-seg evaluate PRED REF [--json]`: BraTS 2023 metrics of one segmentation.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score a segmentation against a ground truth (BraTS 2023 lesion-wise metrics).")

    @Argument(help: "Predicted label map (.nii or .nii.gz).") var prediction: String
    @Argument(help: "Ground-truth label map (.nii or .nii.gz).") var reference: String
    @Flag(help: "Print the metrics.json `evaluation` object instead of a table.") var json = false

    func run() throws {
        try reportingErrors { try report() }
    }

    private func report() throws {
        let evaluation = try SegmentationScorer().score(prediction: prediction, reference: reference)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(evaluation), as: UTF8.self))
        } else {
            print(MetricsTable(rows: MetricsTable.metrics.map { metric in
                (metric.name, MetricsTable.regions.map { metric.value(evaluation[$0]) })
            }).render())
        }
    }
}

/// `ganet-seg evaluate-set PRED_DIR REF_DIR [--csv FILE]`: per-case scores and their mean and
/// median, laid out as the paper's Table 2 (rows: metric; columns: WT, ET, TC).
struct EvaluateSet: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-set",
        abstract: "Score every prediction in a folder against the ground truths with the same study id.")

    @Argument(help: "Folder of predictions: <id>_seg / <id>-seg / <id> .nii(.gz), flat or in <id>/ subfolders.")
    var predictionDir: String
    @Argument(help: "Folder of ground truths: <id>_seg / <id>-seg .nii(.gz), flat or in study subfolders.")
    var referenceDir: String
    @Option(help: "Also write one row per case and region to this CSV file.") var csv: String?

    func run() throws {
        try reportingErrors { try evaluateAll() }
    }

    private func evaluateAll() throws {
        let predictions = try SegmentationIndex(folder: predictionDir, allowBareID: true).paths
        let references = try SegmentationIndex(folder: referenceDir, allowBareID: false).paths
        let ids = references.keys.filter { predictions[$0] != nil }.sorted()
        guard !ids.isEmpty else { throw InputError("no study id has both a prediction and a ground truth") }
        for id in references.keys.sorted() where predictions[id] == nil { print("warning: no prediction for \(id)") }

        var results: [(id: String, evaluation: Evaluation)] = []
        for id in ids {
            results.append((id, try SegmentationScorer().score(prediction: predictions[id]!, reference: references[id]!)))
        }
        if let csv { try Data(caseRows(results).utf8).write(to: URL(filePath: csv)) }

        print("\(results.count) cases")
        for (label, statistic) in [("mean", mean), ("median", median)] as [(String, ([Double]) -> Double)] {
            print("\n\(label)")
            print(MetricsTable(rows: MetricsTable.metrics.map { metric in
                (metric.name, MetricsTable.regions.map { region in
                    statistic(results.map { metric.value($0.evaluation[region]) })
                })
            }).render())
        }
    }

    private func caseRows(_ results: [(id: String, evaluation: Evaluation)]) -> String {
        let header = "id,region," + MetricsTable.metrics.map(\.column).joined(separator: ",")
        let rows = results.flatMap { result in
            MetricsTable.regions.map { region in
                "\(result.id),\(region.rawValue)," + MetricsTable.metrics.map {
                    String($0.value(result.evaluation[region]))
                }.joined(separator: ",")
            }
        }
        return ([header] + rows).joined(separator: "\n") + "\n"
    }

    private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}

/// Reads two label files and scores them.
struct SegmentationScorer {
    func score(prediction: String, reference: String) throws -> Evaluation {
        try Evaluator().evaluate(prediction: load(prediction, role: .prediction),
                                 reference: load(reference, role: .reference))
    }

    private func load(_ path: String, role: MapRole) throws -> LabelMap {
        let volume = try NIfTIReader().read(path: path)
        return try LabelMap(dims: volume.geometry.dims, spacing: volume.geometry.spacing,
                            values: volume.voxels, role: role)
    }
}

/// Segmentation files of a folder by study id: `<id>_seg.nii[.gz]` or `<id>-seg.nii[.gz]` (and
/// `<id>.nii[.gz]` when `allowBareID`), directly in the folder or one level down.
struct SegmentationIndex {
    let paths: [String: String]

    init(folder: String, allowBareID: Bool) throws {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else {
            throw InputError("\(folder): not a readable folder")
        }
        var files = names.map { folder + "/" + $0 }
        for sub in files {
            var isDirectory = false
            guard fm.fileExists(atPath: sub, isDirectory: &isDirectory), isDirectory else { continue }
            files += ((try? fm.contentsOfDirectory(atPath: sub)) ?? []).map { sub + "/" + $0 }
        }
        var paths: [String: String] = [:]
        for file in files {
            let name = String(file.split(separator: "/").last ?? "")
            guard let id = Self.studyID(name, allowBareID: allowBareID) else { continue }
            if let other = paths[id], other != file {
                throw InputError("two segmentations for \(id): \(other) and \(file)")
            }
            paths[id] = file
        }
        self.paths = paths
    }

    static func studyID(_ name: String, allowBareID: Bool) -> String? {
        guard let stem = [".nii.gz", ".nii"].first(where: name.hasSuffix).map({ String(name.dropLast($0.count)) })
        else { return nil }
        for suffix in ["_seg", "-seg"] where stem.hasSuffix(suffix) { return String(stem.dropLast(suffix.count)) }
        // Bare names: BraTS submissions are named by id alone; skip modality files.
        let modalities = ["_t1", "_t1ce", "_t2", "_flair", "-t1n", "-t1c", "-t2w", "-t2f", "_anomaly"]
        return allowBareID && !modalities.contains(where: stem.hasSuffix) ? stem : nil
    }
}

/// A fixed-width table of metrics (rows) by region (columns WT, ET, TC, as in the paper).
struct MetricsTable {
    typealias Metric = (name: String, column: String, value: @Sendable (RegionEvaluation) -> Double)

    static let regions: [Region] = [.wholeTumour, .enhancingTumour, .tumourCore]
    static let metrics: [Metric] = [
        ("Dice", "dice", \.dice),
        ("HD95 (mm)", "hd95_mm", \.hd95),
        ("Lesion-wise Dice", "lesionwise_dice", \.lesionwiseDice),
        ("Lesion-wise HD95 (mm)", "lesionwise_hd95_mm", \.lesionwiseHD95),
        ("Sensitivity", "sensitivity", \.sensitivity),
        ("Specificity", "specificity", \.specificity),
        ("Lesions TP", "lesions_tp", { Double($0.lesionsTP) }),
        ("Lesions FN", "lesions_fn", { Double($0.lesionsFN) }),
        ("Lesions FP", "lesions_fp", { Double($0.lesionsFP) }),
    ]

    let rows: [(String, [Double])]

    func render() -> String {
        let width = rows.map(\.0.count).max() ?? 0
        let header = "".padding(toLength: width) + Self.regions.map { $0.rawValue.padding(toLength: 10, left: true) }.joined()
        let lines = rows.map { name, values in
            name.padding(toLength: width) + values.map { format($0, 4).padding(toLength: 10, left: true) }.joined()
        }
        return ([header] + lines).joined(separator: "\n")
    }
}
