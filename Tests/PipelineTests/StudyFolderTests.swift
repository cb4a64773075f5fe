import Foundation
import Glibc
import Testing
@testable import Pipeline
import Volumes

@Suite struct StudyFolderTests {
    @Test func findsBraTS2020Names() throws {
        let folder = try writeStudy(in: try temporaryFolder(), labels: [Float](repeating: 0, count: 20 * 18 * 6))
        let study = try StudyFolder(path: folder)
        #expect(study.id == "Case_001")
        #expect(study.modalities[.t1ce] == folder + "/Case_001_t1ce.nii.gz")
        #expect(study.modalities[.flair] == folder + "/Case_001_flair.nii.gz")
        #expect(study.groundTruth == folder + "/Case_001_seg.nii.gz")
    }

    @Test func findsBraTS2023NamesUncompressed() throws {
        let folder = try writeStudy(in: try temporaryFolder(), id: "BraTS-GLI-00001-000", naming2023: true, gzip: false)
        let study = try StudyFolder(path: folder)
        #expect(study.modalities[.t1] == folder + "/BraTS-GLI-00001-000-t1n.nii")
        #expect(study.modalities[.t2] == folder + "/BraTS-GLI-00001-000-t2w.nii")
        #expect(study.groundTruth == nil)
    }

    @Test func ignoresHiddenAndUnrelatedFiles() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        try Data("notes".utf8).write(to: URL(fileURLWithPath: folder + "/README.txt"))
        try Data().write(to: URL(fileURLWithPath: folder + "/.Case_001_t1.nii.gz"))
        #expect(try StudyFolder(path: folder).modalities.count == 4)
    }

    @Test func missingModality() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        try FileManager.default.removeItem(atPath: folder + "/Case_001_flair.nii.gz")
        #expect(throws: StudyError.missingModality(.flair, folder: folder)) { try StudyFolder(path: folder) }
        #expect(StudyError.missingModality(.flair, folder: "/in/x").description
                == "/in/x: missing FLAIR (expected a file named like <id>_flair.nii.gz or <id>-t2f.nii.gz)")
    }

    @Test func twoCandidatesForOneModality() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        try FileManager.default.copyItem(atPath: folder + "/Case_001_t2.nii.gz", toPath: folder + "/Case_001-t2w.nii.gz")
        #expect(throws: StudyError.duplicateModality(.t2, files: [folder + "/Case_001-t2w.nii.gz",
                                                                  folder + "/Case_001_t2.nii.gz"])) {
            try StudyFolder(path: folder)
        }
    }

    @Test func symlinkIsRejectedNotFollowed() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        try FileManager.default.removeItem(atPath: folder + "/Case_001_t1.nii.gz")
        #expect(symlink("/etc/passwd", folder + "/Case_001_t1.nii.gz") == 0)
        #expect(throws: StudyError.unsafeEntry(name: "Case_001_t1.nii.gz", kind: "symbolic link")) {
            try StudyFolder(path: folder)
        }
    }

    @Test func fifoIsRejected() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        #expect(mkfifo(folder + "/pipe", 0o600) == 0)
        #expect(throws: StudyError.unsafeEntry(name: "pipe", kind: "FIFO")) { try StudyFolder(path: folder) }
    }

    @Test func notAFolder() throws {
        let parent = try temporaryFolder()
        let file = parent + "/plain"
        try Data().write(to: URL(fileURLWithPath: file))
        #expect(throws: StudyError.notAFolder(path: file)) { try StudyFolder(path: file) }
    }

    @Test(arguments: [(".hidden", "starts with a dot"), ("bad\u{7}id", "contains control characters"),
                      (String(repeating: "x", count: 129), "longer than 128 bytes"),
                      ("Case.1", "ends in .1, a form the outbox reserves for a repeated id (<id>.1, <id>.2, ...); rename it, e.g. with _ for the dot"),
                      ("Case.2.30", "ends in .30, a form the outbox reserves for a repeated id (<id>.1, <id>.2, ...); rename it, e.g. with _ for the dot")])
    func unsafeStudyIDs(_ name: String, _ reason: String) {
        #expect(throws: StudyError.invalidStudyID(name: name, reason: reason)) { try StudyID.validate(name) }
    }

    /// Only a trailing dot-number is reserved (the outbox's repeats); dots and digits elsewhere are fine.
    @Test(arguments: ["Case_1", "Case.1a", "v1.2b", "Case.", "BraTS20_Training_001", "1.5T-scan"])
    func studyIDsWithDotsAndDigits(_ name: String) throws {
        try StudyID.validate(name)
    }

    @Test func mismatchedDimensions() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        let other = Geometry.axisAligned(dims: [20, 18, 5], spacing: [1, 1, 2], origin: [-10, -9, -6])
        let t2 = folder + "/Case_001_t2.nii.gz"
        try NIfTIWriter().write([Float](repeating: 1, count: 20 * 18 * 5), like: other, as: .int16, to: t2)
        let study = try StudyFolder(path: folder)
        #expect(throws: StudyError.mismatchedGrid(file: t2, reference: folder + "/Case_001_t1.nii.gz",
                                                  detail: "dims [20, 18, 5] vs [20, 18, 6]")) {
            try study.validateGrids()
        }
    }

    @Test func mismatchedAffine() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        // Shifted by 0.5 mm in y: beyond the 1e-3 mm tolerance.
        let shifted = Geometry.axisAligned(dims: [20, 18, 6], spacing: [1, 1, 2], origin: [-10, -8.5, -6])
        let flair = folder + "/Case_001_flair.nii.gz"
        try NIfTIWriter().write([Float](repeating: 1, count: 20 * 18 * 6), like: shifted, as: .int16, to: flair)
        #expect(throws: StudyError.mismatchedGrid(file: flair, reference: folder + "/Case_001_t1.nii.gz",
                                                  detail: "affine differs by 0.5 mm (tolerance 0.001 mm)")) {
            try StudyFolder(path: folder).validateGrids()
        }
    }

    @Test func unreadableModalityNamesTheFile() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        let t1ce = folder + "/Case_001_t1ce.nii.gz"
        try Data("not a nifti file at all".utf8).write(to: URL(fileURLWithPath: t1ce))
        #expect {
            try StudyFolder(path: folder).validateGrids()
        } throws: { error in
            guard case StudyError.unreadableVolume(let inner) = error else { return false }
            return "\(inner)".hasPrefix(t1ce + ":")
        }
    }

    @Test func labelsMustBeBraTSLabels() throws {
        var labels = [Float](repeating: 0, count: 20 * 18 * 6)
        labels[100] = 7
        let folder = try writeStudy(in: try temporaryFolder(), labels: labels)
        #expect(throws: StudyError.invalidLabels(file: folder + "/Case_001_seg.nii.gz",
                                                 detail: "value 7.0 (BraTS labels are 0, 1, 2, 3 or 4)")) {
            try Study.load(try StudyFolder(path: folder))
        }
    }

    @Test func labelConventionsMustNotMix() throws {
        var labels = [Float](repeating: 0, count: 20 * 18 * 6)
        labels[100] = 3
        labels[101] = 4
        let folder = try writeStudy(in: try temporaryFolder(), labels: labels)
        #expect(throws: StudyError.invalidLabels(file: folder + "/Case_001_seg.nii.gz",
                                                 detail: "both 3 and 4 present (mixes the 2023 and 2020 conventions)")) {
            try Study.load(try StudyFolder(path: folder))
        }
    }

    @Test func loadsAllVolumesInChannelOrder() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        let study = try Study.load(try StudyFolder(path: folder))
        #expect(study.images.count == 4)
        // writeStudy scales modality m by 100 * (m + 1).
        let peaks = study.images.map { $0.voxels.max()! }
        #expect(peaks[1] == 2 * peaks[0] && peaks[3] == 4 * peaks[0])
    }

    /// A study folder is itself; a folder of studies is its visible subfolders, sorted.
    @Test func studiesAtAFolderOfStudies() throws {
        let root = try temporaryFolder()
        let study = try writeStudy(in: root, id: "B")
        _ = try writeStudy(in: root, id: "A")
        try FileManager.default.createDirectory(atPath: root + "/.hidden", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: root + "/notes.txt", contents: Data()))
        #expect(symlink(study, root + "/C") == 0)
        #expect(StudyFolder.studies(at: study) == [study])
        #expect(StudyFolder.studies(at: root + "/") == [root + "/A", root + "/B"])
        let empty = try temporaryFolder()
        #expect(StudyFolder.studies(at: empty) == [empty])
        #expect(StudyFolder.studies(at: root + "/missing") == [root + "/missing"])
    }

    /// A modality replaced after the folder was listed (renamed over by another file, as a hostile
    /// or careless copier would) is refused, never read in its stead.
    @Test func aFileReplacedAfterListingIsRefused() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        let study = try StudyFolder(path: folder)
        let t2 = study.modalities[.t2]!
        #expect(copyfile(from: study.modalities[.t1]!, to: folder + "/.other") == 0)
        #expect(rename(folder + "/.other", t2) == 0)
        #expect(throws: StudyError.unreadableVolume(.replacedSinceChecked(path: t2))) { _ = try Study.load(study) }
    }

    /// The study folder itself swapped after listing, for a symlink to a copy or for another folder
    /// of the same names, is refused: the files are opened relative to a folder opened without
    /// following links, and must be the files listed.
    @Test(arguments: [true, false])
    func aFolderReplacedAfterListingIsRefused(byLink: Bool) throws {
        let root = try temporaryFolder()
        let folder = try writeStudy(in: root)
        let study = try StudyFolder(path: folder)
        let copy = root + "/copy"
        #expect(rename(folder, copy) == 0)
        _ = try writeStudy(in: root)
        if byLink {
            try FileManager.default.removeItem(atPath: folder)
            #expect(symlink(copy, folder) == 0)
        }
        let t1 = study.modalities[.t1]!
        let expected: VolumeError = byLink ? .notRegularFile(path: t1) : .replacedSinceChecked(path: t1)
        #expect(throws: StudyError.unreadableVolume(expected)) { _ = try Study.load(study) }
    }
}

/// Copies a file's bytes to a new file (a new inode), as `cp` does.
private func copyfile(from source: String, to destination: String) -> Int32 {
    guard let data = FileManager.default.contents(atPath: source),
          FileManager.default.createFile(atPath: destination, contents: data) else { return -1 }
    return 0
}
