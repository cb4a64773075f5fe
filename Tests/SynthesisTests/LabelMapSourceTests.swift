import Testing
@testable import Synthesis

@Suite struct LabelMapSourceTests {
    /// Three well-separated intensity groups become CSF, grey and white matter in order of
    /// intensity; tumour labels stay; z-scored (negative) intensities are shifted to be positive in
    /// the brain and 0 outside it.
    @Test func classifiesTissueByIntensity() {
        let dims = [6, 1, 1]
        let t1: [Float] = [0, -2.0, -0.1, 1.5, 1.6, 0]
        let brain = [false, true, true, true, true, true]
        let tumour: [UInt8] = [0, 0, 0, 0, 0, 3]
        let source = LabelMapSource.classifyingTissue(id: "s", dims: dims, tumour: tumour,
                                                      channels: [t1, nil, nil, nil], brain: brain)
        #expect(source.labels == [0, 4, 5, 6, 6, 3])
        let shifted = source.channels[0]!
        #expect(shifted[0] == 0)
        #expect(shifted[1...].allSatisfy { $0 > 0 })
        #expect(abs((shifted[3] - shifted[1]) - 3.5) < 1e-5)
        #expect(source.channels[1] == nil)
    }

    /// A donor's tumour lands (mirrored in x when asked) on the recipient's brain only, and the
    /// recipient's real image is marked invalid there.
    @Test func transplantsTumours() {
        let dims = [4, 1, 1]
        let recipient = LabelMapSource(id: "atlas", dims: dims, labels: [0, 6, 6, 5],
                                       channels: [[0, 1, 1, 1], nil, nil, nil])
        let donor = LabelMapSource(id: "case", dims: dims, labels: [3, 2, 6, 0], channels: [nil, nil, nil, nil])
        let straight = recipient.transplanting(tumourOf: donor, mirrored: false)
        #expect(straight.labels == [0, 2, 6, 5])
        #expect(straight.validReal == [false, false, true, true])
        let mirrored = recipient.transplanting(tumourOf: donor, mirrored: true)
        #expect(mirrored.labels == [0, 6, 2, 3])
        #expect(mirrored.validReal == [false, true, false, false])
        #expect(mirrored.hasTumour && !recipient.hasTumour)
    }

    @Test func kMeansOrdersClustersByCentre() {
        let values: [Float] = [10, 11, 9, 50, 52, 100, 98, 101]
        let k = KMeans1D(values: values, clusters: 3)
        #expect(k.assignments == [0, 0, 0, 1, 1, 2, 2, 2])
        #expect(abs(k.centres[1] - 51) < 1e-4)
    }

    /// The moving average along each axis, against hand-computed means (edges average what lies
    /// inside the grid).
    @Test func smoothsAlongOneAxis() {
        let dims = [3, 2, 2]
        let values: [Float] = (0..<12).map(Float.init)
        var x = values
        smooth(&x, dims: dims, axis: 0, width: 3)
        #expect(x[0...2] == [0.5, 1, 1.5])
        var y = values
        smooth(&y, dims: dims, axis: 1, width: 3)
        #expect(y[0...5] == [1.5, 2.5, 3.5, 1.5, 2.5, 3.5])
        var z = values
        smooth(&z, dims: dims, axis: 2, width: 2)
        // width 2 averages a voxel with the next one along z.
        #expect(z[0] == 3 && z[6] == 6)
    }
}

@Suite struct TissueOrderTests {
    /// On T2 CSF is brightest and white matter darkest; on FLAIR CSF is darkest and grey matter brightest.
    @Test(arguments: [(2, [UInt8]([6, 5, 4])), (3, [UInt8]([4, 6, 5]))])
    func namesClustersByTheModalitysOrder(_ channel: Int, _ expected: [UInt8]) {
        var channels: [[Float]?] = [nil, nil, nil, nil]
        channels[channel] = [10, 50, 90]
        let source = LabelMapSource.classifyingTissue(id: "s", dims: [3, 1, 1], tumour: [0, 0, 0], channels: channels)
        #expect(source.labels == expected)
    }
}
