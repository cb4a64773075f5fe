import Foundation
import Testing
@testable import Phantoms
import Volumes

/// The committed template, found from this file's location (Tests/PhantomsTests/ -> data/icbm152).
let templateDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/icbm152").path
let generator = PhantomGenerator(template: try! Template(directory: templateDirectory))

@Suite struct PhantomGeneratorTests {
    let shape = [64, 64, 20]

    @Test func sameSeedSameStudy() {
        let a = generator.make(seed: 11, index: 1, shape: shape, normal: false)
        let b = generator.make(seed: 11, index: 1, shape: shape, normal: false)
        let c = generator.make(seed: 11, index: 2, shape: shape, normal: false)
        #expect(a.images == b.images && a.labels == b.labels)
        #expect(a.labels != c.labels)
        #expect(a.id == "Phantom_11_001" && c.id == "Phantom_11_002")
    }

    @Test(arguments: 1...4)
    func tumourHasBraTSLabelsAndContrast(_ index: Int) {
        let p = generator.make(seed: 5, index: index, shape: shape, normal: false)
        #expect(Set(p.labels).isSubset(of: [0, 1, 2, 4]))
        #expect(p.labels.contains(2), "every tumour has oedema")
        #expect(p.labels.contains(1) || p.labels.contains(4))
        // Labels only inside the brain, which is non-zero in every modality.
        for (i, l) in p.labels.enumerated() where l > 0 { #expect(p.images[3][i] > 0) }
        // Oedema is brighter than the rest of the brain on FLAIR.
        func mean(_ image: [Float], _ where_: (Float) -> Bool) -> Float {
            let v = zip(image, p.labels).filter { where_($0.1) && $0.0 > 0 }.map { $0.0 }
            return v.reduce(0, +) / Float(max(v.count, 1))
        }
        #expect(mean(p.images[3], { $0 == 2 }) > 1.3 * mean(p.images[3], { $0 == 0 }))
        if p.labels.contains(4) {
            #expect(mean(p.images[1], { $0 == 4 }) > 1.3 * mean(p.images[1], { $0 == 0 }))
        }
    }

    @Test func normalBrainsHaveNoTumour() {
        let p = generator.make(seed: 5, index: 1, shape: shape, normal: true)
        #expect(p.labels.allSatisfy { $0 == 0 })
        #expect(p.id == "PhantomNormal_5_001")
        #expect(p.images.allSatisfy { $0.contains { $0 > 0 } })
    }

    @Test func gridFitsTheBrain() {
        let p = generator.make(seed: 1, index: 1, shape: shape, normal: true)
        #expect(p.geometry.dims == shape)
        // The template brain is about 145 x 181 x 155 mm; 1.1 times that over 64 x 64 x 20 voxels.
        #expect(p.geometry.spacing.allSatisfy { $0 >= 1 })
        #expect(abs(p.geometry.spacing[2] - 155 * 1.1 / 20) < 0.01)
        // Nothing touches the grid's border: the whole brain is in view.
        let plane = shape[0] * shape[1]
        #expect(p.images[0][0..<plane].allSatisfy { $0 == 0 })
    }

    @Test func writesBraTSFilesThatReadBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phantom-\(UUID())").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = generator.make(seed: 2, index: 3, shape: [32, 32, 8], normal: false)
        try p.write(into: dir)
        for suffix in Phantom.suffixes {
            let v = try NIfTIReader().read(path: "\(dir)/\(p.id)/\(p.id)\(suffix).nii.gz")
            #expect(v.datatype == .int16 && v.dims == [32, 32, 8])
        }
        let seg = try NIfTIReader().read(path: "\(dir)/\(p.id)/\(p.id)_seg.nii.gz")
        #expect(seg.datatype == .uint8 && seg.voxels == p.labels)
        #expect(seg.geometry.affine == p.geometry.affine)
    }
}
