import Compute
import Foundation
import Glibc
import Networks
import Phantoms
import Pipeline
import Synchronization
import Testing
@testable import Daemon
import Platform

/// End-to-end tests of the real `ganet-seg watch` process: a child process with a config file,
/// a tiny U-Net and phantom studies, driven through NOTIFY_SOCKET, the spool and signals.
///
/// The executable under test is, in order:
/// - `GANET_SEG_BINARY`, when set (a full path, e.g. `/work/build-e2e/debug/ganet-seg` for a build
///   with `--scratch-path /work/build-e2e`);
/// - `ganet-seg` beside the running test executable (the same build's products directory);
/// - `<repository>/.build/debug/ganet-seg`.
/// `swift build --build-tests` (as CI runs before `swift test`) builds it; when none exists the
/// tests fail saying so rather than skipping.
@Suite struct DaemonProcessTests {
    /// Publishes a study dropped into the inbox, then stops cleanly on SIGTERM.
    @Test func publishesThenStopsOnSIGTERM() throws {
        let binary = try daemonBinary()
        let (fixture, configFile, modelSHA256) = try prepareSpool("e2e-publish")
        let phantom = try phantomGenerator.get().make(seed: 3, index: 1, shape: [48, 48, 12], normal: false)
        try phantom.write(into: fixture.staging)
        let id = phantom.id

        let notify = try NotifyListener()
        let daemon = try DaemonProcess(binary: binary, config: configFile, notifySocket: notify.path,
                                       log: fixture.root + "/daemon.log")
        defer { daemon.kill() }
        try #require(notify.waitFor("READY=1", within: 30) != nil, "READY=1 never arrived\n\(daemon.logTail)")

        try fixture.moveIn(id)
        let outbox = fixture.root + "/outbox/" + id
        let published = eventually(within: 60) {
            exists(outbox + "/\(id)_seg.nii.gz") && exists(outbox + "/metrics.json")
                && exists(outbox + "/report/overview.png") && exists(fixture.root + "/archive/" + id)
        }
        try #require(published, "not published within 60 s; spool: \(fixture.summary)\n\(daemon.logTail)")

        // metrics.json names the study and the model the config points at.
        let metrics = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: outbox + "/metrics.json"))) as? [String: Any]
        let model = metrics?["model"] as? [String: Any]
        #expect(metrics?["study_id"] as? String == id)
        #expect(model?["name"] as? String == tinyModelFileName)
        #expect(model?["sha256"] as? String == modelSHA256)

        daemon.signal(SIGTERM)
        #expect(notify.waitFor("STOPPING=1", within: 30) != nil, "STOPPING=1 never arrived\n\(daemon.logTail)")
        let exit = daemon.waitForExit(within: 30)
        #expect(exit == .exited(0), "\(daemon.logTail)")

        #expect(fixture.list("outbox") == [id])
        #expect(fixture.list("outbox").allSatisfy { !$0.hasPrefix(Spool.temporaryPrefix) })
        #expect(fixture.list("archive") == [id])
        #expect(fixture.list("inbox").isEmpty && fixture.list("work").isEmpty && fixture.list("failed").isEmpty)
        if exit == .exited(0) { try? FileManager.default.removeItem(atPath: fixture.root) }
    }

    /// SIGHUP (`systemctl reload`) reads the config again: a model that does not load leaves the
    /// running one in place, and a good one serves every study that starts afterwards; the daemon
    /// answers each reload with RELOADING=1 then READY=1 and never stops.
    @Test func reloadSwitchesTheModelForTheStudiesThatFollow() throws {
        let binary = try daemonBinary()
        let (fixture, configFile, firstSHA256) = try prepareSpool("e2e-reload")
        let first = fixture.root + "/" + tinyModelFileName, second = fixture.root + "/second.safetensors"
        let secondSHA256 = try writeTinyModel(to: second, seed: 8)
        let config = try String(contentsOfFile: configFile, encoding: .utf8)
        let notify = try NotifyListener()
        let daemon = try DaemonProcess(binary: binary, config: configFile, notifySocket: notify.path,
                                       log: fixture.root + "/daemon.log")
        defer { daemon.kill() }
        try #require(notify.waitFor("READY=1", within: 30) != nil, "READY=1 never arrived\n\(daemon.logTail)")

        /// Points the config at `model`, reloads, and waits for the daemon to be ready again.
        func reload(to model: String) throws {
            try config.replacingOccurrences(of: first, with: model).write(toFile: configFile, atomically: true, encoding: .utf8)
            daemon.signal(SIGHUP)
            try #require(notify.waitFor("RELOADING=1", within: 30) != nil, "no RELOADING=1\n\(daemon.logTail)")
            try #require(notify.waitFor("READY=1", within: 30) != nil, "no READY=1 after the reload\n\(daemon.logTail)")
        }
        /// Drops a phantom and returns the sha256 of the model its metrics.json names.
        func segmentedWith(seed: UInt64) throws -> String? {
            let phantom = try phantomGenerator.get().make(seed: seed, index: 1, shape: [48, 48, 12], normal: false)
            try phantom.write(into: fixture.staging)
            try fixture.moveIn(phantom.id)
            let metrics = fixture.root + "/outbox/" + phantom.id + "/metrics.json"
            try #require(eventually(within: 60) { exists(metrics) }, "not published\n\(daemon.logTail)")
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metrics))) as? [String: Any]
            return (document?["model"] as? [String: Any])?["sha256"] as? String
        }

        try reload(to: fixture.root + "/missing.safetensors")
        #expect(daemon.logTail.contains("reload failed; the running configuration stays"), "\(daemon.logTail)")
        #expect(try segmentedWith(seed: 11) == firstSHA256)
        try reload(to: second)
        #expect(daemon.logTail.contains("reloaded"), "\(daemon.logTail)")
        #expect(try segmentedWith(seed: 12) == secondSHA256)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(within: 30) == .exited(0), "\(daemon.logTail)")
        #expect(fixture.list("failed").isEmpty && fixture.list("work").isEmpty)
    }

    /// A model file that does not load is a configuration problem: exit 78 (the unit's
    /// RestartPreventExitStatus) with the reason, not a restart loop.
    @Test func modelThatDoesNotLoadExitsWithTheConfigStatus() throws {
        let binary = try daemonBinary()
        let (fixture, configFile, _) = try prepareSpool("e2e-model")
        try Data(repeating: 0x41, count: 64).write(to: URL(fileURLWithPath: fixture.root + "/" + tinyModelFileName))
        let notify = try NotifyListener()
        let daemon = try DaemonProcess(binary: binary, config: configFile, notifySocket: notify.path,
                                       log: fixture.root + "/daemon.log")
        defer { daemon.kill() }
        #expect(daemon.waitForExit(within: 30) == .exited(78), "\(daemon.logTail)")
        #expect(daemon.logTail.contains("config: model \(fixture.root)/\(tinyModelFileName)"), "\(daemon.logTail)")
    }

    /// An inbox removed under the running daemon ends it with the documented 75 (systemd restarts it),
    /// saying why on stderr.
    @Test func aRemovedInboxExitsWith75() throws {
        let binary = try daemonBinary()
        let (fixture, configFile, _) = try prepareSpool("e2e-inbox")
        let notify = try NotifyListener()
        let daemon = try DaemonProcess(binary: binary, config: configFile, notifySocket: notify.path,
                                       log: fixture.root + "/daemon.log")
        defer { daemon.kill() }
        try #require(notify.waitFor("READY=1", within: 30) != nil, "READY=1 never arrived\n\(daemon.logTail)")
        try FileManager.default.removeItem(atPath: fixture.config.inbox)
        #expect(daemon.waitForExit(within: 30) == .exited(75), "\(daemon.logTail)")
        #expect(daemon.logTail.contains("stopped: the watcher of \(fixture.config.inbox) died"), "\(daemon.logTail)")
    }

    /// A daemon killed (SIGKILL) mid-study leaves it in work/; the next start processes it again
    /// and publishes it exactly once.
    @Test func studyInterruptedBySIGKILLIsPublishedExactlyOnceAfterRestart() throws {
        let binary = try daemonBinary()
        let (fixture, configFile, _) = try prepareSpool("e2e-sigkill")
        // Processing takes seconds (a debug build renders the report slowly); the kill comes within
        // one 20 ms poll of the temporary output appearing.
        let phantom = try phantomGenerator.get().make(seed: 4, index: 1, shape: [48, 48, 12], normal: false)
        try phantom.write(into: fixture.staging)
        let id = phantom.id
        let notify = try NotifyListener()

        let first = try DaemonProcess(binary: binary, config: configFile, notifySocket: notify.path,
                                      log: fixture.root + "/daemon-1.log")
        defer { first.kill() }
        try #require(notify.waitFor("READY=1", within: 30) != nil, "READY=1 never arrived\n\(first.logTail)")
        try fixture.moveIn(id)
        // Claimed (in work/) and being processed (its temporary output exists): kill it now.
        let started = eventually(within: 30) {
            fixture.list("work").contains(id) && fixture.list("outbox").contains(Spool.temporaryPrefix + id)
        }
        try #require(started, "the study was never claimed; spool: \(fixture.summary)\n\(first.logTail)")
        first.signal(SIGKILL)
        #expect(first.waitForExit(within: 30) == .signalled(SIGKILL))
        try #require(!fixture.list("outbox").contains(id) && fixture.list("work").contains(id),
                     "the study was published before SIGKILL arrived (make the phantom bigger); spool: \(fixture.summary)")

        let second = try DaemonProcess(binary: binary, config: configFile, notifySocket: notify.path,
                                       log: fixture.root + "/daemon-2.log")
        defer { second.kill() }
        try #require(notify.waitFor("READY=1", within: 30) != nil, "READY=1 never arrived after restart\n\(second.logTail)")
        let published = eventually(within: 60) {
            fixture.list("archive").contains(id) && exists(fixture.root + "/outbox/\(id)/metrics.json")
        }
        try #require(published, "not published after restart; spool: \(fixture.summary)\n\(second.logTail)")

        second.signal(SIGTERM)
        let exit = second.waitForExit(within: 30)
        #expect(exit == .exited(0), "\(second.logTail)")
        #expect(fixture.list("outbox") == [id], "exactly one output folder, no \(id).1 and no .tmp- folder")
        #expect(fixture.list("archive") == [id])
        #expect(fixture.list("archive/" + id).filter { $0.hasSuffix(".nii.gz") }.count == 5)
        #expect(fixture.list("failed").isEmpty)
        #expect(fixture.list("work").isEmpty, "no study and no attempt counter left in work/")
        #expect(fixture.list("inbox").isEmpty)
        if exit == .exited(0) { try? FileManager.default.removeItem(atPath: fixture.root) }
    }
}

// MARK: - Fixtures

let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The `ganet-seg` executable to test (see `DaemonProcessTests`); fails the test when there is none.
func daemonBinary() throws -> String {
    let files = FileManager.default
    if let explicit = ProcessInfo.processInfo.environment["GANET_SEG_BINARY"], !explicit.isEmpty {
        try #require(files.isExecutableFile(atPath: explicit), "GANET_SEG_BINARY=\(explicit) is not an executable file")
        return explicit
    }
    let besideTests = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("ganet-seg").path
    let candidates = [besideTests, repositoryRoot + "/.build/debug/ganet-seg"]
    let found = candidates.first { files.isExecutableFile(atPath: $0) }
    try #require(found != nil, """
        the ganet-seg executable was not found at \(candidates.joined(separator: " or ")); \
        run `swift build --build-tests` before `swift test`, or set GANET_SEG_BINARY to its path
        """)
    return found!
}

let phantomGenerator = Result {
    PhantomGenerator(template: try Template(directory: repositoryRoot + "/data/icbm152"))
}

let tinyModelFileName = "tiny-unet.safetensors"

/// Writes a U-Net with tiny widths and random weights to `path`, with the metadata that lets
/// `SegmentationModel.load` rebuild the architecture; returns the file's sha256.
func writeTinyModel(to path: String, seed: UInt64 = 7) throws -> String {
    let configuration = UNetConfiguration(widths: [4, 8], bottleneck: 8)
    let backend = CPUBackend()
    let network = UNet(configuration, backend: backend, seed: seed)
    try SafeTensors.write(network.exportWeights(backend: backend), as: .f32, metadata: configuration.metadata, to: path)
    return try SafeTensors.read(path: path).sha256
}

/// A spool under a fresh temporary root, the tiny model and a config file for them (CPU, short
/// settle time, marker file); returns the fixture, the config file and the model's sha256.
private func prepareSpool(_ name: String) throws -> (SpoolFixture, String, String) {
    let fixture = try SpoolFixture(name)
    let c = fixture.config
    let model = fixture.root + "/" + tinyModelFileName
    let sha256 = try writeTinyModel(to: model)
    let file = fixture.root + "/ganet-seg.toml"
    try """
        inbox = "\(c.inbox)"
        work = "\(c.work)"
        outbox = "\(c.outbox)"
        failed = "\(c.failed)"
        archive = "\(c.archive)"
        model = "\(model)"
        device = "cpu"
        settle_seconds = 0.2
        marker = "READY"
        retry_backoff_seconds = 0.1
        shutdown_grace_seconds = 20.0
        log_level = "info"

        """.write(toFile: file, atomically: true, encoding: .utf8)
    return (fixture, file, sha256)
}

private func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

extension SpoolFixture {
    /// Every spool directory's listing, for failure messages.
    var summary: String {
        ["inbox", "work", "outbox", "failed", "archive"].map { "\($0)=\(list($0))" }.joined(separator: " ")
    }
}

/// `ganet-seg watch --config FILE` as a child process, its output in a log file; killed (SIGKILL)
/// when the test ends without having stopped it.
///
/// Foundation's Process passes on the spawning thread's signal mask, and tests run on libdispatch
/// threads that block SIGTERM: the daemon must unblock its stop signals itself (systemd would
/// start it with an empty mask), which `publishesThenStopsOnSIGTERM` therefore also checks.
final class DaemonProcess {
    enum Exit: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    private let process: Process
    private let logPath: String

    init(binary: String, config: String, notifySocket: String, log: String) throws {
        logPath = log
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["watch", "--config", config]
        // Nothing from the test's own environment may redirect the spool, the journal or the watchdog.
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("GANET_SEG_") && !["JOURNAL_STREAM", "WATCHDOG_USEC", "WATCHDOG_PID"].contains(key)
        }
        environment["NOTIFY_SOCKET"] = notifySocket
        environment["OPENBLAS_NUM_THREADS"] = "1"
        process.environment = environment
        guard FileManager.default.createFile(atPath: log, contents: nil),
              let output = FileHandle(forWritingAtPath: log) else { throw SystemError("open", log) }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try output.close()
    }

    func signal(_ signal: Int32) {
        if process.isRunning { Glibc.kill(process.processIdentifier, signal) }
    }

    func kill() { signal(SIGKILL) }

    /// How the process ended, or nil when it is still running after `seconds`.
    func waitForExit(within seconds: Double) -> Exit? {
        guard eventually(within: seconds, { !process.isRunning }) else { return nil }
        return process.terminationReason == .exit ? .exited(process.terminationStatus) : .signalled(process.terminationStatus)
    }

    /// The end of the daemon's log, for failure messages.
    var logTail: String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log at \(logPath))"
        return "--- \(logPath) ---\n" + text.split(separator: "\n", omittingEmptySubsequences: false).suffix(30)
            .joined(separator: "\n")
    }
}
