import Glibc
import Networks
import Platform
import Volumes

/// A study folder whose files have been found and checked, before any voxel is read.
///
/// Discovery follows BraTS naming (2020: `<id>_t1.nii.gz` ...; 2023: `<id>-t1n.nii.gz` ...), plain
/// or gzip. Every entry is inspected with lstat and never followed: a symlink, device, FIFO or socket
/// anywhere in the folder rejects the study, since a study dropped by a person must not make the
/// daemon read elsewhere. Each file's identity (device and inode) is kept, so that reading it later
/// refuses a file swapped in since. Files that are not modalities (notes, DICOM leftovers) are ignored.
public struct StudyFolder: Sendable, Equatable {
    /// The study id: the folder's name.
    public let id: String
    public let path: String
    /// Path of each modality's file.
    public let modalities: [Modality: String]
    /// Path of the ground-truth segmentation, when the study has one.
    public let groundTruth: String?
    /// The identity each found file had when listed, by path.
    public let identities: [String: FileIdentity]

    /// Finds the files of the study at `path`; throws the first problem found.
    public init(path: String) throws {
        let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        var st = stat()
        guard lstat(folder, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw StudyError.notAFolder(path: folder)
        }
        let name = folder.split(separator: "/").last.map(String.init) ?? folder
        try StudyID.validate(name)
        id = name
        self.path = folder

        var found: [Modality: [String]] = [:]
        var truths: [String] = []
        var identities: [String: FileIdentity] = [:]
        for entry in try Self.entries(of: folder) where !entry.hasPrefix(".") {
            let full = folder + "/" + entry
            guard lstat(full, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: continue
            case S_IFLNK:
                throw StudyError.unsafeEntry(name: entry, kind: "symbolic link")
            default:
                throw StudyError.unsafeEntry(name: entry, kind: fileKind(st.st_mode))
            }
            guard let stem = niftiStem(entry) else { continue }
            identities[full] = FileIdentity(st)
            if let m = Modality.allCases.first(where: { m in m.suffixes.contains { stem.hasSuffix($0) } }) {
                found[m, default: []].append(full)
            } else if groundTruthSuffixes.contains(where: { stem.hasSuffix($0) }) {
                truths.append(full)
            }
        }
        var modalities: [Modality: String] = [:]
        for m in Modality.allCases {
            let files = (found[m] ?? []).sorted()
            guard let first = files.first else { throw StudyError.missingModality(m, folder: folder) }
            guard files.count == 1 else { throw StudyError.duplicateModality(m, files: files) }
            modalities[m] = first
        }
        guard truths.count <= 1 else { throw StudyError.duplicateGroundTruth(files: truths.sorted()) }
        self.modalities = modalities
        groundTruth = truths.first
        self.identities = identities
    }

    /// The study folders `path` names: itself when it holds NIfTI files (or is no folder at all:
    /// reading it then says what is wrong), else its visible subfolders, sorted (a folder of
    /// studies), else itself.
    public static func studies(at path: String) -> [String] {
        let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        guard let names = try? FileSystem.list(folder), !names.contains(where: { niftiStem($0) != nil }) else { return [folder] }
        let subfolders = names.filter { name in
            var st = stat()
            return !name.hasPrefix(".") && lstat(folder + "/" + name, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
        }
        return subfolders.isEmpty ? [folder] : subfolders.sorted().map { folder + "/" + $0 }
    }

    /// sha256 of the file at `path` as it is on disk, opened as the study's volumes are (no links
    /// followed); the file must still be the one listed (`replacedSinceChecked` otherwise).
    public func sha256(of path: String) throws -> String {
        var hasher = SHA256.Hasher()
        do { try readRawChunks(of: path, followingLinks: false, expecting: identities[path]) { hasher.update($0) } } catch {
            throw StudyError.unreadableVolume(error)
        }
        return hasher.finalize()
    }

    private static func entries(of folder: String) throws -> [String] {
        do { return try FileSystem.list(folder) } catch { throw StudyError.notAFolder(path: folder) }
    }

    /// Checks that the four modalities (and the ground truth) share dims and affine within
    /// `tolerance` mm and together stay within the reader's study limit, reading headers only.
    public func validateGrids(reader: NIfTIReader = NIfTIReader(), tolerance: Double = 1e-3) throws {
        let reference = modalities[.t1]!
        let grid = try header(reference, reader).geometry
        for file in Modality.allCases.dropFirst().map({ modalities[$0]! }) + (groundTruth.map { [$0] } ?? []) {
            let other = try header(file, reader).geometry
            if other.dims != grid.dims {
                throw StudyError.mismatchedGrid(file: file, reference: reference,
                                                detail: "dims \(other.dims) vs \(grid.dims)")
            }
            let difference = other.maxAffineDifference(grid)
            if difference > tolerance {
                throw StudyError.mismatchedGrid(
                    file: file, reference: reference,
                    detail: "affine differs by \(formatMM(difference)) mm (tolerance \(tolerance) mm)")
            }
        }
        let total = grid.voxelCount * (Modality.allCases.count + (groundTruth == nil ? 0 : 1))
        if total > reader.limits.maxStudyVoxels { throw StudyError.tooManyVoxels(total: total, limit: reader.limits.maxStudyVoxels) }
    }

    private func header(_ file: String, _ reader: NIfTIReader) throws -> (geometry: Geometry, datatype: NIfTIDataType) {
        do { return try reader.readHeader(path: file, expecting: identities[file]) } catch let e as VolumeError {
            throw StudyError.unreadableVolume(e)
        }
    }
}

/// `name` without .nii or .nii.gz, or nil when it is not a NIfTI file name.
func niftiStem(_ name: String) -> String? {
    let lower = name.lowercased()
    for ext in [".nii.gz", ".nii"] where lower.hasSuffix(ext) {
        return String(lower.dropLast(ext.count))
    }
    return nil
}

private func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFIFO: "FIFO"
    case S_IFCHR: "character device"
    case S_IFBLK: "block device"
    case S_IFSOCK: "socket"
    default: "special file"
    }
}

private func formatMM(_ value: Double) -> String {
    let scaled = (value * 1000).rounded() / 1000
    return "\(scaled)"
}
