import Metrics
@testable import Pipeline
import Testing
import Volumes

/// The postprocess stage on a preprocessed box of brain stored RAS (so the window is flipped back).
@Suite struct PostprocessorTests {
    let dims = [20, 18, 6]
    let prepared: PreprocessedStudy
    /// The box's FLAIR over the window. The other rules' tests have at most one oedema voxel, which
    /// is never faint against itself.
    let flair: [Float]

    init() throws {
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 2], origin: [-10, -9, -6])
        let image = brainBox(dims, scale: 100)
        prepared = try Preprocessor().prepare(id: "box", geometry: geometry, images: [[Float]](repeating: image, count: 4), labels: nil)
        flair = prepared.windowed(image)
    }

    /// Window classes: a 4x4x2 block of ET (class 3) with an NCR core voxel, and a lone ED voxel far away.
    private func classes() -> [UInt8] {
        let (w, h) = (prepared.width, prepared.height)
        var classes = [UInt8](repeating: 0, count: prepared.window.voxelCount)
        for z in 0..<2 { for y in 2..<6 { for x in 2..<6 { classes[x + w * (y + h * z)] = 3 } } }
        classes[3 + w * (3 + h * 0)] = 1
        classes[(w - 1) + w * ((h - 1) + h * 1)] = 2
        return classes
    }

    @Test func mapsClassesToTheConventionFiltersSpecksAndPutsTheWindowBack() {
        let window = classes()
        for convention in LabelConvention.allCases {
            let mask = Postprocessor(convention: convention, options: .init(minimumLesionVoxels: 2, minimumLesionFraction: 0,
                                                                          isolatedEnhancementShare: 0))(window, of: prepared, flair: flair)
            var expected = window.map { $0 == 3 ? convention.enhancingTumour : $0 }
            expected[expected.lastIndex(of: 2)!] = 0          // the 1-voxel ED speck leaves WT
            #expect(mask.labels.dims == dims && mask.labels.spacing == [1, 1, 2])
            #expect(mask.labels.labels == prepared.uncrop(expected))
            // 32 voxels of 2 mm^3 = 0.064 mL, one lesion; TC the same; ET one voxel fewer.
            #expect(mask.regions["WT"] == .init(volumeML: 0.064, lesions: 1))
            #expect(mask.regions["TC"] == .init(volumeML: 0.064, lesions: 1))
            #expect(mask.regions["ET"] == .init(volumeML: 0.062, lesions: 1))
        }
    }

    @Test func aRelativelySmallComponentLeavesItsRegion() {
        let window = classes()
        let kept = Postprocessor(options: .init(minimumLesionVoxels: 0, minimumLesionFraction: 0, isolatedEnhancementShare: 0))(window, of: prepared, flair: flair)
        #expect(kept.regions["WT"]?.lesions == 2)
        let filtered = Postprocessor(options: .init(minimumLesionVoxels: 0, minimumLesionFraction: 0.1, isolatedEnhancementShare: 0))(window, of: prepared, flair: flair)
        #expect(filtered.regions["WT"]?.lesions == 1)
        #expect(filtered.labels.labels.filter { $0 == 2 }.isEmpty)
    }

    /// By default the enhancing block, with nothing but its one core voxel around it, is removed
    /// (the core voxel and the far oedema voxel stay when specks are kept).
    @Test func enhancementWithNothingAroundItIsRemoved() {
        let mask = Postprocessor(options: .init(minimumLesionVoxels: 0, minimumLesionFraction: 0))(classes(), of: prepared, flair: flair)
        #expect(mask.regions["ET"] == .init(volumeML: 0, lesions: 0))
        #expect(mask.regions["NCR"] == .init(volumeML: 0.002, lesions: 1))
        #expect(mask.regions["ED"] == .init(volumeML: 0.002, lesions: 1))
    }

    /// An oedema voxel whose 26 neighbours are all enhancing tumour becomes necrotic core, and is
    /// measured as core; with the rule off it stays oedema.
    @Test func oedemaInsideTheRimBecomesCore() {
        let (w, h) = (prepared.width, prepared.height)
        var window = [UInt8](repeating: 0, count: prepared.window.voxelCount)
        for z in 0...2 { for y in 2...4 { for x in 2...4 { window[x + w * (y + h * z)] = 3 } } }
        window[3 + w * (3 + h * 1)] = 2
        let filled = Postprocessor(options: .init(minimumLesionVoxels: 0, minimumLesionFraction: 0, isolatedEnhancementShare: 0, enclosedCoreFraction: 0.8))(window, of: prepared, flair: flair)
        let kept = Postprocessor(options: .init(minimumLesionVoxels: 0, minimumLesionFraction: 0, isolatedEnhancementShare: 0, enclosedCoreFraction: 0))(window, of: prepared, flair: flair)
        // One voxel of 2 mm^3.
        #expect(filled.regions["NCR"] == .init(volumeML: 0.002, lesions: 1))
        #expect(filled.regions["ED"]?.volumeML == 0)
        #expect(kept.regions["ED"] == .init(volumeML: 0.002, lesions: 1))
        #expect(kept.regions["NCR"]?.volumeML == 0)
    }

    /// `windowed` takes an input-grid array onto the window in BraTS order: it inverts `toInputGrid`
    /// on the box stored RAS, whose window is flipped.
    @Test func windowedInvertsPuttingTheWindowBack() {
        let window = (0..<prepared.window.voxelCount).map { Float($0) }
        #expect(prepared.windowed(prepared.toInputGrid(window, background: -1)) == window)
    }

    /// Oedema at the border that is faint on FLAIR is removed from the FLAIR given, and kept with
    /// the rule off: a 4x4x2 oedema block whose column x = 2 is at normal brightness.
    @Test func faintOedemaAtTheBorderIsRemoved() {
        let (w, h) = (prepared.width, prepared.height)
        var window = [UInt8](repeating: 0, count: prepared.window.voxelCount)
        var bright = flair
        for z in 0..<2 { for y in 2..<6 { for x in 2..<6 {
            window[x + w * (y + h * z)] = 2
            if x > 2 { bright[x + w * (y + h * z)] *= 3 }
        } } }
        let rule = { (fraction: Double) in
            Postprocessor(options: .init(minimumLesionVoxels: 0, minimumLesionFraction: 0, isolatedEnhancementShare: 0,
                                        enclosedCoreFraction: 0, faintOedemaFraction: fraction))(window, of: self.prepared, flair: bright)
        }
        // Eight voxels of 2 mm^3 leave; 24 stay.
        #expect(rule(0.3).regions["ED"] == .init(volumeML: 0.048, lesions: 1))
        #expect(rule(0).regions["ED"] == .init(volumeML: 0.064, lesions: 1))
    }
}
