import Foundation
import Testing
import Volumes
@testable import Metrics

/// The 13 label pairs scored by the BraTS 2023 reference code (see Cases/README.md).
struct ReferenceCaseTests {
    static let casesURL = Bundle.module.url(forResource: "Cases", withExtension: nil)!
    static let expected: [String: Evaluation] = {
        let data = try! Data(contentsOf: casesURL.appendingPathComponent("expected.json"))
        return try! JSONDecoder().decode([String: Evaluation].self, from: data)
    }()

    /// File name stems of (prediction, reference) in each convention.
    static let conventions = [("pred", "ref"), ("pred2020", "ref2020")]

    @Test("reference case matches the BraTS 2023 code", arguments: expected.keys.sorted(), conventions)
    func referenceCase(name: String, files: (String, String)) throws {
        let folder = Self.casesURL.appendingPathComponent(name)
        let prediction = try load(folder.appendingPathComponent("\(files.0).nii.gz"), role: .prediction)
        let reference = try load(folder.appendingPathComponent("\(files.1).nii.gz"), role: .reference)
        let got = try Evaluator().evaluate(prediction: prediction, reference: reference)
        let want = try #require(Self.expected[name])
        for region in Region.allCases {
            let (g, w) = (got[region], want[region])
            let label = Comment(rawValue: "\(name) \(files.0) \(region.rawValue)")
            #expect(abs(g.dice - w.dice) <= 1e-4, label)
            #expect(abs(g.lesionwiseDice - w.lesionwiseDice) <= 1e-4, label)
            #expect(abs(g.sensitivity - w.sensitivity) <= 1e-4, label)
            #expect(abs(g.specificity - w.specificity) <= 1e-4, label)
            #expect(abs(g.hd95 - w.hd95) <= 0.01, label)
            #expect(abs(g.lesionwiseHD95 - w.lesionwiseHD95) <= 0.01, label)
            #expect(g.lesionsTP == w.lesionsTP, label)
            #expect(g.lesionsFN == w.lesionsFN, label)
            #expect(g.lesionsFP == w.lesionsFP, label)
        }
    }

    private func load(_ url: URL, role: MapRole) throws -> LabelMap {
        let volume = try NIfTIReader().read(path: url.path)
        return try LabelMap(dims: volume.geometry.dims, spacing: volume.geometry.spacing,
                            values: volume.voxels, role: role)
    }
}
