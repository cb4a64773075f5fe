import Foundation
import Glibc
import Logging
import Testing
@testable import Daemon

@Suite struct LoggingTests {
    @Test func journalFieldsCarryTheStudyStageAndDuration() {
        let handlerMetadata: Logger.Metadata = ["study-id": "Case_001", "stage": "read"]
        let fields = JournalLogHandler.fields(
            level: .error, message: "failed:\nsecond line", identifier: "ganet-seg",
            metadata: handlerMetadata.merged(with: ["duration-ms": "12", "error": "truncatedData"]),
            file: "Daemon/StudyRunner.swift", function: "run()", line: 7)
        #expect(fields == [
            "MESSAGE=failed:\nsecond line", "PRIORITY=3", "SYSLOG_IDENTIFIER=ganet-seg",
            "CODE_FILE=Daemon/StudyRunner.swift", "CODE_LINE=7", "CODE_FUNC=run()",
            "DURATION_MS=12", "ERROR=truncatedData", "STAGE=read", "STUDY_ID=Case_001",
        ])
    }

    @Test func journalFieldNamesAreSanitised() {
        #expect(JournalLogHandler.fieldName("failed-path") == "FAILED_PATH")
        #expect(JournalLogHandler.fieldName("_trusted") == "TRUSTED")
        #expect(JournalLogHandler.fieldName("2x") == "X")
        #expect(JournalLogHandler.fieldName("--") == nil)
    }

    /// JOURNAL_STREAM can match stderr while journald's socket is gone: the entry must not vanish.
    @Test func anEntryTheJournalRefusesGoesToStderr() {
        let lines = Lines()
        var logger = Logger(label: "test") { label in
            JournalLogHandler(label: label, identifier: "ganet-seg", logLevel: .info, send: { _ in -ENOENT }, fallback: lines.append)
        }
        logger[metadataKey: "study-id"] = "Case_001"
        logger.error("failed: missing FLAIR", metadata: ["stage": "validate"])
        #expect(lines.all.count == 1)
        #expect(lines.all.first?.hasSuffix(" error stage=validate study-id=Case_001: failed: missing FLAIR") == true)
        lines.clear()
        let accepted = Logger(label: "test") { label in
            JournalLogHandler(label: label, identifier: "ganet-seg", logLevel: .info, send: { _ in 0 }, fallback: lines.append)
        }
        accepted.error("sent")
        #expect(lines.all.isEmpty)
    }

    @Test func journalIsChosenOnlyWhenStderrIsTheJournalStream() {
        var st = stat()
        #expect(fstat(STDERR_FILENO, &st) == 0)
        #expect(LogOutput.detect(environment: [:]) == .stderr)
        #expect(LogOutput.detect(environment: ["JOURNAL_STREAM": "1:2"]) == .stderr)
        #expect(LogOutput.detect(environment: ["JOURNAL_STREAM": "\(st.st_dev):\(st.st_ino)"]) == .journal)
    }

    @Test func notifierReadsTheWatchdogFromTheEnvironment() {
        let notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": "/run/x", "WATCHDOG_USEC": "30000000",
                                                     "WATCHDOG_PID": "\(getpid())"])
        #expect(notifier.socketPath == "/run/x" && notifier.watchdogSeconds == 30)
        #expect(ServiceNotifier(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]).watchdogSeconds == nil)
        #expect(ServiceNotifier(environment: [:]).socketPath == nil)
    }
}

/// Lines collected from several threads.
private final class Lines: @unchecked Sendable {
    private var lines: [String] = []
    private let lock = NSLock()
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    func clear() { lock.lock(); lines.removeAll(); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}
