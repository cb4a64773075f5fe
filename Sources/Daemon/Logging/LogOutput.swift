import Glibc
import Logging

/// Where the daemon's log goes: the journal when systemd connected stderr to it (native fields
/// such as STUDY_ID become searchable), plain lines on stderr otherwise.
public enum LogOutput: Sendable, Equatable {
    case journal
    case stderr

    /// `.journal` when JOURNAL_STREAM names the device and inode of this process's stderr, as
    /// systemd sets it for services whose output goes to the journal.
    public static func detect(environment: [String: String]) -> LogOutput {
        guard let stream = environment["JOURNAL_STREAM"] else { return .stderr }
        var st = stat()
        guard fstat(STDERR_FILENO, &st) == 0 else { return .stderr }
        return stream == "\(st.st_dev):\(st.st_ino)" ? .journal : .stderr
    }

    /// A swift-log factory for `LoggingSystem.bootstrap`, tagging journal entries with
    /// SYSLOG_IDENTIFIER=`identifier` and starting at `level`.
    public func handlerFactory(identifier: String, level: Logger.Level) -> @Sendable (String) -> any LogHandler {
        switch self {
        case .journal: { label in JournalLogHandler(label: label, identifier: identifier, logLevel: level) }
        case .stderr: { label in StderrLogHandler(label: label, logLevel: level) }
        }
    }
}

/// Metadata keys the daemon uses, logged under these journal field names.
enum LogKey {
    static let studyID = "study-id"
    static let stage = "stage"
    static let durationMS = "duration-ms"
    static let error = "error"
}

extension Logger.Metadata {
    /// The handler's metadata overlaid with a call's, keys sorted for stable output.
    func merged(with call: Logger.Metadata?) -> [(key: String, value: String)] {
        merging(call ?? [:]) { $1 }.map { ($0.key, "\($0.value)") }.sorted { $0.key < $1.key }
    }
}
