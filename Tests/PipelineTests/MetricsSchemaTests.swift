import Compute
import Metrics
import Foundation
import Networks
@testable import Pipeline
import Testing
import Volumes

/// metrics.json against its published schema (docs/metrics-v1.schema.json), and the record fields
/// checked against independently computed values.
@Suite struct MetricsSchemaTests {
    static let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/metrics-v1.schema.json").path

    /// A study with a ground truth segmented with a GAN: every optional part is present, and the
    /// whole document validates.
    @Test func aFullDocumentValidatesAndRecordsItsInputs() throws {
        let root = try temporaryFolder("metrics")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dims = [20, 18, 6]
        var labels = [Float](repeating: 0, count: dims.reduce(1, *))
        for i in 800..<900 { labels[i] = [1, 2, 4][i % 3] }
        let study = try writeStudy(in: root, dims: dims, labels: labels)
        let out = root + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let document = try tinySegmenter().segment(studyAt: study, into: out)

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json")))
        #expect(try JSONSchemaValidator(contentsOf: Self.schemaPath).violations(of: json) == [])
        let object = try #require(json as? [String: Any])
        #expect(object["evaluation"] != nil && object["anomaly"] != nil)

        // sha256 of each file's bytes, computed here over the whole file at once.
        let input = try #require(document.input.sha256)
        #expect(input.count == 5)
        for (key, name) in document.input.files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: study + "/" + name)))
            #expect(input[key] == SHA256.hex(of: bytes), "\(key)")
        }
        #expect(document.input.orientation == "RAS")
        #expect((object["software"] as? [String: Any])?["commit"] as? String == "0123456789abcdef0123456789abcdef01234567")
        // NCR, ED and ET partition WT (each rounded to 0.001 mL).
        let r = document.regions
        let parts = try #require(r["NCR"]).volumeML + #require(r["ED"]).volumeML + #require(r["ET"]).volumeML
        #expect(abs(parts - r["WT"]!.volumeML) < 2e-3)
        // No number carries float noise: at most 6 decimals anywhere in the file.
        let text = try String(contentsOfFile: out + "/metrics.json", encoding: .utf8)
        #expect(text.firstMatch(of: /[0-9]\.[0-9]{7,}/) == nil)
    }

    /// Rounding keeps each kind of value to its precision, half away from zero.
    @Test func roundingByKind() {
        let scores = RegionEvaluation(dice: 0.951433493754, hd95: 1.41421356, lesionwiseDice: 0.12345,
                                      lesionwiseHD95: 374, sensitivity: 0.99995, specificity: 0.99999912345,
                                      lesionsTP: 1, lesionsFN: 0, lesionsFP: 2).rounded()
        #expect(scores == RegionEvaluation(dice: 0.9514, hd95: 1.41, lesionwiseDice: 0.1235, lesionwiseHD95: 374,
                                           sensitivity: 1.0, specificity: 0.999999, lesionsTP: 1, lesionsFN: 0, lesionsFP: 2))
        #expect((-2.5).rounded(places: 0) == -3)
        #expect(122.99980266594886.rounded(places: 3) == 123.0)
    }

    /// The validator is not vacuous: each kind of break is reported where it is.
    @Test func brokenDocumentsAreCaught() throws {
        let validator = try JSONSchemaValidator(contentsOf: Self.schemaPath)
        let root = try temporaryFolder("metrics")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let study = try writeStudy(in: root, dims: [20, 18, 6])
        let out = root + "/out"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try tinySegmenter(gan: false).segment(studyAt: study, into: out)
        let valid = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json"))) as? [String: Any])
        #expect(validator.violations(of: valid) == [])

        var broken = valid
        broken["regions"] = nil
        broken["surprise"] = 1
        broken["label_convention"] = "brats2019"
        var input = valid["input"] as! [String: Any]
        input["orientation"] = "XYZ"
        input["shape"] = [20, 18]
        broken["input"] = input
        #expect(Set(validator.violations(of: broken)) == [
            "$: missing regions", "$: unexpected surprise",
            "$.label_convention: not one of [\"brats2020\", \"brats2023\"]",
            "$.input.orientation: does not match ^[LRAPSI]{3}$", "$.input.shape: minItems 3",
        ])
    }

    @Test func axisCodes() {
        #expect(Geometry.bratsOrder(dims: [4, 4, 4]).axisCodes == "LPS")
        #expect(Geometry.axisAligned(dims: [4, 4, 4], spacing: [1, 1, 1], origin: [0, 0, 0], signs: [1, -1, -1]).axisCodes == "RPI")
    }

    private func tinySegmenter(gan: Bool = true) -> Segmenter {
        let backend = CPUBackend()
        var options = SegmenterOptions()
        options.software = .init(name: "ganet-seg", version: "9.9.9", commit: "0123456789abcdef0123456789abcdef01234567")
        if gan {
            let config = GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8, 8, 8, 8])
            options.gan = GANModel(gan: InpaintingGAN(config, backend: backend, seed: 5), backend: backend,
                                   modalities: [.t1], name: "tiny-gan.safetensors", sha256: "abc")
        }
        let unet = UNet(UNetConfiguration(widths: [4], bottleneck: 8), backend: backend, seed: 3)
        return Segmenter(model: SegmentationModel(network: unet, backend: backend, name: "tiny", sha256: ""), options: options)
    }
}
