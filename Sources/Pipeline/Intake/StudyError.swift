import Platform
import Volumes

/// Why a study folder was rejected: one precise reason, naming the file at fault.
public enum StudyError: CategorizedError, Equatable, Sendable {
    case notAFolder(path: String)
    case invalidStudyID(name: String, reason: String)
    case missingModality(Modality, folder: String)
    case duplicateModality(Modality, files: [String])
    case duplicateGroundTruth(files: [String])
    case unsafeEntry(name: String, kind: String)
    case outsideStudyFolder(name: String, target: String)
    case mismatchedGrid(file: String, reference: String, detail: String)
    case unreadableVolume(VolumeError)
    case invalidLabels(file: String, detail: String)
    /// The study's volumes hold more voxels together than the read limits allow (from their headers).
    case tooManyVoxels(total: Int, limit: Int)
    /// A modality with one value everywhere (all zero, say): no image at all.
    case blankModality(Modality, file: String)
    /// A modality with far less signal than the others, as a file whose size was set before its
    /// contents arrived leaves it (the rest reads as zeros).
    case partialModality(Modality, file: String, detail: String)

    public var description: String {
        switch self {
        case .notAFolder(let p): "\(p): not a study folder"
        case .invalidStudyID(let name, let reason): "study id \"\(name)\" is not allowed: \(reason)"
        case .missingModality(let m, let folder):
            "\(folder): missing \(m.displayName) (expected a file named like \(m.exampleNames))"
        case .duplicateModality(let m, let files):
            "two candidates for \(m.displayName): \(files.joined(separator: ", "))"
        case .duplicateGroundTruth(let files):
            "two candidates for the ground truth: \(files.joined(separator: ", "))"
        case .unsafeEntry(let name, let kind): "\(name): \(kind) inside the study folder (not followed)"
        case .outsideStudyFolder(let name, let target): "\(name): resolves to \(target), outside the study folder"
        case .mismatchedGrid(let file, let reference, let detail):
            "\(file): grid differs from \(reference): \(detail)"
        case .unreadableVolume(let error): error.description
        case .invalidLabels(let file, let detail): "\(file): not a label volume: \(detail)"
        case .tooManyVoxels(let total, let limit):
            "the study's volumes hold \(total) voxels together, more than \(limit) (twice max_voxels): too large to segment in memory"
        case .blankModality(let m, let file): "\(file): the \(m.displayName) image holds one value everywhere (no image)"
        case .partialModality(let m, let file, let detail):
            "\(file): the \(m.displayName) image is mostly blank: \(detail) (a copy still being written?)"
        }
    }
}

extension StudyError {
    public var category: FailureCategory { .badInput }

    public var stage: String {
        if case .unreadableVolume = self { return "read" }
        return "validate"
    }
}
