import Metrics
import Testing

@Suite struct SmallLesionFilterTests {
    /// A 10x10x10 map: a 4x4x4 block of mixed labels (64 voxels), a 3-voxel speck joined only
    /// through corners (one 26-connected component), and a single voxel of ET.
    func map() -> LabelMap {
        var labels = [UInt8](repeating: 0, count: 1000)
        func set(_ x: Int, _ y: Int, _ z: Int, _ v: UInt8) { labels[(z * 10 + y) * 10 + x] = v }
        for z in 0..<4 { for y in 0..<4 { for x in 0..<4 { set(x, y, z, x < 2 ? 2 : 4) } } }
        set(7, 7, 7, 1); set(8, 8, 8, 2); set(9, 9, 9, 4)
        set(0, 9, 9, 4)
        return LabelMap(dims: [10, 10, 10], spacing: [1, 1, 1], labels: labels)
    }

    @Test func removesComponentsBelowTheSize() {
        let filtered = map().removingLesions(smallerThan: 50)
        var expected = map().labels
        for i in [777, 888, 999, 990] { expected[i] = 0 }
        #expect(filtered.labels == expected)
    }

    /// Components are whole tumour (the block's ED and ET parts count together), joined through
    /// corners (26-connectivity), and the bound is exclusive.
    @Test func sizeBoundIsExclusiveAndComponentsAreWholeTumour26Connected() {
        let original = map()
        let atBlock = original.removingLesions(smallerThan: 64)
        #expect(atBlock.labels[0] == 2 && atBlock.labels[3] == 4)
        #expect(original.removingLesions(smallerThan: 65).labels.allSatisfy { $0 == 0 })
        let atThree = original.removingLesions(smallerThan: 3)
        #expect(atThree.labels[777] == 1 && atThree.labels[888] == 2 && atThree.labels[999] == 4)
        #expect(atThree.labels[990] == 0)
        #expect(original.removingLesions(smallerThan: 0) == original)
    }

    /// Voxels and 26-connected lesions per region of the same map (BraTS 2020 labels): WT is every
    /// tumour label, TC leaves out oedema (2), ET is label 4 alone.
    @Test func regionExtents() {
        let original = map()
        #expect(Region.wholeTumour.extent(in: original, convention: .brats2020) == (68, 3))
        // TC: the block's 32 ET voxels; the speck's NCR (7,7,7) and ET (9,9,9) are not adjacent once
        // the ED between them is left out; the lone ET voxel.
        #expect(Region.tumourCore.extent(in: original, convention: .brats2020) == (35, 4))
        #expect(Region.enhancingTumour.extent(in: original, convention: .brats2020) == (34, 3))
    }
}
