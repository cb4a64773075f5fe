import Compute
import Foundation
import Glibc
import Logging
import Pipeline
import Reports
import Synchronization
import Testing
import Volumes
@testable import Daemon
import Platform

/// Spool directories under a fresh temporary root, plus a staging folder on the same filesystem
/// from which studies are moved into the inbox whole.
struct SpoolFixture {
    let root: String
    var config = DaemonConfig()

    init(_ name: String = "daemon") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
        for folder in ["inbox", "work", "outbox", "failed", "archive", "staging"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        config.inbox = root + "/inbox"
        config.work = root + "/work"
        config.outbox = root + "/outbox"
        config.failed = root + "/failed"
        config.archive = root + "/archive"
        config.settleSeconds = 0.2
        config.retryBackoffSeconds = 0.1
        config.shutdownGraceSeconds = 0.2
    }

    var staging: String { root + "/staging" }

    func list(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []).sorted()
    }

    /// Writes a study in staging and moves it into the inbox in one rename.
    func drop(_ id: String, dims: [Int] = [8, 8, 4]) throws {
        try writeStudy(in: staging, id: id, dims: dims)
        try moveIn(id)
    }

    func moveIn(_ id: String) throws {
        #expect(rename(staging + "/" + id, config.inbox + "/" + id) == 0)
    }

    func errorReport(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(root)/failed/\(id)/error.json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }
}

/// Writes a small study folder `<parent>/<id>` with the four modalities (BraTS 2020 names, gzip
/// unless not `gzip`).
@discardableResult
func writeStudy(in parent: String, id: String, dims: [Int] = [8, 8, 4], gzip: Bool = true) throws -> String {
    let folder = parent + "/" + id
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0])
    let count = dims.reduce(1, *)
    for (m, suffix) in ["_t1", "_t1ce", "_t2", "_flair"].enumerated() {
        let voxels = (0..<count).map { Float(($0 * (m + 3)) % 97) }
        try NIfTIWriter().write(voxels, like: geometry, as: .int16, to: "\(folder)/\(id)\(suffix).nii\(gzip ? ".gz" : "")")
    }
    return folder
}

/// Waits until `condition` holds, checking every 20 ms, for at most `seconds`.
func eventually(within seconds: Double = 20, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// A stand-in for the segmenter: finds and reads the study through Pipeline (so real validation
/// and read errors happen), optionally fails or blocks, then writes one small output file.
final class StubProcessor: StudyProcessor {
    enum Behaviour: Sendable {
        case succeed
        /// Cannot write the output (the report folder, with errno `code`) on the first `n` attempts per study.
        case failWritingOutput(times: Int, code: Int32 = ENOSPC)
        /// Throws a compute device's failure on the first `n` attempts per study.
        case loseDevice(times: Int)
        /// Waits until `release()` (or 30 s), reporting progress meanwhile.
        case block
    }

    private let behaviour: Behaviour
    private let calls = Mutex<[String: Int]>([:])
    private let released = Mutex(false)

    init(_ behaviour: Behaviour = .succeed) { self.behaviour = behaviour }

    /// How often each study was processed.
    var callCounts: [String: Int] { calls.withLock { $0 } }
    var totalCalls: Int { callCounts.values.reduce(0, +) }

    func release() { released.withLock { $0 = true } }

    func process(studyAt input: String, into output: String,
                 progress: @Sendable (String) -> Void) throws -> ProcessingSummary {
        let study = try Study.load(try StudyFolder(path: input))
        let attempt = calls.withLock { c -> Int in
            c[study.id, default: 0] += 1
            return c[study.id]!
        }
        switch behaviour {
        case .succeed: break
        case .failWritingOutput(let times, let code):
            if attempt <= times { throw ReportError.folderFailed(path: output + "/report", code: code) }
        case .loseDevice(let times):
            if attempt <= times { throw DeviceFailure(device: "Vulkan test GPU", reason: "the Vulkan device was lost") }
        case .block:
            let deadline = Date().addingTimeInterval(30)
            while !released.withLock({ $0 }) && Date() < deadline {
                progress("waiting")
                usleep(10_000)
            }
        }
        let file = "\(study.id)_seg.txt"
        try Data("labels for \(study.id)\n".utf8).write(to: URL(fileURLWithPath: output + "/" + file))
        return ProcessingSummary(studyID: study.id, files: [file])
    }
}

/// A datagram socket standing in for systemd's NOTIFY_SOCKET; collects the messages it receives.
final class NotifyListener: Sendable {
    let path: String
    private let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString.prefix(8))").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw SystemError("bind", path) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Messages received until one contains `field` or `seconds` pass; nil on time-out.
    func waitFor(_ field: String, within seconds: Double = 20) -> [String]? {
        var received: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { continue }
            let message = String(decoding: buffer.prefix(n), as: UTF8.self)
            received.append(message)
            if message.split(separator: "\n").contains(where: { $0.hasPrefix(field) }) { return received }
        }
        return nil
    }
}

/// Keeps the messages logged at warning or above, for tests to look for.
struct RecordingLogHandler: LogHandler {
    let messages: Messages
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .warning

    final class Messages: Sendable {
        private let lines = Mutex<[String]>([])
        func append(_ line: String) { lines.withLock { $0.append(line) } }
        func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }
        func count(_ text: String) -> Int { lines.withLock { $0.filter { $0.contains(text) }.count } }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { messages.append("\(event.level): \(event.message)") }
}

/// A daemon running on its own thread against a fixture, started and ready (READY=1 received).
final class RunningDaemon: Sendable {
    let daemon: InboxDaemon
    let notify: NotifyListener
    /// What the daemon logged at warning or above.
    let log = RecordingLogHandler.Messages()
    private let finished = Mutex<Result<Void, any Error>?>(nil)

    init(_ fixture: SpoolFixture, processor: some StudyProcessor, watchdogSeconds: Double? = nil) throws {
        notify = try NotifyListener()
        let logger = Logger(label: "test") { [log] _ in RecordingLogHandler(messages: log) }
        daemon = InboxDaemon(config: fixture.config, processor: processor, software: "ganet-seg test",
                             logger: logger, notifier: ServiceNotifier(socketPath: notify.path, watchdogSeconds: watchdogSeconds))
        _ = DedicatedThread { [self] in
            let result = Result { try daemon.run() }
            finished.withLock { $0 = result }
        }
        guard notify.waitFor("READY=1") != nil else {
            throw SystemError("READY=1 never arrived", fixture.root, code: ETIMEDOUT)
        }
    }

    /// How `run` ended, waiting at most `seconds` for it to end by itself (nil: still running).
    func outcome(within seconds: Double) -> Result<Void, any Error>? {
        var outcome: Result<Void, any Error>?
        _ = eventually(within: seconds) { outcome = finished.withLock { $0 }; return outcome != nil }
        return outcome
    }

    /// Requests a stop and waits for `run` to return; true when it returned without error.
    @discardableResult
    func stop() -> Bool {
        daemon.requestStop()
        var outcome: Result<Void, any Error>?
        _ = eventually { outcome = finished.withLock { $0 }; return outcome != nil }
        if case .success = outcome { return true }
        return false
    }
}
