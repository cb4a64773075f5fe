import Foundation
import Glibc
import Networks
import Testing
import Volumes

/// The `ganet-seg` executable run as a child process (found as in `DaemonProcessTests`): `segment`
/// as a batch tool with a tiny U-Net on small phantoms, and the documented exit statuses.
@Suite struct CommandLineTests {
    /// A folder of studies with a bad one in the middle: the good ones are segmented, the bad one
    /// is named, the summary says what happened, and the exit status is bad input's.
    @Test func aBadStudyDoesNotStopTheOthers() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("segment-batch-\(UUID().uuidString)").path
        let batch = root + "/batch"
        try FileManager.default.createDirectory(atPath: batch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var ids: [String] = []
        for index in 1...3 {
            let phantom = try phantomGenerator.get().make(seed: 5, index: index, shape: [48, 48, 12], normal: false)
            try phantom.write(into: batch)
            ids.append(phantom.id)
        }
        let bad = batch + "/" + ids[1]
        let flair = try FileManager.default.contentsOfDirectory(atPath: bad).first { $0.contains("_flair") }!
        try FileManager.default.removeItem(atPath: bad + "/" + flair)
        let model = root + "/" + tinyModelFileName
        _ = try writeTinyModel(to: model)

        let run = try runGanetSeg(["segment", batch, "-o", root + "/out", "--model", model, "--device", "cpu"])
        #expect(run.status == 65, "\(run.stderr)")
        let published = try FileManager.default.contentsOfDirectory(atPath: root + "/out").sorted()
        #expect(published == [ids[0], ids[2]])
        #expect(run.stderr.contains("ganet-seg: error: \(bad): missing FLAIR"), "\(run.stderr)")
        #expect(run.stdout.split(separator: "\n").last == "2 of 3 studies segmented; failed: \(bad) (bad input)")
    }

    /// 64: a command line that names no study.
    @Test func noStudyIsABadCommandLine() throws {
        let run = try runGanetSeg(["segment", "-o", "/tmp/unused"])
        #expect(run.status == 64 && run.stderr.contains("give at least one study folder"), "\(run.stderr)")
    }

    /// 64: choosing the GAN's epoch by its map's AUROC without a study to measure it on.
    @Test func mapSelectionWithoutAStudyIsABadCommandLine() throws {
        let run = try runGanetSeg(["pretrain-gan", "--normals", "/tmp/unused", "--output", "/tmp/unused.safetensors",
                                   "--select-by", "map-auroc"])
        #expect(run.status == 64 && run.stderr.contains("--select-by map-auroc needs a --map-validation-study"), "\(run.stderr)")
    }

    /// 64: a share of augmented slices outside 0...1.
    @Test(arguments: ["--surface-enhancement", "--tumour-contrast"])
    func anAugmentationShareOutsideZeroToOneIsABadCommandLine(option: String) throws {
        let run = try runGanetSeg(["train", "--data", "/tmp/unused", "--output", "/tmp/unused.safetensors", option, "1.5"])
        #expect(run.status == 64 && run.stderr.contains("\(option) must be in 0...1"), "\(run.stderr)")
    }

    /// 64: a post-processing share outside 0...1.
    @Test(arguments: ["--min-lesion-fraction", "--isolated-enhancement-share", "--enclosed-core-fraction", "--faint-oedema-fraction"])
    func aPostprocessingShareOutsideZeroToOneIsABadCommandLine(option: String) throws {
        let run = try runGanetSeg(["segment", "/tmp/unused", "--output", "/tmp/unused-out", option, "1.5"])
        #expect(run.status == 64 && run.stderr.contains("\(option) must be in 0...1"), "\(run.stderr)")
    }

    /// `average-weights`: the mean of two models is written with its parts named; one model, or
    /// shares that do not match the models, is a bad command line (64).
    @Test func averageWeightsWritesTheMeanAndRefusesBadCommandLines() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("average-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let tensor = { (v: Float) in [NamedTensor(name: "w", shape: [2], values: [v, 2 * v])] }
        try SafeTensors.write(tensor(1), as: .f32, metadata: ["architecture": "x", "epochs": "4"], to: root + "/a.safetensors")
        try SafeTensors.write(tensor(3), as: .f32, metadata: [:], to: root + "/b.safetensors")
        let run = try runGanetSeg(["average-weights", root + "/a.safetensors", root + "/b.safetensors", "--output", root + "/m.safetensors"])
        #expect(run.status == 0, "\(run.stderr)")
        let mean = try SafeTensors.read(path: root + "/m.safetensors")
        #expect(mean.tensors == tensor(2) && mean.metadata["architecture"] == "x" && mean.metadata["epochs"] == nil)
        #expect(mean.metadata["averaged_from"]?.hasPrefix("0.5000 x a.safetensors (sha256 ") == true, "\(mean.metadata)")

        let one = try runGanetSeg(["average-weights", root + "/a.safetensors", "--output", root + "/n.safetensors"])
        #expect(one.status == 64 && one.stderr.contains("give at least two models to average"), "\(one.stderr)")
        let shares = try runGanetSeg(["average-weights", root + "/a.safetensors", root + "/b.safetensors", "--shares", "1",
                                      "--output", root + "/n.safetensors"])
        #expect(shares.status == 64 && shares.stderr.contains("--shares must be 2 comma-separated numbers, got '1'"), "\(shares.stderr)")
    }

    /// 74: an output folder that cannot be made (a file is in its place), before any study is read.
    @Test func anOutputThatCannotBeMadeExits74() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("segment-output-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(FileManager.default.createFile(atPath: root + "/out", contents: Data("x".utf8)))
        let model = root + "/" + tinyModelFileName
        _ = try writeTinyModel(to: model)
        let run = try runGanetSeg(["segment", root + "/study", "-o", root + "/out", "--model", model, "--device", "cpu"])
        #expect(run.status == 74 && run.stderr.hasPrefix("ganet-seg: error: ") && run.stderr.contains(root + "/out"), "\(run.stderr)")
    }

    /// `evaluate-detection` on one hand-made 2 x 2 x 2 study. Anomaly map, slice 0: 0.1 0.2 0 0.3,
    /// slice 1: 0.9 0.25 0.2 0; reference: tumour at the first two voxels of slice 1. Normal brain
    /// (map above 0, no label): 0.1 0.2 0.3 0.2; tumour 0.9 (above all four) and 0.25 (above three):
    /// AUROC 7/8. Slice scores 0.3 (normal) and 0.9 (tumour): specificity 0.5 first holds at 0.9,
    /// which is also Youden's threshold (sensitivity + specificity 2). A rule that is neither a
    /// specificity in 0...1 nor `youden` is a usage error.
    @Test func evaluateDetectionScoresVoxelsAndPicksAThreshold() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("detection-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["/pred/A", "/ref"] { try FileManager.default.createDirectory(atPath: root + folder, withIntermediateDirectories: true) }
        let geometry = Geometry.axisAligned(dims: [2, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0])
        try NIfTIWriter().write([0.1, 0.2, 0, 0.3, 0.9, 0.25, 0.2, 0], like: geometry, as: .float32, to: root + "/pred/A/A_anomaly.nii.gz")
        try NIfTIWriter().write([0, 0, 0, 0, 2, 1, 0, 0], like: geometry, as: .uint8, to: root + "/ref/A_seg.nii.gz")
        try #"{"study_id": "A", "anomaly": {"slice_scores": [0.3, 0.9]}}"#.write(toFile: root + "/pred/A/metrics.json", atomically: true, encoding: .utf8)

        let run = try runGanetSeg(["evaluate-detection", root + "/pred", root + "/ref", "--thresholds", "0.5", "--select-threshold", "0.5"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("voxel AUROC, whole tumour against normal brain: 0.8750 (2 tumour, 4 normal voxels)"), "\(run.stdout)")
        #expect(run.stdout.contains("slice AUROC, tumour slices above the others: 1.0000"), "\(run.stdout)")
        #expect(run.stdout.contains("selected threshold 0.9 (most sensitive with specificity >= 0.5): specificity 1.0000, sensitivity 1.0000"), "\(run.stdout)")
        let youden = try runGanetSeg(["evaluate-detection", root + "/pred", root + "/ref", "--select-threshold", "youden"])
        #expect(youden.stdout.contains("selected threshold 0.9 (youden): specificity 1.0000, sensitivity 1.0000"), "\(youden.stdout)")
        let bad = try runGanetSeg(["evaluate-detection", root + "/pred", root + "/ref", "--select-threshold", "1.5"])
        #expect(bad.status == 64 && bad.stderr.contains("The value '1.5' is invalid for '--select-threshold"), "\(bad.stderr)")
    }

    /// 78: a daemon config with problems, each on a line.
    @Test func aConfigWithProblemsExits78() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "inbox = \"relative/inbox\"\nconcurrency = 0\n".write(toFile: root + "/c.toml", atomically: true, encoding: .utf8)
        let run = try runGanetSeg(["check-config", root + "/c.toml"])
        #expect(run.status == 78, "\(run.stdout)\(run.stderr)")
        #expect((run.stdout + run.stderr).contains("concurrency"), "\(run.stdout)\(run.stderr)")
    }
}

/// Runs the ganet-seg executable with `arguments` to its end; its exit status and output.
private func runGanetSeg(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try daemonBinary())
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("GANET_SEG_") }
    environment["OPENBLAS_NUM_THREADS"] = "1"
    process.environment = environment
    // Files, not pipes: a child that fills one pipe while the test drains the other would hang.
    let outputs = [".out", ".err"].map { FileManager.default.temporaryDirectory.appendingPathComponent("segment-\(UUID().uuidString)\($0)").path }
    defer { outputs.forEach { unlink($0) } }
    let handles = try outputs.map { path in
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return handle
    }
    process.standardOutput = handles[0]
    process.standardError = handles[1]
    try process.run()
    process.waitUntilExit()
    let (out, err) = (try String(contentsOfFile: outputs[0], encoding: .utf8), try String(contentsOfFile: outputs[1], encoding: .utf8))
    return (process.terminationStatus, out, err)
}
