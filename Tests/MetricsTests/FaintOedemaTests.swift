import Metrics
import Testing

@Suite struct FaintOedemaTests {
    func index(_ x: Int, _ y: Int, _ z: Int) -> Int { (z * 12 + y) * 12 + x }

    /// A 12^3 brain (FLAIR 100) with a tumour cube 3...8 (BraTS 2020 labels): its face x = 8 is
    /// necrotic core at FLAIR 100, the rest oedema at FLAIR 200 but for the face x = 3 at 120
    /// (0.2 of the way from normal brain to oedema) and the centre voxel at 110 (0.1, enclosed).
    func study() -> (map: LabelMap, flair: [Float]) {
        var labels = [UInt8](repeating: 0, count: 12 * 12 * 12)
        var flair = [Float](repeating: 100, count: labels.count)
        for z in 3...8 { for y in 3...8 { for x in 3...8 {
            let i = index(x, y, z)
            (labels[i], flair[i]) = x == 8 ? (1, 100) : (2, x == 3 ? 120 : 200)
        } } }
        flair[index(5, 5, 5)] = 110
        return (LabelMap(dims: [12, 12, 12], spacing: [1, 1, 1], labels: labels), flair)
    }

    let brain = [Bool](repeating: true, count: 12 * 12 * 12)

    /// At 0.3 the faint face on the border (0.2) becomes background; the faint centre, enclosed by
    /// oedema, stays, and so does the core at normal brightness. At 0.15 and at 0 nothing changes.
    @Test func removesFaintOedemaOnTheBorderOnly() {
        let (map, flair) = study()
        var expected = map.labels
        for z in 3...8 { for y in 3...8 { expected[index(3, y, z)] = 0 } }
        #expect(map.removingFaintOedema(fraction: 0.3, flair: flair, brain: brain).labels == expected)
        #expect(map.removingFaintOedema(fraction: 0.15, flair: flair, brain: brain) == map)
        #expect(map.removingFaintOedema(fraction: 0, flair: flair, brain: brain) == map)
    }

    /// The fraction does not depend on the intensities' linear scale.
    @Test func doesNotDependOnTheIntensityScale() {
        let (map, flair) = study()
        let rescaled = flair.map { 3 * $0 - 250 }
        #expect(map.removingFaintOedema(fraction: 0.3, flair: rescaled, brain: brain)
                == map.removingFaintOedema(fraction: 0.3, flair: flair, brain: brain))
    }

    /// Oedema no brighter than normal brain gives no scale to measure against: nothing changes.
    @Test func oedemaNoBrighterThanBrainChangesNothing() {
        let (map, _) = study()
        let flat = [Float](repeating: 100, count: map.labels.count)
        #expect(map.removingFaintOedema(fraction: 0.9, flair: flat, brain: brain) == map)
    }
}
