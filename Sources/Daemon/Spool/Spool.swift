import Glibc
import Pipeline
import Platform

/// The spool directories and the moves between them, with Maildir semantics: a study changes state
/// only by rename, outputs are built in a hidden folder of the outbox and renamed into place whole,
/// and nothing is ever overwritten (a name already taken gets a `.1`, `.2`... suffix).
struct Spool: Sendable {
    let inbox: String
    let work: String
    let outbox: String
    let failed: String
    let archive: String
    let retention: DaemonConfig.InputRetention

    /// Output folders under construction: `outbox/.tmp-<id>`.
    static let temporaryPrefix = ".tmp-"
    /// File in a published folder holding its publish token (see `isPublished`).
    static let sourceFile = ".ganet-seg-source"
    /// Hidden per-study records in work/, removed with the study: attempt counters
    /// (`.attempts-<id>`) and publish tokens (`.published-<id>`).
    static let attemptsPrefix = ".attempts-"
    static let tokenPrefix = ".published-"

    init(_ config: DaemonConfig) {
        inbox = config.inbox
        work = config.work
        outbox = config.outbox
        failed = config.failed
        archive = config.archive
        retention = config.inputRetention
    }

    enum Claim: Equatable {
        case claimed(String)
        /// Someone else claimed or removed it first.
        case gone
        /// A study with the same id is in work/ already.
        case busy
    }

    /// Takes `inbox/<name>` for processing by renaming it to `work/<name>`.
    func claim(_ name: String) throws -> Claim {
        let target = work + "/" + name
        do {
            try FileSystem.rename(inbox + "/" + name, to: target)
            return .claimed(target)
        } catch {
            switch error.code {
            case ENOENT: return .gone
            case EEXIST, ENOTEMPTY: return .busy
            default: throw error
            }
        }
    }

    /// A new empty output folder for `id`, replacing a stale one.
    func makeTemporaryOutput(for id: String) throws -> String {
        let path = outbox + "/" + Self.temporaryPrefix + id
        try FileSystem.removeTree(path)
        try FileSystem.makeDirectory(path)
        return path
    }

    /// Renames the finished output folder to `outbox/<id>` (or `<id>.N`). A fresh random token is
    /// first written to `work/.published-<id>` and into the output, so that a restart can tell a
    /// study whose output is already in the outbox (a crash between publishing and archiving) from
    /// a new study that reuses the id. Neither the path nor the inode tells them apart: ext4 hands a
    /// deleted folder's inode to the next one made.
    func publish(_ temporary: String, id: String) throws -> String {
        let token = Array(Self.newToken().utf8)
        try FileSystem.replaceFile(work + "/" + Self.tokenPrefix + id, bytes: token)
        try FileSystem.createFile(temporary + "/" + Self.sourceFile, bytes: token)
        return try Publisher.publish(temporary, into: outbox, id: id)
    }

    /// Whether the study `id` in work/ has been published: its token is in an output folder.
    func isPublished(_ id: String) -> Bool {
        guard let token = FileSystem.readSmallFile(work + "/" + Self.tokenPrefix + id), !token.isEmpty,
              let names = try? FileSystem.list(outbox) else { return false }
        return names.filter { $0 == id || ($0.hasPrefix(id + ".") && Int($0.dropFirst(id.count + 1)) != nil) }
            .contains { FileSystem.readSmallFile(outbox + "/" + $0 + "/" + Self.sourceFile) == token }
    }

    /// Archives or deletes a published study's input, as configured; returns the archive path.
    @discardableResult
    func retain(_ input: String, id: String) throws -> String? {
        switch retention {
        case .archive: return try Publisher.moveAside(input, into: archive, as: id)
        case .delete:
            try FileSystem.removeTree(input)
            return nil
        }
    }

    /// Moves a claimed study to `failed/<name>` with `report` as error.json beside its inputs,
    /// replacing the report of an earlier failure (a failed study fixed and dropped again).
    func fail(_ input: String, name: String, report: [UInt8]) throws -> String {
        try FileSystem.replaceFile(input + "/error.json", bytes: report)
        return try Publisher.moveAside(input, into: failed, as: name, maxLength: StudyID.maxLength)
    }

    /// Puts a claimed study back in the inbox (shutdown before it finished); false when the inbox
    /// holds a new study of that name, in which case it stays in work/ for the next start.
    func returnToInbox(_ input: String, name: String) -> Bool {
        (try? FileSystem.rename(input, to: inbox + "/" + name)) != nil
    }

    /// Removes a temporary output folder; what a still-running processor adds later is removed at
    /// the next start.
    func discard(_ temporary: String) { try? FileSystem.removeTree(temporary) }

    /// Start-up recovery: removes stale temporary outputs, the records of studies no longer in
    /// work/ and records left half-written by a crash; returns the studies left in work/.
    func recover() throws -> [String] {
        for name in try FileSystem.list(outbox) where name.hasPrefix(Self.temporaryPrefix) {
            try FileSystem.removeTree(outbox + "/" + name)
        }
        let names = try FileSystem.list(work)
        let studies = names.filter { !$0.hasPrefix(".") && FileSystem.isDirectory(work + "/" + $0) }
        for prefix in [Self.attemptsPrefix, Self.tokenPrefix] {
            for name in names where name.hasPrefix(prefix) && !studies.contains(String(name.dropFirst(prefix.count))) {
                try FileSystem.removeTree(work + "/" + name)
            }
        }
        for name in names where FileSystem.isStagingName(ofHidden: name) { try FileSystem.removeTree(work + "/" + name) }
        return studies
    }

    /// Counts one more attempt at the study `name` in work/ and returns the total, kept on disk so
    /// that a study that crashes the daemon is not retried forever.
    func recordAttempt(_ name: String) throws -> Int {
        let path = work + "/" + Self.attemptsPrefix + name
        let previous = FileSystem.readSmallFile(path).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        try FileSystem.replaceFile(path, bytes: Array("\(previous + 1)".utf8))
        return previous + 1
    }

    /// Takes back the attempt that `recordAttempt` counted last (one that failed on the output side,
    /// which is never the study's fault).
    func uncountAttempt(_ name: String, attempts: Int) throws {
        try FileSystem.replaceFile(work + "/" + Self.attemptsPrefix + name, bytes: Array("\(attempts - 1)".utf8))
    }

    /// Removes the records of a study that has left work/.
    func clearRecords(_ name: String) {
        for prefix in [Self.attemptsPrefix, Self.tokenPrefix] { try? FileSystem.removeTree(work + "/" + prefix + name) }
    }

    /// 128 random bits in hex.
    private static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}
