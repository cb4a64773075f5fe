import Pipeline
import Volumes

/// Decides whether a study folder that is being copied in file by file is complete.
struct StudyCompleteness: Sendable {
    var marker: String
    var reader: NIfTIReader

    /// True when the marker file is present, when the folder is wrong in a way more files cannot
    /// fix (a symlink, a FIFO, a bad name: processing will reject it with the precise reason), or
    /// when all four modalities are present and read completely (every compressed byte there).
    func isComplete(_ folder: String) -> Bool {
        if hasMarker(folder) { return true }
        let study: StudyFolder
        do {
            study = try StudyFolder(path: folder)
        } catch StudyError.missingModality {
            return false
        } catch {
            return true
        }
        let files = study.modalities.values + (study.groundTruth.map { [$0] } ?? [])
        return files.allSatisfy { (try? reader.read(path: $0)) != nil }
    }

    func hasMarker(_ folder: String) -> Bool { FileSystem.status(folder + "/" + marker) != nil }
}
