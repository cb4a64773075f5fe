import Foundation
import Testing
@testable import Volumes

/// Values nibabel read back from the fixtures (scripts/dev/make-volume-fixtures.py).
struct Expected: Decodable {
    var dims: [Int]
    var datatype: String
    var spacing: [Double]
    var qform_code: Int
    var sform_code: Int
    var affine: [[Double]]
    var qform: [[Double]]
    var sform: [[Double]]
    var voxels: [Double]
}

let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
let expected = try! JSONDecoder().decode([String: Expected].self,
                                         from: Data(contentsOf: fixtures.appendingPathComponent("expected.json")))

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

func expectClose(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let worst = zip(a.joined(), b.joined()).map { abs($0 - $1) }.max() ?? .infinity
    #expect(worst <= tolerance, "affines differ by \(worst): \(a) vs \(b)", sourceLocation: sourceLocation)
}

@Suite struct NIfTIReaderTests {
    @Test(arguments: expected.keys.sorted())
    func readsLikeNibabel(_ name: String) throws {
        let e = expected[name]!
        let volume = try NIfTIReader().read(path: fixture(name))
        #expect(volume.dims == e.dims)
        #expect(volume.datatype.description == e.datatype)
        #expect(volume.geometry.qformCode == e.qform_code)
        #expect(volume.geometry.sformCode == e.sform_code)
        for (a, b) in zip(volume.geometry.spacing, e.spacing) { #expect(abs(a - b) < 1e-6) }
        expectClose(volume.geometry.affine, e.affine)
        if e.qform_code > 0 { expectClose(volume.geometry.qform, e.qform) }
        if e.sform_code > 0 { expectClose(volume.geometry.sform, e.sform) }
        #expect(volume.voxels.count == e.voxels.count)
        for (v, w) in zip(volume.voxels, e.voxels) {
            #expect(abs(Double(v) - w) <= 1e-6 * max(1, abs(w)), "voxel \(v) != \(w)")
        }
    }

    @Test func headerOnlyReadMatchesFullRead() throws {
        let name = "float64_sform.nii.gz"
        let (geometry, datatype) = try NIfTIReader().readHeader(path: fixture(name))
        #expect(geometry.dims == expected[name]!.dims)
        #expect(datatype == .float64)
    }
}
