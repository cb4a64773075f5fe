import Pipeline
import Randomness
import Synthesis
import Testing
@testable import Training

@Suite struct SynthesisStreamTests {
    /// A 32x32x6 brain (white matter) with a tumour in slices 2-3 only.
    static func study(_ rng: inout RandomSource) -> SynthesizedStudy {
        let dims = [32, 32, 6]
        var classes = [UInt8](repeating: 0, count: 32 * 32 * 6)
        var image = [Float](repeating: 0, count: classes.count)
        for z in 0..<6 {
            for y in 4..<28 {
                for x in 4..<28 {
                    let i = x + 32 * (y + 32 * z)
                    image[i] = Float(100 + rng.uniform(0...10))
                    if (2...3).contains(z), (10..<14).contains(x), (10..<14).contains(y) { classes[i] = 3 }
                }
            }
        }
        return SynthesizedStudy(id: "t", dims: dims, images: [[Float]](repeating: image, count: 4), classes: classes)
    }

    /// Draws come from the pool's studies as preprocessed slices with their classes; the share of
    /// tumour slices follows `tumourSliceShare`; the pool is refreshed on schedule.
    @Test func drawsPreprocessedSlices() throws {
        let recipe = SynthesisStream.Recipe(name: "box", weight: 1) { rng in Self.study(&rng) }
        let stream = try SynthesisStream(recipes: [recipe], poolSize: 2, refreshEvery: 5, tumourSliceShare: 1, seed: 3)
        var rng = RandomSource(seed: 9)
        var tumourDraws = 0
        for _ in 0..<20 {
            let s = stream.next(using: &rng)
            #expect(s.channels == 4 && s.width == 32 && s.height == 32)
            #expect(s.image.allSatisfy { (0...1).contains($0) })
            if s.classes.contains(3) { tumourDraws += 1 }
        }
        #expect(tumourDraws == 20)
        #expect(stream.made["box"] == 2 + 4)
    }

    /// A recipe that makes no brain stops the stream at once with the preprocessor's error.
    @Test func brokenRecipeFailsTheFirstFill() {
        let empty = SynthesisStream.Recipe(name: "empty", weight: 1) { _ in
            SynthesizedStudy(id: "e", dims: [8, 8, 2], images: [[Float]](repeating: [Float](repeating: 0, count: 128), count: 4),
                             classes: [UInt8](repeating: 0, count: 128))
        }
        #expect(throws: PreprocessingError.emptyBrain(study: "e")) {
            try SynthesisStream(recipes: [empty], poolSize: 1, refreshEvery: 1, seed: 1)
        }
    }
}
