import Foundation
@testable import Pipeline
@testable import Reports
import Testing
import Volumes

/// Reports show every study as axial slices in the radiological convention, whatever its storage
/// order: the header decides, and a study that is not stored axially, or is strongly oblique, says so.
@Suite struct ReportOrientationTests {
    /// A head in BraTS order (x toward the left, y posterior, z superior), 2 mm slices.
    static let dims = [24, 20, 8]
    static let axialAffine: [[Double]] = [[-1, 0, 0, 23], [0, -1, 0, 19], [0, 0, 2, 0]]
    /// The same voxels stored sagittally: i anterior, j superior, k toward the left ("ASL").
    static let sagittalAffine: [[Double]] = [[0, 0, -1, 23], [1, 0, 0, 0], [0, 2, 0, 0]]

    /// Brain everywhere but the border, brighter toward the patient's right and front (so any flip
    /// or transposition shows), and a tumour on the left.
    static func head() -> (image: [Float], labels: [Float]) {
        let (nx, ny, nz) = (dims[0], dims[1], dims[2])
        var image = [Float](repeating: 0, count: nx * ny * nz), labels = image
        for z in 1..<nz - 1 { for y in 2..<ny - 2 { for x in 2..<nx - 2 {
            let i = x + nx * (y + ny * z)
            image[i] = Float(100 + 10 * (nx - x) + 3 * (ny - y) + z)
            if x >= 15, x < 20, y >= 6, y < 10, z >= 3, z < 6 { labels[i] = x < 17 ? 4 : 2 }
        } } }
        return (image, labels)
    }

    /// `lps` (BraTS order) rearranged into the sagittal storage: stored (i, j, k) = lps (k, ny-1-i, j).
    static func sagittal<T>(_ lps: [T]) -> [T] {
        let (nx, ny, nz) = (dims[0], dims[1], dims[2])
        var out = lps
        for k in 0..<nx { for j in 0..<nz { for i in 0..<ny {
            out[i + ny * (j + nz * k)] = lps[k + nx * ((ny - 1 - i) + ny * j)]
        } } }
        return out
    }

    static func writeStudy(in root: String, id: String, dims: [Int], affine: [[Double]], image: [Float], labels: [Float]) throws -> Study {
        let folder = root + "/" + id
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let geometry = Geometry.withAffine(dims: dims, affine: affine)
        for (m, suffix) in ["_t1", "_t1ce", "_t2", "_flair"].enumerated() {
            try NIfTIWriter().write(image.map { $0 * Float(m + 1) }, like: geometry, as: .int16, to: "\(folder)/\(id)\(suffix).nii.gz")
        }
        try NIfTIWriter().write(labels, like: geometry, as: .uint8, to: "\(folder)/\(id)_seg.nii.gz")
        return try Study.load(try StudyFolder(path: folder))
    }

    @Test func aSagittalStudyIsReportedAsItsAxialTwin() throws {
        let root = try temporaryFolder("orientation")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (image, labels) = Self.head()
        let axial = try Self.writeStudy(in: root, id: "Axial", dims: Self.dims, affine: Self.axialAffine, image: image, labels: labels)
        let sagittal = try Self.writeStudy(in: root, id: "Sagittal", dims: [Self.dims[1], Self.dims[2], Self.dims[0]],
                                           affine: Self.sagittalAffine, image: Self.sagittal(image), labels: Self.sagittal(labels))
        #expect(sagittal.geometry.axisCodes == "ASL")

        func input(_ study: Study) -> ReportInput {
            var input = ReportInput(study: study, labels: study.groundTruth!.voxels.map { UInt8($0) })
            input.studyID = "Twin"
            return input
        }
        let (a, s) = (input(axial), input(sagittal))
        #expect(s.dims == Self.dims && s.spacing == [1, 1, 2])
        #expect(s.flair == a.flair && s.t1ce == a.t1ce && s.labels == a.labels)
        #expect(a.notes.isEmpty)
        #expect(s.notes == ["WARNING: stored as sagittal slices (axis codes ASL); segmented and shown as axial slices of the same voxels, 1 x 1 mm in plane"])

        // Every slice is drawn the same; the captions give the file's slice index only where the
        // file stores axial slices, and both reports have the same pages.
        let (tilesA, tilesS) = (try PreparedStudy(a).tiles(longSide: 96), try PreparedStudy(s).tiles(longSide: 96))
        for z in 0..<Self.dims[2] { #expect(tilesA.render(z: z) == tilesS.render(z: z), "z \(z)") }
        #expect(a.storedSlice(4) == 4 && s.storedSlice(4) == nil)
        #expect(Sheet.caption(z: 4, slices: 8, storedZ: s.storedSlice(4)) == "slice 5 of 8")
        let (pagesA, pagesS) = (try ReportRenderer().render(a), try ReportRenderer().render(s))
        #expect(pagesA.keys.sorted() == pagesS.keys.sorted())
        #expect(pagesA.keys.sorted() == ["montage.png", "overview.png"])
    }

    /// The tumour is on the patient's left, so on the image's right (radiological convention): the
    /// overlay's columns lie right of the centre in the axial and the sagittal study alike.
    @Test func theLeftHemisphereIsOnTheImageRight() throws {
        let root = try temporaryFolder("orientation")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (image, labels) = Self.head()
        let sagittal = try Self.writeStudy(in: root, id: "Sagittal", dims: [Self.dims[1], Self.dims[2], Self.dims[0]],
                                           affine: Self.sagittalAffine, image: Self.sagittal(image), labels: Self.sagittal(labels))
        let input = ReportInput(study: sagittal, labels: sagittal.groundTruth!.voxels.map { UInt8($0) })
        let tiles = try PreparedStudy(input).tiles(longSide: 96)
        let classes = tiles.classMap(z: 4)
        let w = tiles.geometry.width
        let columns = classes.indices.filter { classes[$0] != nil }.map { $0 % w }
        #expect(!columns.isEmpty && columns.allSatisfy { $0 > w / 2 })
    }

    /// The axial head tilted about the left-right axis (its voxels unchanged, only the header
    /// rotated): shown as its untilted twin, slice for slice; past 15 degrees the first page warns.
    @Test(arguments: [10.0, 25.0])
    func anObliqueStudyIsShownOnTheNearestGrid(degrees: Double) throws {
        let root = try temporaryFolder("orientation")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (image, labels) = Self.head()
        let (c, s) = (cos(degrees * .pi / 180), sin(degrees * .pi / 180))
        // Rotation about x applied to the axial affine's y (posterior) and z (superior) columns.
        let tilted: [[Double]] = [[-1, 0, 0, 23], [0, -c, -2 * s, 19], [0, -s, 2 * c, 0]]
        let axial = try Self.writeStudy(in: root, id: "Axial", dims: Self.dims, affine: Self.axialAffine, image: image, labels: labels)
        let oblique = try Self.writeStudy(in: root, id: "Oblique", dims: Self.dims, affine: tilted, image: image, labels: labels)
        #expect(abs(oblique.geometry.obliquityDegrees - degrees) < 0.01)
        let a = ReportInput(study: axial, labels: axial.groundTruth!.voxels.map { UInt8($0) })
        let o = ReportInput(study: oblique, labels: oblique.groundTruth!.voxels.map { UInt8($0) })
        #expect(o.dims == a.dims && o.flair == a.flair && o.labels == a.labels && o.storedSlices == .same)
        let (tilesA, tilesO) = (try PreparedStudy(a).tiles(longSide: 96), try PreparedStudy(o).tiles(longSide: 96))
        for z in 0..<Self.dims[2] { #expect(tilesA.render(z: z) == tilesO.render(z: z), "z \(z)") }
        #expect(o.notes == (degrees > 15 ? ["WARNING: oblique by 25 degrees to the patient's axes; segmented and shown on "
                                            + "the nearest axis-aligned grid, not resampled, so the anatomy appears tilted"] : []))
    }

    /// Past 15 degrees of obliquity the acquisition is named in the report's and metrics.json's warnings.
    @Test func strongObliquityIsWarnedAbout() {
        func geometry(degrees: Double) -> Geometry {
            let (c, s) = (cos(degrees * .pi / 180), sin(degrees * .pi / 180))
            return Geometry.withAffine(dims: Self.dims, affine: [[-c, 0, s, 0], [0, -1, 0, 0], [-s, 0, c, 0]])
        }
        #expect(geometry(degrees: 10).acquisitionWarnings.isEmpty)
        #expect(geometry(degrees: 25).acquisitionWarnings == [
            "oblique by 25 degrees to the patient's axes; segmented and shown on the nearest axis-aligned grid, not resampled, so the anatomy appears tilted",
        ])
    }
}
