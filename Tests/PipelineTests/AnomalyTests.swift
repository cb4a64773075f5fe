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

    /// Holes of side 2 on a 6 x 4 image: pass 0 occludes the tiles in even columns and rows
    /// (x 0-1 and 4-5, y 0-1), pass 1 odd columns (x 2-3, y 0-1), pass 2 even columns of odd rows
    /// (y 2-3), pass 3 the rest. Each pixel is occluded exactly once.
    @Test func residualHolesCoverEachPixelOnce() {
        let passes = AnomalyMapper.holePasses(height: 4, width: 6, holeSize: 2)
        #expect(passes.count == 4)
        #expect(passes[0] == [1, 1, 0, 0, 1, 1,
                              1, 1, 0, 0, 1, 1,
                              0, 0, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 0])
        #expect(passes[3] == [0, 0, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 0,
                              0, 0, 1, 1, 0, 0,
                              0, 0, 1, 1, 0, 0])
        #expect((0..<24).allSatisfy { p in passes.map { $0[p] }.reduce(0, +) == 1 })
    }

    /// A generator whose last convolution has zero weights and bias 0.5 inpaints tanh(0.5)
    /// everywhere, so the residual of each brain voxel is the mean over the GAN's two channels of
    /// |x - tanh(0.5)| (clamped to 1), and 0 outside the brain.
    @Test func residualOfAConstantGenerator() throws {
        let dims = [20, 18, 6]
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0])
        let images = (1...4).map { brainBox(dims, scale: Float(100 * $0)) }
        let study = try Preprocessor().prepare(id: "box", geometry: geometry, images: images, labels: nil)
        let config = GANConfiguration(imageChannels: 2, generatorWidths: [4, 8], discriminatorWidths: [4, 8])
        let gan = InpaintingGAN(config, backend: backend, seed: 5)
        let weights = gan.generator.exportWeights(backend: backend).map { t in
            t.name.hasPrefix("head.")
                ? NamedTensor(name: t.name, shape: t.shape, values: t.values.map { _ in t.name == "head.bias" ? 0.5 : 0 })
                : t
        }
        try gan.generator.loadWeights(SafeTensors.Contents(tensors: weights, metadata: [:], sha256: ""), path: "constant", backend: backend)
        let model = GANModel(gan: gan, backend: backend, modalities: [.t1, .flair], name: "constant", sha256: "")
        let map = AnomalyMapper(model: model, method: .residual, batchSize: 3, holeSize: 3).map(study)

        let g = tanh(Float(0.5))
        let (t1, flair) = (study.channels[Modality.t1.rawValue], study.channels[Modality.flair.rawValue])
        #expect(map.count == study.window.voxelCount)
        for i in map.indices {
            let expected = study.brainMask[i] ? min((abs(t1[i] - g) + abs(flair[i] - g)) / 2, 1) : 0
            #expect(abs(map[i] - expected) < 1e-5, "voxel \(i)")
        }
        #expect(study.brainMask.contains(true))
    }

    /// A discriminator whose head has zero weights and bias 1 says sigmoid(1) for every cell, so
    /// both discriminator maps are 1 - sigmoid(1) on every brain voxel (in holes: every voxel lies
    /// in one pass's holes) and 0 elsewhere.
    @Test(arguments: [AnomalyMethod.discriminator, .discriminatorInHoles])
    func discriminatorMapsOfAConstantDiscriminator(_ method: AnomalyMethod) throws {
        let dims = [20, 18, 6]
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0])
        let study = try Preprocessor().prepare(id: "box", geometry: geometry,
                                               images: (1...4).map { brainBox(dims, scale: Float(100 * $0)) }, labels: nil)
        let gan = InpaintingGAN(GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8]),
                                backend: backend, seed: 5)
        let weights = gan.discriminator.exportWeights(backend: backend).map { t in
            t.name.hasPrefix("head.") ? NamedTensor(name: t.name, shape: t.shape, values: t.values.map { _ in t.name == "head.bias" ? 1 : 0 }) : t
        }
        try gan.discriminator.loadWeights(SafeTensors.Contents(tensors: weights, metadata: [:], sha256: ""), path: "constant", backend: backend)
        let model = GANModel(gan: gan, backend: backend, modalities: [.t1], name: "constant", sha256: "")
        let map = AnomalyMapper(model: model, method: method, batchSize: 4, holeSize: 8).map(study)
        let expected = 1 - 1 / (1 + exp(Float(-1)))
        #expect(zip(map, study.brainMask).allSatisfy { abs($0 - ($1 ? expected : 0)) < 1e-6 })
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
        #expect(anomaly.method == "discriminator")
        let plane = dims[0] * dims[1]
        #expect(anomaly.sliceScores[2] == Double(map.voxels[2 * plane..<3 * plane].max()!))
        #expect(document.timingsMS["anomaly"] != nil)
        // The report page: original | mask | pseudo-healthy | anomaly, one row per shown slice.
        let png = try PNGImage.decode(Array(Data(contentsOf: URL(fileURLWithPath: out + "/report/anomaly.png"))))
        #expect(png.width > 4 * 16 && png.height > 16)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any]
        let written = try #require(json?["anomaly"] as? [String: Any])
        #expect((written["slice_scores"] as? [Double])?.count == dims[2])
        #expect(written["method"] as? String == "discriminator")
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
        #expect(json?["min_lesion_voxels"] as? Int == PostprocessingOptions().minimumLesionVoxels)
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
