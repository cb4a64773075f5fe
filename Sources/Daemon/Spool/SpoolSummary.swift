import FoundationEssentials
import Glibc
import Platform

/// What an administrator asks of a spool, read from its folders without disturbing the daemon:
/// whether a daemon holds it, which studies wait in the inbox or are in work/, how many were
/// published and archived, and the newest failures with their reasons.
public struct SpoolSummary: Sendable, Equatable {
    /// A study in failed/, from its error.json.
    public struct Failure: Sendable, Equatable {
        public var name: String
        public var time: String
        public var category: String
        public var detail: String
    }

    /// The process holding the spool's lock, nil when no daemon runs on it.
    public var daemonPID: Int32?
    public var waiting: [String]
    public var inWork: [String]
    public var published: Int
    public var archived: Int
    /// Every failed study, newest first.
    public var failed: [Failure]

    /// Reads the spool of `config`; a folder that cannot be listed counts as empty.
    public init(config: DaemonConfig) {
        func studies(_ folder: String) -> [String] {
            ((try? FileSystem.list(folder)) ?? []).filter { !$0.hasPrefix(".") && FileSystem.isDirectory(folder + "/" + $0) }
        }
        daemonPID = Self.lockHolder(of: config.work)
        waiting = studies(config.inbox)
        inWork = studies(config.work)
        published = studies(config.outbox).count
        archived = config.inputRetention == .archive ? studies(config.archive).count : 0
        failed = studies(config.failed).map { Self.failure(named: $0, in: config.failed) }
            .sorted { ($0.time, $0.name) > ($1.time, $1.name) }
    }

    /// The summary as a few lines of text; at most `failures` failures are listed.
    public func text(failures: Int = 5) -> String {
        var lines = [daemonPID.map { "daemon: running (pid \($0))" } ?? "daemon: not running on this spool"]
        lines.append("inbox: \(waiting.count) waiting\(listing(waiting))")
        lines.append("work: \(inWork.count) in progress or queued\(listing(inWork))")
        lines.append("outbox: \(published) published")
        lines.append("archive: \(archived) inputs kept")
        lines.append("failed: \(failed.count)")
        for failure in failed.prefix(failures) {
            lines.append("  \(failure.time)  \(failure.name)  \(failure.category): \(failure.detail)")
        }
        if failed.count > failures { lines.append("  ... and \(failed.count - failures) older") }
        return lines.joined(separator: "\n")
    }

    private func listing(_ names: [String]) -> String {
        names.isEmpty ? "" : ": " + names.prefix(10).joined(separator: ", ") + (names.count > 10 ? ", ..." : "")
    }

    private static func failure(named name: String, in folder: String) -> Failure {
        struct Report: Decodable {
            var time: String?
            var category: String?
            var detail: String?
        }
        let bytes = FileSystem.readSmallFile(folder + "/" + name + "/error.json", limit: 64 << 10)
        let report = bytes.flatMap { try? JSONDecoder().decode(Report.self, from: Data($0)) }
        return Failure(name: name, time: report?.time ?? "?", category: report?.category ?? "unknown",
                       detail: report?.detail ?? "no readable error.json")
    }

    /// The pid holding a flock on `work` (the daemon's `SpoolLock`), from /proc/locks: reading it
    /// takes no lock, so a daemon starting at that moment is never refused.
    static func lockHolder(of work: String) -> Int32? {
        guard let st = FileSystem.status(work),
              let bytes = FileSystem.readSmallFile("/proc/locks", limit: 1 << 20) else { return nil }
        // glibc's major()/minor() (macros, not imported): /proc/locks prints them in hex.
        let dev = UInt64(st.st_dev)
        let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfff), minor = (dev & 0xff) | ((dev >> 12) & ~0xff)
        let device = String(major, radix: 16).leftPadded(2) + ":" + String(minor, radix: 16).leftPadded(2)
        let target = "\(device):\(st.st_ino)"
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            // "1: FLOCK  ADVISORY  WRITE 1234 fe:00:16223400 0 EOF"
            guard fields.count >= 6, fields[1] == "FLOCK", fields[5] == target else { continue }
            return Int32(fields[4])
        }
        return nil
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
