import Compute
import Daemon
import Devices
import Foundation
import Pipeline
import Platform
import Testing

/// A segmenter stand-in that loses its device on the studies it is told to, and otherwise
/// writes one file and returns a minimal metrics document.
private final class LosingSegmenter: StudySegmenting {
    let generation: Int
    let losesDevice: Bool

    init(generation: Int, losesDevice: Bool) {
        self.generation = generation
        self.losesDevice = losesDevice
    }

    func segment(studyAt studyPath: String, into output: String,
                 progress: (Segmenter.Stage, Double) -> Void) throws -> MetricsDocument {
        progress(.read, 0)
        progress(.predict, 0.5)
        if losesDevice { throw DeviceFailure(device: "test GPU \(generation)", reason: "device lost") }
        try FileSystem.createFile(output + "/mask.nii.gz", bytes: [UInt8(generation)])
        let json = """
            {"schema": "ganet-seg/metrics/v1", "study_id": "S\(generation)", "created": "now",
             "software": {"name": "ganet-seg", "version": "test"}, "model": {"name": "m", "sha256": "0"},
             "device": "test GPU \(generation)", "input": {"shape": [1, 1, 1], "spacing_mm": [1, 1, 1], "files": {}},
             "label_convention": "brats2020", "timings_ms": {"read": 5, "predict": 7}, "regions": {}}
            """
        return try JSONDecoder().decode(MetricsDocument.self, from: Data(json.utf8))
    }
}

/// Opens a new `LosingSegmenter` each time, counting the opens; the first `failing` opened lose their device.
private final class Opener: @unchecked Sendable {
    private let lock = NSLock()
    private var opened = 0
    let failing: Int
    let refuseAfter: Int

    init(failing: Int, refuseAfter: Int = .max) {
        self.failing = failing
        self.refuseAfter = refuseAfter
    }

    var count: Int { lock.withLock { opened } }

    func open() throws -> any StudySegmenting {
        try lock.withLock {
            opened += 1
            if opened > refuseAfter { throw DeviceUnavailable(selection: .gpu, reason: "no GPU") }
            return LosingSegmenter(generation: opened, losesDevice: opened <= failing)
        }
    }
}

@Suite struct SegmenterProcessorTests {
    private func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "segmenter-processor-\(UUID().uuidString)"
        try FileSystem.makeDirectories(path)
        return path
    }

    @Test func summarisesTheStudyItSegmented() throws {
        let opener = Opener(failing: 0)
        let processor = try SegmenterProcessor(open: opener.open)
        let output = try scratch()
        defer { try? FileSystem.removeTree(output) }
        let notes = NotesBox()
        let summary = try processor.process(studyAt: "/in/S", into: output) { notes.append($0) }
        #expect(summary.studyID == "S1" && summary.files == ["mask.nii.gz"])
        #expect(summary.stageMilliseconds.map(\.stage) == ["read", "predict"])
        #expect(notes.all == ["read", "predict 50%"])
        #expect(opener.count == 1)
    }

    @Test func aLostDeviceIsThrownAndTheNextStudyRunsOnAFreshlyOpenedOne() throws {
        let opener = Opener(failing: 1)
        let processor = try SegmenterProcessor(open: opener.open)
        let output = try scratch()
        defer { try? FileSystem.removeTree(output) }
        let error = #expect(throws: DeviceFailure.self) { try processor.process(studyAt: "/in/S", into: output) { _ in } }
        #expect(error?.device == "test GPU 1" && FailureCategory(of: error!) == .transient)
        #expect(opener.count == 2)
        let summary = try processor.process(studyAt: "/in/S", into: output) { _ in }
        #expect(summary.studyID == "S2")
    }

    @Test func aDeviceThatDoesNotReopenSaysSoAndStaysTransient() throws {
        let opener = Opener(failing: 1, refuseAfter: 1)
        let processor = try SegmenterProcessor(open: opener.open)
        let output = try scratch()
        defer { try? FileSystem.removeTree(output) }
        let error = #expect(throws: DeviceFailure.self) { try processor.process(studyAt: "/in/S", into: output) { _ in } }
        #expect(error?.reason == "device lost; reopening it failed: device gpu: no GPU")
        #expect(FailureCategory(of: error!) == .transient)
    }
}

private final class NotesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var notes: [String] = []
    func append(_ note: String) { lock.withLock { notes.append(note) } }
    var all: [String] { lock.withLock { notes } }
}
