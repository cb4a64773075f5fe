import Randomness
import Testing
@testable import Training

@Suite struct SurfaceEnhancementTests {
    /// A 7 x 7 slice, two channels, brain the inner 5 x 5 (channel 0 at 0.5, channel 1 at 0.2 but
    /// 0.95 at (3, 1)); a tumour label at (1, 1).
    func slice() -> SliceSample {
        var image = [Float](repeating: 0, count: 2 * 49)
        for y in 1...5 { for x in 1...5 { image[y * 7 + x] = 0.5; image[49 + y * 7 + x] = 0.2 } }
        image[49 + 1 * 7 + 3] = 0.95
        var classes = [UInt8](repeating: 0, count: 49)
        classes[1 * 7 + 1] = 3
        return SliceSample(image: image, classes: classes, height: 7, width: 7)
    }

    /// The 5 x 5 brain: its ring at depth 1, the next ring 2, the centre 3; outside 0. Counted up
    /// to 2, the centre is "deeper" (3 = limit + 1) as well.
    @Test func depthFromTheSurface() {
        let depth = SurfaceEnhancement.surfaceDepth(of: slice(), upTo: 3)
        #expect(depth[0] == 0 && depth[1 * 7 + 1] == 1 && depth[1 * 7 + 3] == 1 && depth[2 * 7 + 2] == 2 && depth[3 * 7 + 3] == 3)
        #expect(depth.filter { $0 == 1 }.count == 16 && depth.filter { $0 == 2 }.count == 8)
        #expect(SurfaceEnhancement.surfaceDepth(of: slice(), upTo: 1)[2 * 7 + 2] == 2)
    }

    /// One arc over the whole slice, one pixel deep, at 0.9: every surface pixel of channel 1 goes
    /// to 0.9 except the tumour's (1, 1) and the brighter (3, 1); channel 0, the inside and the
    /// labels are untouched.
    @Test func paintsTheSurfaceOutsideTheTumour() {
        var surface = SurfaceEnhancement(share: 1)
        surface.arcs = 1...1
        surface.depth = 1...1
        surface.radius = 100...100
        surface.level = 0.9...0.9
        var rng = RandomSource(seed: 7)
        let before = slice(), after = surface.apply(to: before, using: &rng)
        #expect(after.classes == before.classes && Array(after.image[..<49]) == Array(before.image[..<49]))
        let depth = SurfaceEnhancement.surfaceDepth(of: before, upTo: 1)
        for p in 0..<49 {
            let expected: Float = p == 1 * 7 + 1 ? 0.2 : p == 1 * 7 + 3 ? 0.95 : depth[p] == 1 ? 0.9 : before.image[49 + p]
            #expect(after.image[49 + p] == expected, "pixel \(p)")
        }
    }

    @Test func shareZeroLeavesTheSliceAsItIs() {
        var rng = RandomSource(seed: 1)
        let after = SurfaceEnhancement(share: 0).apply(to: slice(), using: &rng)
        #expect(after.image == slice().image)
    }
}
