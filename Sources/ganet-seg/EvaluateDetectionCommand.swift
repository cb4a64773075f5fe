import ArgumentParser
import FoundationEssentials
import Metrics
import Volumes

/// `ganet-seg evaluate-detection PRED_DIR REF_DIR --thresholds 0.1,0.2,0.3,0.4`: slice-level tumour
/// detection from the anomaly scores of `segment --gan`, laid out as the paper's Table 1.
struct EvaluateDetection: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-detection",
        abstract: "Score slice-level tumour detection (anomaly scores) against the ground truths.",
        discussion: """
            Reads each study's per-slice anomaly scores from PRED_DIR/<id>/metrics.json (written by \
            `segment --gan` or the daemon with a GAN; the study id is metrics.json's study_id) and \
            its ground truth from REF_DIR (<id>_seg / <id>-seg .nii(.gz), flat or in study \
            subfolders). A slice (axial, of the input grid) is a tumour slice when its ground truth \
            holds any tumour label, and is detected when its score is at least the threshold. Per \
            threshold: accuracy (TP + TN) / slices, sensitivity TP / (TP + FN), specificity TN / (TN + FP) \
            and the counts, over \
            the slices of all studies, and the AUROC of the slice scores (tumour slices above the others, \
            threshold-free). Slices without brain score 0 and count as true negatives \
            unless --brain-slices-only leaves out slices with score 0 and no tumour. Where the \
            anomaly map (<id>_anomaly.nii.gz beside metrics.json) is there, it also reports the \
            voxel-level AUROC of the map for "inside the whole tumour" against "normal brain" (the \
            voxels the map covers, as it is 0 outside the brain), per study and pooled. \
            --select-threshold also picks a threshold from these studies' slices: `youden`, the one \
            with the highest sensitivity + specificity, or a number S, the lowest one whose \
            specificity is at least S (the most sensitive such): pick it on validation studies, then \
            pass it to --thresholds on the test studies.
            """)

    @Argument(help: "Folder of segment outputs: <id>/metrics.json (with `anomaly`).") var predictionDir: String
    @Argument(help: "Folder of ground truths: <id>_seg / <id>-seg .nii(.gz), flat or in study subfolders.")
    var referenceDir: String
    @Option(help: "Comma-separated detection thresholds.") var thresholds: String = "0.1,0.2,0.3,0.4"
    @Flag(help: "Leave out slices scored 0 (no brain) that hold no tumour.") var brainSlicesOnly = false
    @Option(help: "Also pick a threshold: youden, or the lowest with at least this specificity (0...1).")
    var selectThreshold: ThresholdRule?
    @Option(help: "Also write the table to this CSV file.") var csv: String?

    func validate() throws {
        _ = try thresholdValues()
    }

    func thresholdValues() throws -> [Double] {
        let values = thresholds.split(separator: ",").map { Double($0.filter { $0 != " " }) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && (0...1).contains($0!) }) else {
            throw ValidationError("--thresholds must be numbers in 0...1 like 0.1,0.2,0.3,0.4")
        }
        return values.map { $0! }
    }

    func run() throws {
        try reportingErrors { try evaluate() }
    }

    private func evaluate() throws {
        let scores = try AnomalyScores.read(folder: predictionDir)
        let references = try SegmentationIndex(folder: referenceDir, allowBareID: false).paths
        let ids = references.keys.filter { scores[$0] != nil }.sorted()
        guard !ids.isEmpty else { throw InputError("no study id has both anomaly scores and a ground truth") }
        for id in references.keys.sorted() where scores[id] == nil { print("warning: no anomaly scores for \(id)") }

        var voxels = VoxelSeparation()
        var pooled: (scores: [Double], tumour: [Bool]) = ([], [])
        for id in ids {
            let volume = try NIfTIReader().read(path: references[id]!)
            if let map = try scores[id]!.map() {
                guard map.geometry.dims == volume.geometry.dims else {
                    throw InputError("\(scores[id]!.mapPath): grid \(map.geometry.dims), the ground truth \(references[id]!) has \(volume.geometry.dims)")
                }
                voxels.add(id, map: map.voxels, reference: volume.voxels)
            }
            // The scores run over axial slices in BraTS order, as the report shows the study: the
            // reference is put in the same order, whatever its storage.
            let order = volume.geometry.toBraTSOrder
            var tumour = SliceDetection.tumourSlices(order.apply(volume.voxels, dims: volume.geometry.dims),
                                                     dims: order.rearranged(volume.geometry.dims))
            var slices = scores[id]!.scores
            guard slices.count == tumour.count else {
                throw InputError("\(scores[id]!.path): \(slices.count) slice scores, the ground truth \(references[id]!) has \(tumour.count) slices")
            }
            if brainSlicesOnly {
                let keep = zip(slices, tumour).map { $0 != 0 || $1 }
                slices = zip(slices, keep).filter(\.1).map(\.0)
                tumour = zip(tumour, keep).filter(\.1).map(\.0)
            }
            pooled = (pooled.scores + slices, pooled.tumour + tumour)
        }
        let tables = try thresholdValues().map { SliceDetection(threshold: $0, scores: pooled.scores, tumour: pooled.tumour) }
        print("\(ids.count) studies, \(tables[0].slices) slices (\(tables[0].truePositives + tables[0].falseNegatives) with tumour)\n")
        print(DetectionTable(tables).render())
        let ranked = areaUnderROC(positives: zip(pooled.scores, pooled.tumour).filter(\.1).map(\.0),
                                  negatives: zip(pooled.scores, pooled.tumour).filter { !$0.1 }.map(\.0))
        print("\nslice AUROC, tumour slices above the others: \(ranked.map { format($0, 4) } ?? "n/a")")
        if !voxels.studies.isEmpty { print("\n" + voxels.render()) }
        if let rule = selectThreshold {
            if let d = SliceDetection.select(rule, scores: pooled.scores, tumour: pooled.tumour) {
                print("\nselected threshold \(d.threshold) (\(rule)): specificity \(format(d.specificity, 4)), sensitivity \(format(d.sensitivity, 4))")
            } else {
                print("\nno threshold selected (\(rule)): it needs tumour and tumour-free slices, and a reachable specificity")
            }
        }
        if let csv { try Data(DetectionTable(tables).csv().utf8).write(to: URL(filePath: csv)) }
    }
}

/// Per-slice anomaly scores of the studies in a folder of segment outputs, by study id.
struct AnomalyScores {
    let path: String
    let scores: [Double]
    /// Where the study's anomaly map is, beside metrics.json.
    let mapPath: String

    /// The anomaly map, or nil when it is not there.
    func map() throws -> Volume? {
        FileManager.default.fileExists(atPath: mapPath) ? try NIfTIReader().read(path: mapPath) : nil
    }

    private struct Document: Decodable {
        struct Anomaly: Decodable {
            let slice_scores: [Double]
        }
        let study_id: String
        let anomaly: Anomaly?
    }

    /// Reads `<folder>/<sub>/metrics.json` for every sub-folder that has one.
    static func read(folder: String) throws -> [String: AnomalyScores] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else {
            throw InputError("\(folder): not a readable folder")
        }
        var out: [String: AnomalyScores] = [:]
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder + "/" + name + "/metrics.json"
            guard fm.fileExists(atPath: path) else { continue }
            let document: Document
            do { document = try JSONDecoder().decode(Document.self, from: Data(contentsOf: URL(filePath: path))) } catch {
                throw InputError("\(path): not a metrics.json (\(error))")
            }
            guard let anomaly = document.anomaly else {
                throw InputError("\(path): no `anomaly` scores (segment with --gan)")
            }
            if let other = out[document.study_id] {
                throw InputError("two results for \(document.study_id): \(other.path) and \(path)")
            }
            out[document.study_id] = AnomalyScores(path: path, scores: anomaly.slice_scores,
                                                   mapPath: "\(folder)/\(name)/\(document.study_id)_anomaly.nii.gz")
        }
        return out
    }
}

/// The paper's Table 1: one row per threshold; accuracy, sensitivity, TP, FN, FP (and TN), and specificity.
struct DetectionTable {
    let rows: [SliceDetection]

    init(_ rows: [SliceDetection]) { self.rows = rows }

    static let columns = ["Threshold", "Accuracy", "Sensitivity", "Specificity", "TP", "FN", "FP", "TN"]

    private func cells(_ d: SliceDetection) -> [String] {
        [String(d.threshold), format(d.accuracy, 4), format(d.sensitivity, 4), format(d.specificity, 4),
         "\(d.truePositives)", "\(d.falseNegatives)", "\(d.falsePositives)", "\(d.trueNegatives)"]
    }

    func render() -> String {
        let body = rows.map(cells)
        let widths = Self.columns.indices.map { c in max(Self.columns[c].count, body.map { $0[c].count }.max() ?? 0) + 2 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { i, cw in
                i == 0 ? cw.0.padding(toLength: cw.1) : cw.0.padding(toLength: cw.1, left: true)
            }.joined()
        }
        return ([line(Self.columns)] + body.map(line)).joined(separator: "\n")
    }

    func csv() -> String {
        (["threshold,accuracy,sensitivity,specificity,tp,fn,fp,tn"] + rows.map { d in
            "\(d.threshold),\(d.accuracy),\(d.sensitivity),\(d.specificity),\(d.truePositives),\(d.falseNegatives),\(d.falsePositives),\(d.trueNegatives)"
        }).joined(separator: "\n") + "\n"
    }
}

/// How well anomaly maps separate the whole tumour from normal brain, voxel by voxel: the AUROC of
/// the map's values inside the reference's tumour labels against those of the other voxels the map
/// covers (it is 0 outside the brain), per study and over the studies' voxels pooled.
struct VoxelSeparation {
    private(set) var studies: [(id: String, auroc: Double?)] = []
    private var tumour: [Double] = [], normal: [Double] = []

    mutating func add(_ id: String, map: [Float], reference: [Float]) {
        var (t, n) = ([Double](), [Double]())
        for (value, label) in zip(map, reference) {
            if label != 0 { t.append(Double(value)) } else if value > 0 { n.append(Double(value)) }
        }
        studies.append((id, areaUnderROC(positives: t, negatives: n)))
        tumour += t
        normal += n
    }

    var pooled: Double? { areaUnderROC(positives: tumour, negatives: normal) }

    func render() -> String {
        func text(_ a: Double?) -> String { a.map { format($0, 4) } ?? "n/a" }
        return (["voxel AUROC, whole tumour against normal brain: \(text(pooled)) (\(tumour.count) tumour, \(normal.count) normal voxels)"]
            + studies.map { "  \($0.id): \(text($0.auroc))" }).joined(separator: "\n")
    }
}

extension ThresholdRule: ExpressibleByArgument {
    /// `youden`, or a minimum specificity in 0...1.
    public init?(argument: String) {
        if argument == "youden" {
            self = .youden
        } else if let s = Double(argument), (0...1).contains(s) {
            self = .mostSensitive(minimumSpecificity: s)
        } else {
            return nil
        }
    }
}
