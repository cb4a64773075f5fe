import Metrics
import Testing

@Suite struct EnclosedCoreTests {
    /// An n^3 map filled with `fill`, with `set` applied to it.
    func map(_ n: Int, fill: UInt8, _ set: (inout [UInt8], (Int, Int, Int) -> Int) -> Void) -> LabelMap {
        var labels = [UInt8](repeating: fill, count: n * n * n)
        set(&labels) { x, y, z in (z * n + y) * n + x }
        return LabelMap(dims: [n, n, n], spacing: [1, 1, 1], labels: labels)
    }

    /// An oedema voxel at (2, 2, 2) of a 5^3 map whose 26 neighbours are enhancing tumour (BraTS
    /// 2020), `open` of them background instead.
    func voxelWithOpenNeighbours(_ open: Int) -> LabelMap {
        map(5, fill: 0) { labels, at in
            var index = 0
            for dz in -1...1 { for dy in -1...1 { for dx in -1...1 where (dx, dy, dz) != (0, 0, 0) {
                labels[at(2 + dx, 2 + dy, 2 + dz)] = index < open ? 0 : 4
                index += 1
            } } }
            labels[at(2, 2, 2)] = 2
        }
    }

    /// 0.8 of 26 rays is 20.8: 21 rays meeting core fill the voxel, 20 do not; fraction 0 is off.
    @Test func aVoxelBecomesCoreWhenEnoughRaysMeetCore() {
        let centre = (2 * 5 + 2) * 5 + 2
        #expect(voxelWithOpenNeighbours(5).fillingEnclosedCore(fraction: 0.8, convention: .brats2020).labels[centre] == 1)
        #expect(voxelWithOpenNeighbours(6).fillingEnclosedCore(fraction: 0.8, convention: .brats2020).labels[centre] == 2)
        #expect(voxelWithOpenNeighbours(6).fillingEnclosedCore(fraction: 20.0 / 26, convention: .brats2020).labels[centre] == 1)
        #expect(voxelWithOpenNeighbours(0).fillingEnclosedCore(fraction: 0, convention: .brats2020) == voxelWithOpenNeighbours(0))
    }

    /// A ray crosses oedema to reach core, and ends open at background beyond oedema: with the six
    /// face neighbours oedema (20 rays meet core at once), the voxel fills when three of those six
    /// rays find core behind the oedema (23), not when all six find background (20).
    @Test func raysCrossOedemaAndStopAtBackground() {
        let faces = [(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0), (0, 0, 1), (0, 0, -1)]
        func study(coreBehind: Int) -> LabelMap {
            map(7, fill: 0) { labels, at in
                for dz in -1...1 { for dy in -1...1 { for dx in -1...1 { labels[at(3 + dx, 3 + dy, 3 + dz)] = 4 } } }
                labels[at(3, 3, 3)] = 2
                for (index, (dx, dy, dz)) in faces.enumerated() {
                    labels[at(3 + dx, 3 + dy, 3 + dz)] = 2
                    labels[at(3 + 2 * dx, 3 + 2 * dy, 3 + 2 * dz)] = index < coreBehind ? 1 : 0
                }
            }
        }
        let centre = (3 * 7 + 3) * 7 + 3
        #expect(study(coreBehind: 3).fillingEnclosedCore(fraction: 0.8, convention: .brats2020).labels[centre] == 1)
        #expect(study(coreBehind: 0).fillingEnclosedCore(fraction: 0.8, convention: .brats2020).labels[centre] == 2)
    }

    /// A closed enhancing shell (the faces of the cube 3...7) in a block of oedema (1...9) of an
    /// 11^3 map: the 27 oedema voxels inside become necrotic core, nothing else changes, in either
    /// label convention (BraTS 2023's 4 is not enhancing tumour, so there nothing fills).
    @Test func theInsideOfAClosedRimFillsAndTheOedemaAroundItStays() {
        for convention in [LabelConvention.brats2020, .brats2023] {
            let et = convention.enhancingTumour
            let shell = map(11, fill: 0) { labels, at in
                for z in 1...9 { for y in 1...9 { for x in 1...9 {
                    let onShell = [x, y, z].allSatisfy { (3...7).contains($0) } && [x, y, z].contains { $0 == 3 || $0 == 7 }
                    labels[at(x, y, z)] = onShell ? et : 2
                } } }
            }
            var expected = shell.labels
            for z in 4...6 { for y in 4...6 { for x in 4...6 { expected[(z * 11 + y) * 11 + x] = 1 } } }
            #expect(shell.fillingEnclosedCore(fraction: 0.8, convention: convention).labels == expected)
            let other: LabelConvention = convention == .brats2020 ? .brats2023 : .brats2020
            #expect(shell.fillingEnclosedCore(fraction: 0.8, convention: other) == shell)
        }
    }

    /// Rays look `reach` voxels far: the centre of a closed shell 3 voxels from each wall fills with
    /// a reach of 3, not of 2.
    @Test func raysEndAtTheirReach() {
        let shell = map(11, fill: 0) { labels, at in
            for z in 2...8 { for y in 2...8 { for x in 2...8 {
                labels[at(x, y, z)] = [x, y, z].contains { $0 == 2 || $0 == 8 } ? 4 : 2
            } } }
        }
        let centre = (5 * 11 + 5) * 11 + 5
        #expect(shell.fillingEnclosedCore(fraction: 0.8, reach: 3, convention: .brats2020).labels[centre] == 1)
        #expect(shell.fillingEnclosedCore(fraction: 0.8, reach: 2, convention: .brats2020).labels[centre] == 2)
    }
}
