import Reports
import Volumes

extension ReportInput {
    /// The report of `study` with `labels` (on the study's grid) overlaid on its FLAIR and T1ce,
    /// displayed in the radiological convention derived from the study's affine.
    public init(study: Study, labels: [UInt8]) {
        let g = study.geometry
        self.init(studyID: study.id, dims: g.dims, spacing: g.spacing,
                  flair: study.image(.flair).voxels, t1ce: study.image(.t1ce).voxels, labels: labels,
                  orientation: DisplayOrientation(affine: g.affine))
    }
}

extension Study {
    /// Reads a label volume for this study, checking that it lies on the study's grid and holds
    /// BraTS labels only.
    public func readLabels(path: String, reader: NIfTIReader = NIfTIReader()) throws -> [UInt8] {
        let volume: Volume
        do { volume = try reader.read(path: path) } catch let e as VolumeError {
            throw StudyError.unreadableVolume(e)
        }
        if volume.dims != geometry.dims {
            throw StudyError.mismatchedGrid(file: path, reference: folder.modalities[.t1]!,
                                            detail: "dims \(volume.dims) vs \(geometry.dims)")
        }
        let difference = volume.geometry.maxAffineDifference(geometry)
        if difference > 1e-3 {
            throw StudyError.mismatchedGrid(file: path, reference: folder.modalities[.t1]!,
                                            detail: "affine differs by \(difference) mm")
        }
        try Study.validateLabels(volume, file: path)
        return volume.voxels.map { UInt8($0) }
    }
}
