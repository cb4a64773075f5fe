import Compute
import Networks
import Testing
@testable import Pipeline
import Volumes

@Suite struct EnhancementTests {
    /// Hand-computed with the formulas of Enhancement's documentation (lambda -0.8, m = 1):
    /// x = 0.25: L = ln 1.25 / ln 2 = 0.32193, E = 1 - e^-0.25 = 0.22120, C = 0.54313 / (-0.8 + 0.07121)
    ///           = -0.74524, R = erf(-0.8 * atan(e^-0.74524) + 0.37262) = erf(-0.01963...) = 0.020436 ...
    /// The four raw values and their min-max normalisation, computed independently in double precision.
    @Test func matchesHandComputedValues() throws {
        let e = try Enhancement()
        let raw = [0.0, 0.25, 0.5, 1.0].map { e.raw($0, max: 1) }
        let expectedRaw = [-0.6257693217439262, 0.02043647912251398, 0.6889805609034767, 0.9999999999937743]
        for (r, x) in zip(raw, expectedRaw) { #expect(abs(r - x) < 1e-12) }

        var values: [Float] = [0, 0.25, 0.5, 1]
        e.apply(to: &values)
        let expected: [Float] = [0, 0.3974766867288762, 0.8086934944427672, 0.9999993849069659]
        for (v, x) in zip(values, expected) { #expect(abs(v - x) < 1e-6) }
    }

    @Test func isMonotonic() throws {
        let e = try Enhancement()
        let raw = stride(from: 0.0, through: 1.0, by: 0.01).map { e.raw($0, max: 1) }
        #expect(zip(raw, raw.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(arguments: [-0.5, 0.0, -0.63])
    func rejectsLambdaThatDividesByZero(_ lambda: Double) {
        #expect(throws: PreprocessingError.invalidLambda(lambda)) { try Enhancement(lambda: lambda) }
    }

    @Test func constantInputBecomesZero() throws {
        var values: [Float] = [0.5, 0.5, 0.5]
        try Enhancement().apply(to: &values)
        #expect(values == [0, 0, 0])
    }

    @Test func percentileMatchesNumpy() {
        // numpy.percentile([3,1,4,1,5,9,2,6], [0.5, 99.5, 50]) = 1.0, 8.895, 3.5
        let sorted: [Float] = [3, 1, 4, 1, 5, 9, 2, 6].sorted()
        #expect(percentile(sorted, 0.5) == 1)
        #expect(abs(percentile(sorted, 99.5) - 8.895) < 1e-5)
        #expect(percentile(sorted, 50) == 3.5)
    }
}

@Suite struct CropWindowTests {
    @Test func boundingBoxAndPadding() throws {
        let dims = [20, 18, 6]
        let mask = brainBox(dims, scale: 1).map { $0 > 0 }
        let box = try #require(CropWindow.bounding(mask, dims: dims))
        #expect(box == CropWindow(origin: [4, 3, 1], size: [12, 12, 4]))
        // 12 -> 16 in x and y: 4 extra voxels, 2 on each side; z unchanged.
        #expect(box.padded(toMultipleOf: 16) == CropWindow(origin: [2, 1, 1], size: [16, 16, 4]))
        #expect(CropWindow.bounding([Bool](repeating: false, count: 8), dims: [2, 2, 2]) == nil)
    }

    @Test func extractThenInsertRestoresTheWindow() {
        let dims = [5, 4, 3]
        let values = (0..<60).map { Int($0) }
        // A window hanging off the grid on every side.
        let window = CropWindow(origin: [-1, 2, 1], size: [8, 4, 3])
        let cut = window.extract(values, dims: dims, fill: -1)
        #expect(cut.count == 8 * 4 * 3)
        #expect(cut[0] == -1)                                     // x = -1 lies outside
        #expect(cut[1] == values[0 + 5 * (2 + 4 * 1)])            // window (1,0,0) = grid (0,2,1)
        let back = window.insert(cut, into: dims, background: -7)
        for z in 0..<3 {
            for y in 0..<4 {
                for x in 0..<5 {
                    let i = x + 5 * (y + 4 * z)
                    #expect(back[i] == ((y >= 2 && z >= 1) ? values[i] : -7))
                }
            }
        }
    }
}

@Suite struct PreprocessorTests {
    @Test func cropsNormalisesAndMasks() throws {
        var labels = [Float](repeating: 0, count: 20 * 18 * 6)
        labels[8 + 20 * (8 + 18 * 2)] = 4
        let folder = try writeStudy(in: try temporaryFolder(), labels: labels)
        let study = try Study.load(try StudyFolder(path: folder))
        let prepared = try Preprocessor()(study)

        #expect(prepared.window == CropWindow(origin: [2, 1, 1], size: [16, 16, 4]))
        #expect(prepared.brainSlices == [0, 1, 2, 3])
        for channel in prepared.channels {
            #expect(channel.allSatisfy { (0...1).contains($0) })
            for (value, inside) in zip(channel, prepared.brainMask) where !inside { #expect(value == 0) }
            #expect(channel.max()! > 0.99)
        }
        // The study is stored RAS, so x and y are reversed into BraTS order: grid (8, 8, 2) is
        // (11, 9, 2) in BraTS order, window (9, 8, 1); uncrop puts it back at (8, 8, 2).
        #expect(prepared.reorientation == Reorientation(axes: [0, 1, 2], flips: [true, true, false]))
        #expect(prepared.labels![9 + 16 * (8 + 16 * 1)] == 4)
        let back = prepared.uncrop(prepared.labels!)
        #expect(back == labels.map { UInt8($0) })
        #expect(prepared.slice(1).count == 4 * 16 * 16)
    }

    @Test func emptyStudyIsRejected() throws {
        let parent = try temporaryFolder()
        let folder = try writeStudy(in: parent)
        let g = Geometry.axisAligned(dims: [20, 18, 6], spacing: [1, 1, 2], origin: [-10, -9, -6])
        for suffix in ["_t1", "_t1ce", "_t2", "_flair"] {
            try NIfTIWriter().write([Float](repeating: 0, count: 20 * 18 * 6), like: g, as: .int16,
                                    to: "\(folder)/Case_001\(suffix).nii.gz")
        }
        // Reading refuses it already: an image that is 0 everywhere is no image.
        #expect(throws: StudyError.blankModality(.t1, file: folder + "/Case_001_t1.nii.gz")) {
            try Study.load(try StudyFolder(path: folder))
        }
        // Images that reach the preprocessor another way (synthesis) are checked there too.
        let zeros = [Float](repeating: 0, count: 20 * 18 * 6)
        #expect(throws: PreprocessingError.emptyBrain(study: "Case_001")) {
            try Preprocessor().prepare(id: "Case_001", geometry: g, images: [[Float]](repeating: zeros, count: 4), labels: nil)
        }
    }
}

@Suite struct OrientationPreprocessingTests {
    /// A study stored RAS (x and y reversed from BraTS order) is put in BraTS order for the network,
    /// and its labels go back to the input's own voxel order.
    @Test func putsVoxelsInBraTSOrderAndBack() throws {
        let dims = [16, 16, 2]
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0])
        var image = [Float](repeating: 0, count: 512)
        var labels = [UInt8](repeating: 0, count: 512)
        for z in 0..<2 { for y in 2..<14 { for x in 2..<14 { image[x + 16 * (y + 16 * z)] = Float(1 + x + y) } } }
        labels[3 + 16 * 4] = 2          // x 3, y 4, z 0 in the input's order
        let prepared = try Preprocessor().prepare(id: "ras", geometry: geometry, images: [[Float]](repeating: image, count: 4),
                                                  labels: labels)
        #expect(prepared.reorientation == Reorientation(axes: [0, 1, 2], flips: [true, true, false]))
        // In BraTS order the voxel sits at x 12, y 11 of the grid: window-relative by the crop's origin.
        let w = prepared.window
        let windowLabels = prepared.labels!
        let i = (12 - w.origin[0]) + w.size[0] * (11 - w.origin[1])
        #expect(windowLabels[i] == 2)
        #expect(prepared.uncrop(windowLabels) == labels)
        #expect(prepared.bratsSlice(0) == w.origin[2])
    }

    /// A grid whose k runs inferior is reversed in z too: window slice 0 is the input's top slice.
    @Test func reversesSlicesRunningInferior() throws {
        let dims = [16, 16, 3]
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0], signs: [-1, -1, -1])
        var image = [Float](repeating: 0, count: 768)
        for z in 0..<3 { for y in 4..<12 { for x in 4..<12 { image[x + 16 * (y + 16 * z)] = Float(10 * (z + 1)) } } }
        var labels = [UInt8](repeating: 0, count: 768)
        labels[5 + 16 * (5 + 16 * 2)] = 1
        let prepared = try Preprocessor().prepare(id: "inferior", geometry: geometry, images: [[Float]](repeating: image, count: 4),
                                                  labels: labels)
        #expect(prepared.reorientation == Reorientation(axes: [0, 1, 2], flips: [false, false, true]))
        let w = prepared.window
        #expect(prepared.labels![(5 - w.origin[0]) + w.size[0] * (5 - w.origin[1])] == 1)
        #expect(prepared.uncrop(prepared.labels!) == labels)
    }
}

@Suite struct ModelCaveatTests {
    /// The report's caveat names research use, the weights and their training data, shortened to
    /// fit the page.
    @Test func caveatNamesWeightsAndTrainingData() {
        let network = UNet(UNetConfiguration(widths: [4], bottleneck: 4), backend: CPUBackend())
        let long = String(repeating: "synthesis ", count: 12)
        let model = SegmentationModel(network: network, backend: CPUBackend(), name: "m.safetensors",
                                      sha256: "0123456789abcdef", metadata: ["training_data": long])
        #expect(model.caveat == ["RESEARCH USE ONLY, not for diagnosis. Model m.safetensors (sha256 0123456789ab)",
                                 "trained on: " + long.prefix(73) + "..."])
        let unrecorded = SegmentationModel(network: network, backend: CPUBackend(), name: "m", sha256: "")
        #expect(unrecorded.caveat[1] == "trained on: unrecorded data")
    }
}
