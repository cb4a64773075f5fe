import Glibc
import Pipeline

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
    /// File in a published folder naming the claimed input it came from (see `isPublished`).
    static let sourceFile = ".ganet-seg-source"
    /// Hidden per-study attempt counters in work/: `.attempts-<id>`.
    static let attemptsPrefix = ".attempts-"

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
        } catch let error as SystemError where error.code == ENOENT {
            return .gone
        } catch let error as SystemError where error.code == EEXIST || error.code == ENOTEMPTY {
            return .busy
        }
    }

    /// A new empty output folder for `id`, replacing a stale one.
    func makeTemporaryOutput(for id: String) throws -> String {
        let path = outbox + "/" + Self.temporaryPrefix + id
        try FileSystem.removeTree(path)
        try FileSystem.makeDirectory(path)
        return path
    }

    /// Renames the finished output folder to `outbox/<id>` (or `<id>.N`), stamped with the identity
    /// of the claimed input so a restart can tell the study was already published.
    func publish(_ temporary: String, id: String, input: String) throws -> String {
        try FileSystem.createFile(temporary + "/" + Self.sourceFile, bytes: Array(try identity(of: input).utf8))
        return try Publisher.publish(temporary, into: outbox, id: id)
    }

    /// Whether an output folder for `id` came from the claimed input at `input` (a crash between
    /// publishing and archiving leaves both).
    func isPublished(_ input: String, id: String) -> Bool {
        guard let identity = try? identity(of: input), let names = try? FileSystem.list(outbox) else { return false }
        return names.filter { $0 == id || ($0.hasPrefix(id + ".") && Int($0.dropFirst(id.count + 1)) != nil) }
            .contains { FileSystem.readSmallFile(outbox + "/" + $0 + "/" + Self.sourceFile) == Array(identity.utf8) }
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

    /// Moves a claimed study to `failed/<name>` with `report` as error.json beside its inputs.
    func fail(_ input: String, name: String, report: [UInt8]) throws -> String {
        try FileSystem.createFile(input + "/" + uniqueName("error.json", in: input), bytes: report)
        return try Publisher.moveAside(input, into: failed, as: name)
    }

    /// Puts a claimed study back in the inbox (shutdown before it finished); false when the inbox
    /// holds a new study of that name, in which case it stays in work/ for the next start.
    func returnToInbox(_ input: String, name: String) -> Bool {
        (try? FileSystem.rename(input, to: inbox + "/" + name)) != nil
    }

    /// Removes a temporary output folder; what a still-running processor adds later is removed at
    /// the next start.
    func discard(_ temporary: String) { try? FileSystem.removeTree(temporary) }

    /// Start-up recovery: removes stale temporary outputs and orphaned attempt counters; returns
    /// the studies left in work/.
    func recover() throws -> [String] {
        for name in try FileSystem.list(outbox) where name.hasPrefix(Self.temporaryPrefix) {
            try FileSystem.removeTree(outbox + "/" + name)
        }
        let names = try FileSystem.list(work)
        let studies = names.filter { !$0.hasPrefix(".") && FileSystem.isDirectory(work + "/" + $0) }
        for name in names where name.hasPrefix(Self.attemptsPrefix)
            && !studies.contains(String(name.dropFirst(Self.attemptsPrefix.count))) {
            try FileSystem.removeTree(work + "/" + name)
        }
        return studies
    }

    /// Counts one more attempt at the study `name` in work/ and returns the total, kept on disk so
    /// that a study that crashes the daemon is not retried forever.
    func recordAttempt(_ name: String) throws -> Int {
        let path = work + "/" + Self.attemptsPrefix + name
        let previous = FileSystem.readSmallFile(path).flatMap { Int(String(decoding: $0, as: UTF8.self)) } ?? 0
        let staged = path + ".new"
        try? FileSystem.removeTree(staged)
        try FileSystem.createFile(staged, bytes: Array("\(previous + 1)".utf8))
        guard Glibc.rename(staged, path) == 0 else { throw SystemError("rename", staged) }
        return previous + 1
    }

    func clearAttempts(_ name: String) { try? FileSystem.removeTree(work + "/" + Self.attemptsPrefix + name) }

    private func identity(of input: String) throws -> String {
        guard let st = FileSystem.status(input) else { throw SystemError("lstat", input) }
        return "\(st.st_dev):\(st.st_ino)"
    }

    private func uniqueName(_ name: String, in folder: String) -> String {
        var n = 0
        while FileSystem.status(folder + "/" + (n == 0 ? name : "\(name).\(n)")) != nil { n += 1 }
        return n == 0 ? name : "\(name).\(n)"
    }
}
