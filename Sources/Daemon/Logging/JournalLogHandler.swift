import CSystemd
import Glibc
import Logging

/// A swift-log handler that writes structured entries to journald with sd_journal_sendv: MESSAGE,
/// PRIORITY, SYSLOG_IDENTIFIER, the source location, and each metadata key as a field of its own
/// ("study-id" becomes STUDY_ID), so `journalctl STUDY_ID=Case_001` finds one study's story.
///
/// When the journal does not take an entry (JOURNAL_STREAM set but no journald socket, journald
/// restarting), the entry goes to stderr as `StderrLogHandler` writes it: a failed study always
/// leaves a trace.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String
    public let identifier: String
    /// Sends one entry's fields; 0 or a negative errno (sd_journal_sendv's contract).
    let send: @Sendable ([String]) -> Int32
    /// Where an entry the journal refused goes, as one line.
    let fallback: @Sendable (String) -> Void

    public init(label: String, identifier: String, logLevel: Logger.Level = .info) {
        self.init(label: label, identifier: identifier, logLevel: logLevel, send: Self.sendToJournal,
                  fallback: StderrLogHandler.write)
    }

    init(label: String, identifier: String, logLevel: Logger.Level, send: @escaping @Sendable ([String]) -> Int32,
         fallback: @escaping @Sendable (String) -> Void) {
        self.label = label
        self.identifier = identifier
        self.logLevel = logLevel
        self.send = send
        self.fallback = fallback
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merged(with: event.metadata)
        let fields = Self.fields(level: event.level, message: "\(event.message)", identifier: identifier,
                                 metadata: merged, file: event.file, function: event.function, line: event.line)
        if send(fields) < 0 {
            fallback(StderrLogHandler.line(level: event.level, message: "\(event.message)", metadata: merged))
        }
    }

    /// sd_journal_sendv of `fields`.
    static func sendToJournal(_ fields: [String]) -> Int32 {
        var buffers = fields.map { Array($0.utf8) }
        let count = buffers.count
        return buffers.withUnsafeMutableBufferPointer { all in
            var vectors = all.indices.map { i in
                all[i].withUnsafeMutableBytes { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
            }
            // The arrays are not mutated while sending, so their storage stays where it was.
            return sd_journal_sendv(&vectors, Int32(count))
        }
    }

    /// The journal fields of one entry ("NAME=value"; values may hold newlines, journald accepts
    /// them in the iovec form).
    static func fields(level: Logger.Level, message: String, identifier: String,
                       metadata: [(key: String, value: String)],
                       file: String, function: String, line: UInt) -> [String] {
        var fields = ["MESSAGE=\(message)", "PRIORITY=\(level.syslogPriority)", "SYSLOG_IDENTIFIER=\(identifier)",
                      "CODE_FILE=\(file)", "CODE_LINE=\(line)", "CODE_FUNC=\(function)"]
        for (key, value) in metadata {
            if let name = fieldName(key) { fields.append("\(name)=\(value)") }
        }
        return fields
    }

    /// Journal field names are A-Z, 0-9 and '_', not starting with '_' or a digit (those are
    /// trusted or invalid); nil when nothing usable is left.
    static func fieldName(_ key: String) -> String? {
        let mapped = String(key.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        let trimmed = mapped.drop { $0 == "_" || $0.isNumber }
        return trimmed.isEmpty ? nil : String(trimmed.prefix(64))
    }
}

extension Logger.Level {
    /// syslog(3) priority: 2 critical ... 7 debug.
    var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
