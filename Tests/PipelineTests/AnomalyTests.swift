import Compute
import Foundation
import Networks
import Reports
@testable import Pipeline
import Testing
import Volumes

@Suite struct AnomalyTests {
    let backend = CPUBackend()

    /// A 2x2 grid to 4x4: output pixel y samples (y + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25,
    /// 0.75, 1.25 (clamped to 1). Row 0 interpolates 0..1; row 1 is a quarter of the way to row 2..3.
    @Test func bilinearUpsampling() {
        let up = AnomalyMapper.upsample([0, 1, 2, 3], rows: 2, cols: 2, height: 4, width: 4)
        #expect(Array(up[0..<4]) == [0, 0.25, 0.75, 1])
        #expect(Array(up[4..<8]) == [0.5, 0.75, 1.25, 1.5])
        #expect(Array(up[12..<16]) == [2, 2.25, 2.75, 3])
        #expect(AnomalyMapper.sliceScores([0, 0.5, 0.2, 0, 0, 0, 0.9, 0.1], dims: [2, 2, 2]) == [0.5, Double(Float(0.9))])
    }

    func segmenter(gan: Bool, threshold: Double = 0.5) -> Segmenter {
        let unet = UNet(UNetConfiguration(widths: [4], bottleneck: 8), backend: backend, seed: 3)
        var options = SegmenterOptions()
        if gan {
            // Five stride-2 layers: 32-pixel patches, so the 16x16 window is padded to 32x32.
            let config = GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8, 8, 8, 8])
            options.gan = GANModel(gan: InpaintingGAN(config, backend: backend, seed: 5), backend: backend,
                                   modalities: [.t1], name: "tiny-gan.safetensors", sha256: "abc")
            options.anomalyThreshold = threshold
        }
        return Segmenter(model: SegmentationModel(network: unet, backend: backend, name: "tiny", sha256: ""), options: options)
    }

    /// With a GAN: `<id>_anomaly.nii.gz` on the input grid, values in 0...1, 0 outside the brain,
    /// and metrics.json's `anomaly` with one score per input slice.
    @Test func segmentWritesTheAnomalyMap() throws {
        let root = try temporaryFolder("anomaly")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dims = [20, 18, 6]
        let study = try writeStudy(in: root, dims: dims)
        let out = root + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let document = try segmenter(gan: true, threshold: 0).segment(studyAt: study, into: out)

        let map = try NIfTIReader().read(path: out + "/Case_001_anomaly.nii.gz")
        #expect(map.geometry.dims == dims)
        #expect(map.voxels.allSatisfy { (0...1).contains($0) })
        let brain = brainBox(dims, scale: 1).map { $0 != 0 }
        #expect(zip(map.voxels, brain).allSatisfy { $1 || $0 == 0 }, "anomaly outside the brain")
        #expect(zip(map.voxels, brain).contains { $1 && $0 > 0 })

        let anomaly = try #require(document.anomaly)
        #expect(anomaly.sliceScores.count == dims[2])
        #expect(anomaly.sliceScores[0] == 0 && anomaly.sliceScores[5] == 0 && anomaly.sliceScores[1] > 0)
        #expect(anomaly.studyScore == anomaly.sliceScores.max() && anomaly.detected && anomaly.threshold == 0)
        let plane = dims[0] * dims[1]
        #expect(anomaly.sliceScores[2] == Double(map.voxels[2 * plane..<3 * plane].max()!))
        #expect(document.timingsMS["anomaly"] != nil)
        // The report page: original | mask | pseudo-healthy | anomaly, one row per shown slice.
        let png = try PNGImage.decode(Array(Data(contentsOf: URL(fileURLWithPath: out + "/report/anomaly.png"))))
        #expect(png.width > 4 * 16 && png.height > 16)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any]
        let written = try #require(json?["anomaly"] as? [String: Any])
        #expect((written["slice_scores"] as? [Double])?.count == dims[2])
        #expect(written["detected"] as? Bool == true && written["study_score"] != nil && written["threshold"] != nil)
        #expect((written["gan"] as? [String: Any])?["name"] as? String == "tiny-gan.safetensors")
    }

    /// Without a GAN nothing changes: no map, no `anomaly` key.
    @Test func withoutAGANNoAnomalyOutputs() throws {
        let root = try temporaryFolder("anomaly")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let study = try writeStudy(in: root, dims: [20, 18, 6])
        let out = root + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let document = try segmenter(gan: false).segment(studyAt: study, into: out)
        #expect(document.anomaly == nil && document.timingsMS["anomaly"] == nil)
        #expect(!FileManager.default.fileExists(atPath: out + "/Case_001_anomaly.nii.gz"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any]
        #expect(json?["anomaly"] == nil && json?["schema"] as? String == "ganet-seg/metrics/v1")
        #expect(json?["min_lesion_voxels"] as? Int == SegmenterOptions.defaultMinimumLesionVoxels)
    }

    /// `modalities` metadata: keys in order, or the default for 1 and 4 channels.
    @Test func ganModalitiesFromMetadata() {
        #expect(GANModel.modalities(nil, channels: 1) == [.t1])
        #expect(GANModel.modalities(nil, channels: 4) == Modality.allCases)
        #expect(GANModel.modalities(nil, channels: 2) == nil)
        #expect(GANModel.modalities("t2,flair", channels: 2) == [.t2, .flair])
        #expect(GANModel.modalities("t1,x", channels: 2) == nil)
        #expect(GANModel.modalities("t1", channels: 2) == nil)
    }
}
