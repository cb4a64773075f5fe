import Metrics
import Testing

@Suite struct IsolatedEnhancementTests {
    func index(_ x: Int, _ y: Int, _ z: Int) -> Int { (z * 12 + y) * 12 + x }

    /// A 12^3 map (BraTS 2020 labels): a 2^3 enhancing block at 2...3 whose 56 neighbouring voxels
    /// are background but for the 16 of the face x = 1, which are oedema (40 / 56 = 0.714
    /// background); and a 2^3 enhancing block at 7...8 inside oedema 6...9 (none background).
    func map() -> LabelMap {
        var labels = [UInt8](repeating: 0, count: 12 * 12 * 12)
        for z in 1...4 { for y in 1...4 { labels[index(1, y, z)] = 2 } }
        for z in 6...9 { for y in 6...9 { for x in 6...9 { labels[index(x, y, z)] = 2 } } }
        for z in 0...1 { for y in 0...1 { for x in 0...1 {
            labels[index(2 + x, 2 + y, 2 + z)] = 4
            labels[index(7 + x, 7 + y, 7 + z)] = 4
        } } }
        return LabelMap(dims: [12, 12, 12], spacing: [1, 1, 1], labels: labels)
    }

    /// At a share of 0.7 the first block (0.714) becomes background and nothing else changes; at
    /// 0.72 it stays; the block inside oedema always stays; 0 is off.
    @Test func removesEnhancementWithMostlyBackgroundAround() {
        let original = map()
        var expected = original.labels
        for z in 0...1 { for y in 0...1 { for x in 0...1 { expected[index(2 + x, 2 + y, 2 + z)] = 0 } } }
        #expect(original.removingIsolatedEnhancement(backgroundShare: 0.7, convention: .brats2020).labels == expected)
        #expect(original.removingIsolatedEnhancement(backgroundShare: 0.72, convention: .brats2020) == original)
        #expect(original.removingIsolatedEnhancement(backgroundShare: 0, convention: .brats2020) == original)
    }

    /// In BraTS 2023's convention label 4 is not enhancing tumour: nothing is removed.
    @Test func followsTheLabelConvention() {
        #expect(map().removingIsolatedEnhancement(backgroundShare: 0.7, convention: .brats2023) == map())
    }
}
