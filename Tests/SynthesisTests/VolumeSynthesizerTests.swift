import Randomness
import Testing
@testable import Synthesis

let testDims = [16, 8, 8]

@inline(__always) func at(_ x: Int, _ y: Int, _ z: Int) -> Int { x + testDims[0] * (y + testDims[1] * z) }

/// A 16x8x8 grid with a brain inside a one-voxel border: white matter for x 1-7, enhancing tumour
/// for x 8-14 with a 3x3x3 necrotic core centred on (12, 3, 3).
func brain() -> [UInt8] {
    var labels = [UInt8](repeating: 0, count: testDims.reduce(1, *))
    for z in 1...6 {
        for y in 1...6 {
            for x in 1...14 { labels[at(x, y, z)] = x <= 7 ? SynthesisLabel.whiteMatter.rawValue : 3 }
        }
    }
    for z in 2...4 { for y in 2...4 { for x in 11...13 { labels[at(x, y, z)] = 1 } } }
    return labels
}

/// Ranges under which synthesis changes nothing: no jitter, bias, gamma, noise or thick slices.
func still() -> AppearanceRanges {
    var r = AppearanceRanges()
    r.contrastJitter = 0
    r.withinLabelSpread = 0...0
    r.realLabelJitter = 0
    r.synthesiseRealShare = 0
    r.biasAmplitude = 0...0
    r.gammaSpread = 0
    r.noise = 0...0
    r.thickSliceChance = 0
    return r
}

@Suite struct VolumeSynthesizerTests {
    let dims = testDims

    /// With every random effect off, a real channel comes out as it went in (to float rounding of
    /// the identity gamma), and the classes are the label map's tumour labels.
    @Test func realChannelsPassThroughUnchanged() {
        let labels = brain()
        let real = labels.enumerated().map { i, l in l == 0 ? Float(0) : Float(100 + i % 17) }
        let source = LabelMapSource(id: "s", dims: dims, labels: labels, channels: [real, real, real, real])
        var rng = RandomSource(seed: 1)
        let study = VolumeSynthesizer(ranges: still()).synthesize(source, using: &rng)
        for image in study.images {
            #expect(zip(image, real).allSatisfy { abs($0 - $1) <= 1e-5 * $1 })
        }
        #expect(study.classes == labels.map { $0 <= 3 ? $0 : 0 })
    }

    /// A missing modality is drawn from the prior: where a voxel's 3x3x3 neighbourhood is one label
    /// (the partial-volume smoothing has nothing to mix) it shows exactly that label's prior, in units
    /// of the white-matter level (1 without a real image to scale from).
    @Test func missingChannelsFollowThePrior() {
        let labels = brain()
        let real = labels.map { $0 == 0 ? Float(0) : 200 }
        let source = LabelMapSource(id: "s", dims: dims, labels: labels, channels: [real, nil, nil, nil])
        #expect(source.whiteMatterLevel == [200, 1, 1, 1])
        var rng = RandomSource(seed: 2)
        let study = VolumeSynthesizer(ranges: still()).synthesize(source, using: &rng)
        let prior = ContrastPrior.relativeToWhiteMatter
        for m in 1..<4 {
            #expect(abs(study.images[m][at(3, 3, 3)] - Float(prior[m][6])) < 1e-5)
            #expect(abs(study.images[m][at(9, 4, 4)] - Float(prior[m][3])) < 1e-5)
            #expect(abs(study.images[m][at(12, 3, 3)] - Float(prior[m][1])) < 1e-5)
        }
        for i in labels.indices {
            #expect((labels[i] == 0) == (study.images[2][i] == 0))
            #expect(study.images[2][i] >= 0)
        }
    }

    /// The same seed gives the same study; another seed another appearance.
    @Test func isDeterministicPerSeed() {
        let labels = brain()
        let source = LabelMapSource(id: "s", dims: dims, labels: labels, channels: [nil, nil, nil, nil])
        var a = RandomSource(seed: 5), b = RandomSource(seed: 5), c = RandomSource(seed: 6)
        let synthesizer = VolumeSynthesizer()
        let first = synthesizer.synthesize(source, using: &a)
        #expect(first.images == synthesizer.synthesize(source, using: &b).images)
        #expect(first.images != synthesizer.synthesize(source, using: &c).images)
    }
}
