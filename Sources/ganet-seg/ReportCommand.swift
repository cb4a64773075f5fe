import ArgumentParser
import Pipeline
import Platform
import Reports

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render the PNG report of a study with a label map (overview montage and per-slice pages).")

    @Argument(help: "The study folder (four modalities, BraTS naming).")
    var study: String

    @Option(help: "The label volume (.nii.gz) on the study's grid.")
    var seg: String

    @Option(help: "Folder for the PNGs (created if missing).")
    var output: String

    func run() throws {
        try reportingErrors {
            let loaded = try Study.load(try StudyFolder(path: study))
            let labels = try loaded.readLabels(path: seg)
            try FileSystem.makeDirectories(output)
            let files = try ReportRenderer().write(ReportInput(study: loaded, labels: labels), to: output)
            print("wrote \(files.count) PNGs to \(output) (overview: \(output)/overview.png)")
        }
    }
}
