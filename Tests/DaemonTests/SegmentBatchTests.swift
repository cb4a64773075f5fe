import Foundation
import Glibc
import Testing

/// `ganet-seg segment` as a batch tool, run as a child process (the executable is found as in
/// `DaemonProcessTests`) with a tiny U-Net on small phantoms.
@Suite struct SegmentBatchTests {
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
