import Foundation
import Testing
@testable import Volumes

@Suite struct NIfTIWriterTests {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("volumes-write-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// Written like a reference, an output has the reference's exact geometry (nibabel's values).
    @Test(arguments: ["int16_be_qform_scaled.nii", "float64_sform.nii.gz", "uint8_lps.nii.gz",
                      "uint16_nocodes.nii"], [NIfTIDataType.uint8, .int16, .float32])
    func copiesGeometryExactly(_ reference: String, _ datatype: NIfTIDataType) throws {
        let input = try NIfTIReader().read(path: fixture(reference))
        let values = input.voxels.indices.map { Float($0 % 5) }
        let path = dir.appendingPathComponent("out-\(datatype)-\(reference)").path + (reference.hasSuffix(".gz") ? "" : ".gz")
        try NIfTIWriter().write(values, like: input.geometry, as: datatype, to: path)

        let back = try NIfTIReader().read(path: path)
        let e = expected[reference]!
        #expect(back.datatype == datatype)
        #expect(back.dims == e.dims)
        #expect(back.geometry.qformCode == e.qform_code && back.geometry.sformCode == e.sform_code)
        expectClose(back.geometry.affine, e.affine)
        #expect(back.geometry.qform == input.geometry.qform)
        #expect(back.geometry.sform == input.geometry.sform)
        #expect(back.voxels == values)
    }

    @Test func writesGzipOnlyForGzPaths() throws {
        let g = Geometry.axisAligned(dims: [3, 2, 1], spacing: [1, 1, 2], origin: [-1, -2, -3])
        let plain = dir.appendingPathComponent("a.nii").path
        let packed = dir.appendingPathComponent("a.nii.gz").path
        try NIfTIWriter().write([0, 1, 2, 3, 4, 5], like: g, as: .uint8, to: plain)
        try NIfTIWriter().write([0, 1, 2, 3, 4, 5], like: g, as: .uint8, to: packed)
        let p = try Data(contentsOf: URL(fileURLWithPath: plain))
        let z = try Data(contentsOf: URL(fileURLWithPath: packed))
        #expect(p.count == 352 + 6)
        #expect(Array(z.prefix(2)) == [0x1F, 0x8B])
        // The world position of voxel (2, 1, 0) is origin + index * spacing.
        #expect(try NIfTIReader().read(path: plain).geometry.affine[0][3] == -1)
    }

    @Test func refusesValuesTheDatatypeCannotHold() throws {
        let g = Geometry.axisAligned(dims: [2, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0])
        let path = dir.appendingPathComponent("bad.nii.gz").path
        #expect(throws: VolumeError.valueOutOfRange(path: path, datatype: .uint8, value: 300)) {
            try NIfTIWriter().write([1, 300], like: g, as: .uint8, to: path)
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func unwritableDestinationLeavesNothing() throws {
        let g = Geometry.axisAligned(dims: [1, 1, 1], spacing: [1, 1, 1], origin: [0, 0, 0])
        let path = dir.appendingPathComponent("missing-dir/x.nii.gz").path
        #expect(throws: VolumeError.self) {
            try NIfTIWriter().write([1], like: g, as: .uint8, to: path)
        }
    }
}
