import CLinux
import FoundationEssentials
import Glibc

/// Publishes finished output folders with Maildir semantics: one atomic rename, so a reader of the
/// outbox sees a study completely or not at all, and never over an existing name: a second study
/// with the same id lands beside the first as `<id>.1`, `<id>.2`, ...
public enum Publisher {
    /// Moves `temporary` to `outbox/<id>` (or the first free `<id>.N`); returns the final path.
    /// The filesystem is synced before the rename and after it: a power cut never leaves a
    /// published folder with empty files, and once this returns the caller may remove the input.
    @discardableResult
    public static func publish(_ temporary: String, into outbox: String, id: String) throws -> String {
        try syncFilesystem(of: temporary)
        let published = try moveAside(temporary, into: outbox, as: id)
        try syncFilesystem(of: outbox)
        return published
    }

    private static func syncFilesystem(of directory: String) throws {
        guard clinux_syncfs(directory) == 0 else { throw SystemError("syncfs", directory) }
    }

    /// Moves `from` into `directory` as `name`, or `name.1`, `name.2`... when taken; returns the
    /// new path. renameat2(RENAME_NOREPLACE) makes the check and the move one atomic step.
    @discardableResult
    public static func moveAside(_ from: String, into directory: String, as name: String) throws -> String {
        var n = 0
        while true {
            let target = directory + "/" + (n == 0 ? name : "\(name).\(n)")
            if clinux_rename_noreplace(from, target) == 0 { return target }
            guard errno == EEXIST || errno == ENOTEMPTY else { throw SystemError("rename to \(target)", from) }
            n += 1
        }
    }

    /// Removes an unpublished temporary folder and everything in it.
    public static func discard(_ temporary: String) {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    /// A fresh hidden folder inside `outbox` to build a study's outputs in.
    public static func temporaryFolder(in outbox: String, id: String) throws -> String {
        let path = "\(outbox)/.tmp-\(id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(path, 0o755) == 0 else { throw SystemError("mkdir", path) }
        return path
    }
}
