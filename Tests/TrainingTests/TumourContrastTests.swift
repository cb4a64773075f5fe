import Randomness
import Testing
@testable import Training

@Suite struct TumourContrastTests {
    /// One row of 8 pixels, two channels (channel 1 is the T1ce): normal brain at 0 and 1, core at
    /// 2 and 3, oedema at 4 and 5, enhancing tumour at 6, outside the brain at 7.
    func slice() -> SliceSample {
        SliceSample(image: [0.2, 0.4, 0.1, 0.3, 0.6, 0.8, 0.5, 0,
                            0.3, 0.5, 0.2, 0.2, 0.4, 0.4, 0.9, 0],
                    classes: [0, 0, 1, 1, 2, 2, 3, 0], height: 1, width: 8)
    }

    func contrast(core t: Double, enhancement f: Double) -> TumourContrast {
        var contrast = TumourContrast(share: 1)
        contrast.channel = 1
        contrast.coreToOedema = t...t
        contrast.enhancement = f...f
        return contrast
    }

    func expectClose(_ a: [Float], _ b: [Float]) {
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 }, "\(a) != \(b)")
    }

    /// All the way: channel 0's core (mean 0.2, sd 0.1) takes the oedema's mean 0.7 and sd 0.1;
    /// channel 1's flat core takes the flat oedema's 0.4. The enhancing pixel's T1ce excess over
    /// normal brain (mean 0.4) is halved: 0.4 + 0.5 x 0.5. Its channel 0 and the labels stay.
    @Test func coreTakesTheOedemasSignalAndEnhancementWeakens() {
        var rng = RandomSource(seed: 3)
        let after = contrast(core: 1, enhancement: 0.5).apply(to: slice(), using: &rng)
        expectClose(after.image, [0.2, 0.4, 0.6, 0.8, 0.6, 0.8, 0.5, 0,
                                  0.3, 0.5, 0.4, 0.4, 0.4, 0.4, 0.65, 0])
        #expect(after.classes == slice().classes)
    }

    /// Half way: channel 0's core 0.1 and 0.3 move half the way to 0.6 and 0.8.
    @Test func coreMovesPartOfTheWay() {
        var rng = RandomSource(seed: 3)
        let after = contrast(core: 0.5, enhancement: 1).apply(to: slice(), using: &rng)
        expectClose(Array(after.image[2...3]), [0.35, 0.55])
        expectClose(Array(after.image[8...]), [0.3, 0.5, 0.3, 0.3, 0.4, 0.4, 0.9, 0])
    }

    @Test func tumourFreeSlicesAndShareZeroAreLeftAsTheyAre() {
        var rng = RandomSource(seed: 1)
        var free = slice()
        free.classes = [UInt8](repeating: 0, count: 8)
        #expect(contrast(core: 1, enhancement: 0.5).apply(to: free, using: &rng).image == free.image)
        #expect(TumourContrast(share: 0).apply(to: slice(), using: &rng).image == slice().image)
    }
}
