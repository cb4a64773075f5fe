import Reports
import Volumes

import Glibc

extension ReportInput {
    /// The report of `study` with `labels` (on the study's grid) overlaid on its FLAIR and T1ce.
    /// Whatever the storage order, the volumes are put in BraTS order first (`Geometry.toBraTSOrder`:
    /// an axis permutation and flips from the header), so every page shows axial slices in the
    /// radiological convention; the acquisition's warnings open the first page.
    public init(study: Study, labels: [UInt8]) {
        let g = study.geometry
        let order = g.toBraTSOrder
        func axial<T>(_ values: [T]) -> [T] { order.apply(values, dims: g.dims) }
        self.init(studyID: study.id, dims: order.rearranged(g.dims), spacing: order.rearranged(g.spacing),
                  flair: axial(study.image(.flair).voxels), t1ce: axial(study.image(.t1ce).voxels), labels: axial(labels),
                  orientation: .bratsOrder)
        storedSlices = !order.keepsSliceAxis ? .none : order.flips[2] ? .reversed : .same
        notes = g.acquisitionWarnings.map { "WARNING: " + $0 }
    }
}

extension Geometry {
    /// Obliquity (degrees) above which the report and metrics.json warn that the anatomy is shown tilted.
    public static let obliquityWarningDegrees = 15.0

    /// What a reader must know about how this grid was acquired: slices stored other than axially
    /// (segmented and shown as axial slices of the same voxels), and strong obliquity (shown on the
    /// nearest axis-aligned grid, not resampled). Empty for an axial, axis-aligned study.
    public var acquisitionWarnings: [String] {
        var warnings: [String] = []
        let order = toBraTSOrder
        if !order.keepsSliceAxis {
            let plane = order.axes[0] == 2 ? "sagittal" : "coronal"
            let inPlane = order.rearranged(spacing).prefix(2).map { Self.millimetres($0) }.joined(separator: " x ")
            warnings.append("stored as \(plane) slices (axis codes \(axisCodes)); segmented and shown as axial slices "
                            + "of the same voxels, \(inPlane) mm in plane")
        }
        let oblique = obliquityDegrees
        if oblique > Self.obliquityWarningDegrees {
            warnings.append("oblique by \(Int(oblique.rounded())) degrees to the patient's axes; segmented and shown on "
                            + "the nearest axis-aligned grid, not resampled, so the anatomy appears tilted")
        }
        return warnings
    }

    private static func millimetres(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        return hundredths % 100 == 0 ? String(hundredths / 100) : String(Double(hundredths) / 100)
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
