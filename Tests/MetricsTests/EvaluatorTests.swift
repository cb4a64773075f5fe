import Foundation
import Testing
@testable import Metrics

/// Hand-computed scenarios; all cubes are label 2 (edema, WT only) unless said otherwise, 1 mm
/// voxels, so a region's TC and ET are empty on both sides.
struct EvaluatorTests {
    typealias Cube = (label: UInt8, x: ClosedRange<Int>, y: ClosedRange<Int>, z: ClosedRange<Int>)
    /// A 4x4x4 cube (64 mm^3, over the 50 mm^3 limit) starting at x.
    static func cube(at x: Int, label: UInt8 = 2) -> Cube { (label, x ... x + 3, 2 ... 5, 2 ... 5) }
    static let dims = [20, 10, 10]  // 2000 voxels

    func evaluate(_ prediction: [Cube], _ reference: [Cube], dims: [Int] = dims,
                  spacing: [Double] = [1, 1, 1]) throws -> Evaluation {
        try Evaluator().evaluate(prediction: labelMap(dims, spacing: spacing, prediction),
                                 reference: labelMap(dims, spacing: spacing, reference))
    }

    static let perfectEmpty = RegionEvaluation(dice: 1, hd95: 0, lesionwiseDice: 1, lesionwiseHD95: 0,
                                               sensitivity: 1, specificity: 1, lesionsTP: 0, lesionsFN: 0, lesionsFP: 0)

    @Test func emptyAgainstEmpty() throws {
        let e = try evaluate([], [])
        for region in Region.allCases { #expect(e[region] == Self.perfectEmpty) }
    }

    @Test func predictionWithEmptyGroundTruth() throws {
        let e = try evaluate([Self.cube(at: 2)], [])
        // Dice 0 / 64; one side empty: HD95 374; no lesion and one false positive: 0/1 and
        // 374/1; sensitivity 0/(0 + 0) reads 0; specificity 1936 / (1936 + 64).
        #expect(e.wholeTumour == RegionEvaluation(dice: 0, hd95: 374, lesionwiseDice: 0, lesionwiseHD95: 374,
                                                  sensitivity: 0, specificity: 0.968,
                                                  lesionsTP: 0, lesionsFN: 0, lesionsFP: 1))
        #expect(e.tumourCore == Self.perfectEmpty)  // label 2 is not core
    }

    @Test func missedLesion() throws {
        // Lesions at x 1...4 and 13...16; dilated 3 times they reach x 7 and 10: still apart.
        let e = try evaluate([Self.cube(at: 1)], [Self.cube(at: 1), Self.cube(at: 13)]).wholeTumour
        #expect(e.dice == 128.0 / 192)                // 2 * 64 / (64 + 128)
        #expect(e.lesionwiseDice == 0.5)              // (1 + 0) / 2
        #expect(e.lesionwiseHD95 == 187)              // (0 + 374) / 2
        #expect(e.sensitivity == 0.5 && e.specificity == 1)  // 64 / 128; no false positive voxel
        #expect((e.lesionsTP, e.lesionsFN, e.lesionsFP) == (1, 1, 0))
    }

    @Test func emptyPrediction() throws {
        let e = try evaluate([], [Self.cube(at: 1)]).wholeTumour
        #expect(e == RegionEvaluation(dice: 0, hd95: 374, lesionwiseDice: 0, lesionwiseHD95: 374,
                                      sensitivity: 0, specificity: 1, lesionsTP: 0, lesionsFN: 1, lesionsFP: 0))
    }

    @Test func falsePositiveBlob() throws {
        let blob: Cube = (1, 14 ... 16, 2 ... 4, 2 ... 4)  // 27 voxels, far from the lesion
        let e = try evaluate([Self.cube(at: 1), blob], [Self.cube(at: 1)])
        let wt = e.wholeTumour
        #expect(wt.dice == 128.0 / 155)               // 2 * 64 / (91 + 64)
        #expect(wt.lesionwiseDice == 0.5)             // (1 + 0) / (1 lesion + 1 FP)
        #expect(wt.lesionwiseHD95 == 187)             // (0 + 374) / 2
        #expect(wt.specificity == 1909.0 / 1936)      // TN 2000 - 91, FP 27
        #expect((wt.lesionsTP, wt.lesionsFN, wt.lesionsFP) == (1, 0, 1))
        // The blob is label 1, so TC has it with no ground truth at all.
        #expect((e.tumourCore.lesionwiseDice, e.tumourCore.lesionsFP) == (0, 1))
    }

    @Test func lesionsMergedByDilation() throws {
        // A gap of 6 voxels (x 5...10): dilated 3 times, A reaches x 7 and B x 8, which touch,
        // so A and B are one 128-voxel lesion scored against A alone: 2 * 64 / 192.
        let merged = try evaluate([Self.cube(at: 1)], [Self.cube(at: 1), Self.cube(at: 11)]).wholeTumour
        #expect((merged.lesionsTP, merged.lesionsFN) == (1, 0))
        #expect(merged.lesionwiseDice == 128.0 / 192)
        // A gap of 7 (x 5...11): A reaches 7, B 9, x 8 stays between them: two lesions.
        let apart = try evaluate([Self.cube(at: 1)], [Self.cube(at: 1), Self.cube(at: 12)]).wholeTumour
        #expect((apart.lesionsTP, apart.lesionsFN) == (1, 1))
    }

    @Test func smallLesionsAreLeftOut() throws {
        let small: Cube = (2, 14 ... 16, 2 ... 4, 2 ... 4)  // 27 voxels = 27 mm^3 <= 50
        // Missing it costs nothing: one lesion, found perfectly.
        let missed = try evaluate([Self.cube(at: 1)], [Self.cube(at: 1), small]).wholeTumour
        #expect((missed.lesionwiseDice, missed.lesionwiseHD95) == (1, 0))
        #expect((missed.lesionsTP, missed.lesionsFN, missed.lesionsFP) == (1, 0, 0))
        // A prediction of only the small lesion is not a false positive; the big one is missed.
        let onlySmall = try evaluate([small], [Self.cube(at: 1), small]).wholeTumour
        #expect((onlySmall.lesionwiseDice, onlySmall.lesionwiseHD95) == (0, 374))
        #expect((onlySmall.lesionsTP, onlySmall.lesionsFN, onlySmall.lesionsFP) == (0, 1, 0))
        // With 2 mm voxels along x the same 27 voxels are 54 mm^3 and count: (1 + 0) / 2.
        let counted = try evaluate([Self.cube(at: 1)], [Self.cube(at: 1), small], spacing: [2, 1, 1]).wholeTumour
        #expect((counted.lesionsTP, counted.lesionsFN, counted.lesionwiseDice) == (1, 1, 0.5))
    }

    @Test func anisotropicHD95IsInMillimetres() throws {
        // The cube shifted one voxel along z: overlap 48 -> Dice 2 * 48 / 128 = 0.75. Surface
        // corners on the shared sides are 0 apart; the bottom face of the reference and the top
        // face of the prediction are one voxel (2.5 mm) from the other surface. Those faces carry
        // more than 5 % of the area (16 of 192 mm^2 even before the rim), so HD95 = 2.5 mm.
        let reference: Cube = (2, 3 ... 6, 3 ... 6, 3 ... 6)
        let shifted: Cube = (2, 3 ... 6, 3 ... 6, 4 ... 7)
        let z = try evaluate([shifted], [reference], dims: [10, 10, 12], spacing: [1, 1, 2.5]).wholeTumour
        #expect(z.dice == 0.75 && z.hd95 == 2.5 && z.lesionwiseHD95 == 2.5)
        // The same shift along x with 0.9 mm voxels there: 0.9 mm.
        let alongX: Cube = (2, 4 ... 7, 3 ... 6, 3 ... 6)
        let x = try evaluate([alongX], [reference], dims: [10, 10, 12], spacing: [0.9, 1.1, 2.5]).wholeTumour
        #expect(abs(x.hd95 - 0.9) < 1e-12)
    }

    @Test(arguments: [(UInt8(4), UInt8(4)), (3, 3), (4, 3), (3, 4)])
    func bothConventions(predictionET: UInt8, referenceET: UInt8) throws {
        // NCR core inside ET inside edema: WT 6^3 = 216, TC = ET + NCR = 4^3 = 64, ET = 64 - 8 = 56.
        func tumour(et: UInt8) -> [Cube] {
            [(2, 2 ... 7, 2 ... 7, 2 ... 7), (et, 3 ... 6, 3 ... 6, 3 ... 6), (1, 4 ... 5, 4 ... 5, 4 ... 5)]
        }
        let e = try evaluate(tumour(et: predictionET), tumour(et: referenceET))
        let found = RegionEvaluation(dice: 1, hd95: 0, lesionwiseDice: 1, lesionwiseHD95: 0,
                                     sensitivity: 1, specificity: 1, lesionsTP: 1, lesionsFN: 0, lesionsFP: 0)
        for region in Region.allCases { #expect(e[region] == found) }
    }

    @Test func conventionDetection() throws {
        func convention(_ labels: [UInt8]) throws -> LabelConvention? {
            try LabelMap(dims: [labels.count, 1, 1], spacing: [1, 1, 1], labels: labels).convention(as: .reference)
        }
        #expect(try convention([0, 1, 2]) == nil)
        #expect(try convention([0, 3]) == .brats2023)
        #expect(try convention([4, 1]) == .brats2020)
        #expect(throws: MetricsError.mixedConventions(.reference)) { try convention([3, 4]) }
    }

    @Test func errorsSayWhatIsWrong() throws {
        let fine = labelMap([4, 4, 4], [])
        func message(_ body: () throws -> Void) -> String? {
            do { try body() } catch { return "\(error)" }
            return nil
        }
        #expect(message { _ = try Evaluator().evaluate(prediction: fine, reference: labelMap([4, 4, 5], [])) }
            == "prediction and reference grids differ: dims 4x4x4 vs 4x4x5, spacing 1.0x1.0x1.0 vs 1.0x1.0x1.0 mm")
        #expect(message { _ = try Evaluator().evaluate(prediction: fine, reference: labelMap([4, 4, 4], spacing: [1, 1, 1.5], [])) }
            == "prediction and reference grids differ: dims 4x4x4 vs 4x4x4, spacing 1.0x1.0x1.0 vs 1.0x1.0x1.5 mm")
        #expect(message { _ = try Evaluator().evaluate(prediction: fine, reference: labelMap([4, 4, 4], [(7, 0 ... 0, 0 ... 0, 0 ... 0)])) }
            == "reference is not a label map: value 7 is not one of 0, 1, 2, 3, 4")
        #expect(message { _ = try LabelMap(dims: [2, 1, 1], spacing: [1, 1, 1], values: [1, 0.5], role: .prediction) }
            == "prediction is not a label map: value 0.5 is not one of 0, 1, 2, 3, 4")
        let mixed = labelMap([4, 4, 4], [(3, 0 ... 0, 0 ... 0, 0 ... 0), (4, 1 ... 1, 0 ... 0, 0 ... 0)])
        #expect(message { _ = try Evaluator().evaluate(prediction: mixed, reference: fine) }
            == "prediction mixes label conventions: it has both 3 (BraTS 2023 ET) and 4 (BraTS 2020 ET)")
    }

    @Test func jsonUsesTheContractKeys() throws {
        let e = try evaluate([], [])
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(e)) as! [String: [String: Any]]
        #expect(Set(json.keys) == ["WT", "TC", "ET"])
        #expect(Set(json["WT"]!.keys) == ["dice", "hd95_mm", "lesionwise_dice", "lesionwise_hd95_mm", "sensitivity",
                                          "specificity", "lesions_tp", "lesions_fn", "lesions_fp"])
    }
}
