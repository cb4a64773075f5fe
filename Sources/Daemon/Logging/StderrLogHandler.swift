import Glibc
import Logging

/// A swift-log handler writing one plain line per entry to stderr:
/// `2026-05-01T10:00:00Z warning study-id=Case_001 stage=read: message`.
public struct StderrLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public let label: String

    public init(label: String, logLevel: Logger.Level = .info) {
        self.label = label
        self.logLevel = logLevel
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        Self.write(Self.line(level: event.level, message: "\(event.message)", metadata: metadata.merged(with: event.metadata)))
    }

    /// One entry as one line: time, level, metadata, message (newlines become spaces).
    static func line(level: Logger.Level, message: String, metadata: [(key: String, value: String)]) -> String {
        let fields = metadata.map { " \($0.key)=\($0.value)" }.joined()
        return "\(utcTimestamp()) \(level)\(fields): \(message)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Writes `line` and a newline to stderr in one write, so lines from several threads do not interleave.
    static func write(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}

/// The current time as ISO 8601 in UTC, to the second.
func utcTimestamp(_ seconds: time_t = time(nil)) -> String {
    var t = seconds
    var parts = tm()
    gmtime_r(&t, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
