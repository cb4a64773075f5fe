import Compute
import Foundation
import Phantoms
import Pipeline
import Testing
import VulkanBackend

/// The shipped model segments a tiny phantom (`synth --shape 96,96,24`) on both backends: the
/// predicted classes must agree in at least 99.9% of the voxels the network sees (argmax can flip
/// only where two logits tie to rounding).
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct PhantomAgreementTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    @Test func tinyPhantomSegmentsAlikeOnCPUAndVulkan() throws {
        let gpu = try vulkan()
        let template = try Template(directory: Self.repository.appendingPathComponent("data/icbm152").path)
        let phantom = PhantomGenerator(template: template).make(seed: 3, index: 1, shape: [96, 96, 24], normal: false)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("agreement-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try phantom.write(into: folder)
        let study = try Study.load(StudyFolder(path: folder + "/" + phantom.id))
        let prepared = try Preprocessor()(study)

        let weights = Self.repository.appendingPathComponent("models/ganet-seg-unet.safetensors").path
        func classes(_ backend: any Backend) throws -> [UInt8] {
            SlicePredictor(model: try SegmentationModel.load(path: weights, backend: backend)).predict(prepared)
        }
        let (onCPU, onGPU) = (try classes(cpu), try classes(gpu))
        #expect(onCPU.count == onGPU.count)
        let tumour = onCPU.filter { $0 != 0 }.count
        #expect(tumour > 100, "the phantom's tumour is segmented (\(tumour) voxels)")
        let agreeing = zip(onCPU, onGPU).filter { $0 == $1 }.count
        let share = Double(agreeing) / Double(onCPU.count)
        #expect(share >= 0.999, "\(onCPU.count - agreeing) of \(onCPU.count) voxels differ")
    }
}
