import Testing
import Volumes

@Suite struct OrientationTests {
    /// BraTS's own order needs no flip; a RAS-stored grid (as the phantoms and the metastasis case
    /// are) needs x and y reversed.
    @Test func flipsFromTheAffine() {
        #expect(Geometry.bratsOrder(dims: [4, 3, 2]).flipsToBraTSOrder == [false, false, false])
        #expect(Geometry.axisAligned(dims: [4, 3, 2], spacing: [1, 1, 2], origin: [0, 0, 0]).flipsToBraTSOrder
                == [true, true, false])
    }

    /// Voxel (i, j, k) of the BraTS-order grid lies where the header says.
    @Test func bratsOrderGridPointsLeftPosteriorSuperior() {
        let a = Geometry.bratsOrder(dims: [240, 240, 155]).affine
        #expect(a[0][0] == -1 && a[1][1] == -1 && a[2][2] == 1)
        #expect(a[1][3] == 239)
    }

    /// Reversing x and z of a 3x2x2 grid, by hand; reversing twice gives the input back.
    @Test func reversesAxes() {
        let values = Array(0..<12)
        let flipped = reversingAxes(values, dims: [3, 2, 2], flips: [true, false, true])
        #expect(flipped == [8, 7, 6, 11, 10, 9, 2, 1, 0, 5, 4, 3])
        #expect(reversingAxes(flipped, dims: [3, 2, 2], flips: [true, false, true]) == values)
        #expect(reversingAxes(values, dims: [3, 2, 2], flips: [false, false, false]) == values)
    }
}
