import Randomness
import Testing
@testable import Metrics

struct ConnectedComponentTests {
    @Test func countsWith26Connectivity() {
        let g = Grid(nx: 6, ny: 6, nz: 6)
        // Two voxels that share only a corner are one component.
        #expect(ConnectedComponents(mask(g) { ($0, $1, $2) == (0, 0, 0) || ($0, $1, $2) == (1, 1, 1) }).count == 1)
        // Two voxels with a background voxel between them are two.
        #expect(ConnectedComponents(mask(g) { $1 == 0 && $2 == 0 && ($0 == 0 || $0 == 2) }).count == 2)
        // A U whose arms meet only at the bottom row: provisional labels 1 and 2 merge later.
        let u = ConnectedComponents(mask(g) { x, y, z in z == 0 && ((y < 4 && (x == 0 || x == 4)) || y == 4 && x <= 4) })
        #expect(u.count == 1)
        // Three separate blobs, numbered in raster order (z slowest) of first appearance.
        let three = ConnectedComponents(mask(g) { x, y, z in (x < 2 && y < 2 && z < 2) || (x == 5 && y == 5) || (x == 4 && z == 5 && y == 0) })
        #expect(three.count == 3)
        #expect(three.labels[g.index(0, 0, 0)] == 1)
        #expect(three.labels[g.index(5, 5, 0)] == 2)
        #expect(three.labels[g.index(4, 0, 5)] == 3)
    }
}

struct DilationTests {
    @Test func eighteenNeighbourhood() {
        let g = Grid(nx: 7, ny: 7, nz: 7)
        let point = mask(g) { ($0, $1, $2) == (3, 3, 3) }
        // Once: the voxel and its 6 face + 12 edge neighbours = 19.
        #expect(Dilation.dilate(point, iterations: 1).count == 19)
        // Twice: the 5x5x5 cube (125) less the points with two coordinates at +-2 and the third
        // nonzero, which need three steps: 8 with all three at +-2, 3 x 8 with one at +-1 -> 93.
        #expect(Dilation.dilate(point, iterations: 2).count == 93)
        // At a grid corner only the in-grid part grows: itself, 3 faces, 3 edges = 7.
        let corner = mask(Grid(nx: 3, ny: 3, nz: 3)) { ($0, $1, $2) == (0, 0, 0) }
        #expect(Dilation.dilate(corner, iterations: 1).count == 7)
    }
}

struct DistanceTransformTests {
    @Test(arguments: [UInt64(1), 2, 3, 4])
    func matchesBruteForce(seed: UInt64) {
        var rng = RandomSource(seed: seed)
        let g = Grid(nx: .random(in: 1 ... 9, using: &rng), ny: .random(in: 1 ... 9, using: &rng),
                     nz: .random(in: 1 ... 9, using: &rng))
        let spacing = (0 ..< 3).map { _ in Double.random(in: 0.5 ... 3, using: &rng) }
        let density = seed == 4 ? 0 : 0.15  // seed 4: no features at all
        let features = (0 ..< g.count).map { _ in Double.random(in: 0 ..< 1, using: &rng) < density }
        let d = DistanceTransform.squared(features: features, grid: g, spacing: spacing)
        for i in 0 ..< g.count {
            let p = g.coordinates(i)
            var best = Double.infinity
            for j in 0 ..< g.count where features[j] {
                let q = g.coordinates(j)
                let (dx, dy, dz) = (Double(p.x - q.x) * spacing[0], Double(p.y - q.y) * spacing[1], Double(p.z - q.z) * spacing[2])
                best = min(best, dx * dx + dy * dy + dz * dz)
            }
            #expect(best.isInfinite ? d[i].isInfinite : abs(d[i] - best) <= 1e-9 * max(1, best))
        }
    }
}

struct SurfelTableTests {
    @Test func tableIsComplete() {
        #expect(SurfelAreaTable.normals.count == 256)
        let areas = SurfelAreaTable(spacing: [0.9, 1.1, 2.5]).areas
        #expect(areas[0] == 0 && areas[255] == 0)
        // A code and its complement bound the same surface (guards against a mistyped entry).
        for code in 0 ..< 256 { #expect(abs(areas[code] - areas[255 - code]) < 1e-12) }
        // One corner voxel: one triangle of normal (1/8, 1/8, 1/8), area sqrt(3)/8 at 1 mm.
        #expect(abs(SurfelAreaTable(spacing: [1, 1, 1]).areas[1] - 3.0.squareRoot() / 8) < 1e-12)
    }

    @Test func pairwiseSumMatchesPlainSumOnExactValues() {
        // Integers sum exactly in any order; this checks the blocking covers every element.
        for n in [0, 5, 8, 9, 127, 128, 129, 1000] {
            #expect(pairwiseSum((0 ..< n).map(Double.init)) == Double(n * (n - 1) / 2))
        }
    }
}
