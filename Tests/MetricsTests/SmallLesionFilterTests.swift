import Metrics
import Testing

@Suite struct SmallLesionFilterTests {
    /// A 10x10x10 map: a 4x4x4 block of mixed labels (64 voxels), a 3-voxel speck joined only
    /// through corners (one 26-connected whole-tumour component), and a single voxel of ET.
    func map() -> LabelMap {
        var labels = [UInt8](repeating: 0, count: 1000)
        func set(_ x: Int, _ y: Int, _ z: Int, _ v: UInt8) { labels[(z * 10 + y) * 10 + x] = v }
        for z in 0..<4 { for y in 0..<4 { for x in 0..<4 { set(x, y, z, x < 2 ? 2 : 4) } } }
        set(7, 7, 7, 1); set(8, 8, 8, 2); set(9, 9, 9, 4)
        set(0, 9, 9, 4)
        return LabelMap(dims: [10, 10, 10], spacing: [1, 1, 1], labels: labels)
    }

    /// A 20x20x20 map: a 12^3 block of oedema holding a 4^3 ET core, a 4^3 necrotic core with a
    /// 2-voxel ET island on it, a lone NCR voxel and a lone ET voxel; apart from it, a 2-voxel tumour
    /// speck joined through a corner (BraTS 2020 labels).
    func nested() -> LabelMap {
        var labels = [UInt8](repeating: 0, count: 8000)
        func set(_ x: Int, _ y: Int, _ z: Int, _ v: UInt8) { labels[index(x, y, z)] = v }
        for z in 0..<12 { for y in 0..<12 { for x in 0..<12 { set(x, y, z, 2) } } }
        for z in 1..<5 { for y in 1..<5 { for x in 1..<5 { set(x, y, z, 4) } } }
        for z in 1..<5 { for y in 1..<5 { for x in 7..<11 { set(x, y, z, 1) } } }
        set(7, 5, 1, 4); set(8, 5, 1, 4)
        set(2, 9, 9, 1)
        set(9, 9, 9, 4)
        set(17, 17, 17, 4); set(18, 18, 18, 1)
        return LabelMap(dims: [20, 20, 20], spacing: [1, 1, 1], labels: labels)
    }

    func index(_ x: Int, _ y: Int, _ z: Int) -> Int { (z * 20 + y) * 20 + x }

    /// Each region loses its own specks: an ET island on a large core becomes core, a lone NCR or
    /// ET voxel inside the oedema becomes oedema, a tumour speck becomes background; what is large
    /// enough in its region stays.
    @Test func removesEachRegionsSpecks() {
        let original = nested()
        var expected = original.labels
        for (x, y, z, label) in [(7, 5, 1, 1), (8, 5, 1, 1), (2, 9, 9, 2), (9, 9, 9, 2), (17, 17, 17, 0), (18, 18, 18, 0)] {
            expected[index(x, y, z)] = UInt8(label)
        }
        #expect(original.removingLesions(smallerThan: 50, convention: .brats2020).labels == expected)
        // The same in BraTS 2023 labels (ET = 3).
        let relabelled = LabelMap(dims: original.dims, spacing: original.spacing, labels: original.labels.map { $0 == 4 ? 3 : $0 })
        #expect(relabelled.removingLesions(smallerThan: 50, convention: .brats2023).labels == expected.map { $0 == 4 ? 3 : $0 })
    }

    /// The bound is exclusive: the 64-voxel ET core stays at 64 and, at 65, leaves ET (becoming
    /// core) and then, a 64-voxel core, TC too (becoming oedema); the 66-voxel core with its ET
    /// island stays core. Components are 26-connected; 0 and 1 change nothing.
    @Test func sizeBoundIsExclusiveAndComponents26Connected() {
        let original = nested()
        let at64 = original.removingLesions(smallerThan: 64, convention: .brats2020)
        #expect(at64.labels[index(2, 2, 2)] == 4 && at64.labels[index(8, 2, 2)] == 1)
        let at65 = original.removingLesions(smallerThan: 65, convention: .brats2020)
        #expect(at65.labels[index(2, 2, 2)] == 2 && at65.labels[index(8, 2, 2)] == 1 && at65.labels[index(7, 5, 1)] == 1)
        // At 2 the speck's lone ET voxel becomes core, but its core (two voxels through a corner) stays.
        let at2 = original.removingLesions(smallerThan: 2, convention: .brats2020)
        #expect(at2.labels[index(17, 17, 17)] == 1 && at2.labels[index(18, 18, 18)] == 1)
        #expect(at2.labels[index(7, 5, 1)] == 4 && at2.labels[index(9, 9, 9)] == 2)
        #expect(original.removingLesions(smallerThan: 0, convention: .brats2020) == original)
        #expect(original.removingLesions(smallerThan: 1, convention: .brats2020) == original)
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

    /// A share of the largest component: with a floor of 2 voxels the 3-voxel tumour speck stays;
    /// a 0.1 share of the 64-voxel block (7 voxels) removes it; a 0.01 share changes nothing beyond
    /// the floor.
    @Test func removesComponentsUnderAShareOfTheLargest() {
        let original = map()
        let floorOnly = original.removingLesions(smallerThan: 2, convention: .brats2020)
        let share = original.removingLesions(smallerThan: 2, fractionOfLargest: 0.1, convention: .brats2020)
        #expect(floorOnly.labels[(7 * 10 + 7) * 10 + 7] != 0)
        #expect(share.labels[(7 * 10 + 7) * 10 + 7] == 0)
        #expect(share.labels[(8 * 10 + 8) * 10 + 8] == 0)
        #expect(share.labels[(0 * 10 + 0) * 10 + 0] == 2)
        #expect(original.removingLesions(smallerThan: 2, fractionOfLargest: 0.01, convention: .brats2020).labels == floorOnly.labels)
    }
}
