import Platform
@testable import Pipeline
import Testing
import Volumes

/// A modality without an image, or with far less of one than the others, is bad input with its
/// reason, never a segmentation of blank tissue (WT 0 mL).
@Suite struct SignalCheckTests {
    let dims = [20, 18, 6]

    /// A study whose T2 is replaced by `t2` (voxels on the same grid).
    private func study(t2: [Float]) throws -> (folder: String, t2: String) {
        let folder = try writeStudy(in: try temporaryFolder())
        let path = folder + "/Case_001_t2.nii.gz"
        try NIfTIWriter().write(t2, like: Geometry.axisAligned(dims: dims, spacing: [1, 1, 2], origin: [-10, -9, -6]),
                                as: .int16, to: path)
        return (folder, path)
    }

    @Test(arguments: [Float(0), 250])
    func aConstantModalityIsBlank(_ value: Float) throws {
        let (folder, t2) = try study(t2: [Float](repeating: value, count: dims.reduce(1, *)))
        #expect(throws: StudyError.blankModality(.t2, file: t2)) { try Study.load(try StudyFolder(path: folder)) }
    }

    /// The brain box spans slices 1-4; a T2 written only up to slice 1 (the rest still zeros, as a
    /// copier that sets the size first leaves it) has a quarter of the others' signal.
    @Test func aModalityFilledOnlyAtTheBottomIsPartial() throws {
        var t2 = brainBox(dims, scale: 300)
        let plane = dims[0] * dims[1]
        for i in (2 * plane)..<t2.count { t2[i] = 0 }
        let (folder, path) = try study(t2: t2)
        let error = StudyError.partialModality(.t2, file: path, detail: "25% as many non-zero voxels as the other modalities, none above slice 1 where they reach slice 4")
        #expect(throws: error) { try Study.load(try StudyFolder(path: folder)) }
        #expect(error.description.hasSuffix("the T2 image is mostly blank: 25% as many non-zero voxels as the other modalities, none above slice 1 where they reach slice 4 (a copy still being written?)"))
        #expect(FailureCategory(of: error) == .badInput && error.stage == "validate")
    }

    /// Three quarters of the others' signal is a real difference in coverage, not a partial copy.
    @Test func aModalityWithSomewhatLessSignalLoads() throws {
        var t2 = brainBox(dims, scale: 300)
        let plane = dims[0] * dims[1]
        for i in (4 * plane)..<t2.count { t2[i] = 0 }
        let (folder, _) = try study(t2: t2)
        #expect(try Study.load(try StudyFolder(path: folder)).images.count == 4)
    }

    /// The study's voxels together are capped from the headers, before any voxel is read: four
    /// small files that declare huge grids (a gzip bomb) cannot take the memory.
    @Test func aStudyOverItsVoxelBudgetIsRefusedFromTheHeaders() throws {
        let folder = try writeStudy(in: try temporaryFolder())
        let limits = ReadLimits(maxVoxels: 3000, maxBytes: 1 << 20)
        let error = StudyError.tooManyVoxels(total: 4 * 2160, limit: 6000)
        #expect(throws: error) { try Study.load(try StudyFolder(path: folder), reader: NIfTIReader(limits: limits)) }
        #expect(error.description == "the study's volumes hold 8640 voxels together, more than 6000 (twice max_voxels): too large to segment in memory")
        #expect(try Study.load(try StudyFolder(path: folder), reader: NIfTIReader(limits: ReadLimits(maxVoxels: 4320, maxBytes: 1 << 20))).images.count == 4)
    }
}

