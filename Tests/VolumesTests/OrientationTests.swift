import Glibc
import Testing
import Volumes

@Suite struct OrientationTests {
    /// BraTS's own order needs nothing; a RAS-stored grid (as the phantoms and the metastasis case
    /// are) needs x and y reversed.
    @Test func flipsFromTheAffine() {
        #expect(Geometry.bratsOrder(dims: [4, 3, 2]).toBraTSOrder == .identity)
        #expect(Geometry.axisAligned(dims: [4, 3, 2], spacing: [1, 1, 2], origin: [0, 0, 0]).toBraTSOrder
                == Reorientation(axes: [0, 1, 2], flips: [true, true, false]))
    }

    /// Voxel (i, j, k) of the BraTS-order grid lies where the header says.
    @Test func bratsOrderGridPointsLeftPosteriorSuperior() {
        let a = Geometry.bratsOrder(dims: [240, 240, 155]).affine
        #expect(a[0][0] == -1 && a[1][1] == -1 && a[2][2] == 1)
        #expect(a[1][3] == 239)
    }

    /// Sagittal storage (i anterior, j superior, k toward the left: "ASL") and a coronal one with
    /// reversed axes ("RIP") are put in BraTS order: checked through the world positions, not the
    /// mapping itself. Each voxel holds a code of its world position; after rearranging, a step
    /// along x must move 1 mm toward the left, along y 1 mm posterior, along z 1 mm superior.
    @Test(arguments: [
        ([[0.0, 0, -1, 30], [1, 0, 0, 0], [0, 1, 0, 0]], "ASL", [2, 0, 1], [false, true, false]),
        ([[-1.0, 0, 0, 30], [0, 0, -1, 20], [0, -1, 0, 10]], "LIP", [0, 2, 1], [false, false, true]),
    ])
    func permutedStorageReachesBraTSOrder(affine: [[Double]], codes: String, axes: [Int], flips: [Bool]) {
        let dims = [4, 3, 5]
        let geometry = Geometry.withAffine(dims: dims, affine: affine)
        #expect(geometry.axisCodes == codes)
        let order = geometry.toBraTSOrder
        #expect(order == Reorientation(axes: axes, flips: flips))
        #expect(geometry.obliquityDegrees == 0)
        // Code of voxel (i, j, k)'s world position: 10000 x + 100 y + z (all within 0..<100).
        var stored = [Double](repeating: 0, count: dims.reduce(1, *))
        for k in 0..<dims[2] { for j in 0..<dims[1] { for i in 0..<dims[0] {
            let w = (0..<3).map { r in affine[r][0] * Double(i) + affine[r][1] * Double(j) + affine[r][2] * Double(k) + affine[r][3] }
            stored[geometry.index(i, j, k)] = 10000 * w[0] + 100 * w[1] + w[2]
        } } }
        let n = order.rearranged(dims)
        let lps = order.apply(stored, dims: dims)
        func at(_ x: Int, _ y: Int, _ z: Int) -> Double { lps[x + n[0] * (y + n[1] * z)] }
        for z in 0..<n[2] { for y in 0..<n[1] { for x in 0..<n[0] {
            if x > 0 { #expect(at(x, y, z) - at(x - 1, y, z) == -10000) }
            if y > 0 { #expect(at(x, y, z) - at(x, y - 1, z) == -100) }
            if z > 0 { #expect(at(x, y, z) - at(x, y, z - 1) == 1) }
        } } }
        #expect(Set(lps) == Set(stored))
        #expect(order.invert(lps, dims: dims) == stored)
    }

    /// A grid tilted 10 degrees about z keeps the order of its aligned twin and reports the tilt;
    /// one tilted 30 degrees does too, and is past the warning threshold.
    @Test(arguments: [10.0, 30.0])
    func obliqueGridsTakeTheNearestOrder(degrees: Double) {
        let (c, s) = (cos(degrees * .pi / 180), sin(degrees * .pi / 180))
        // BraTS order (columns -x, -y, +z) rotated about z.
        let affine = [[-c, s, 0, 0], [-s, -c, 0, 0], [0, 0, 1, 0]]
        let geometry = Geometry.withAffine(dims: [4, 3, 2], affine: affine)
        #expect(geometry.toBraTSOrder == .identity)
        #expect(abs(geometry.obliquityDegrees - degrees) < 1e-4)
    }
}
