import Glibc
import Platform

/// Publishes finished output folders with Maildir semantics: one atomic rename, so a reader of the
/// outbox sees a study completely or not at all, and never over an existing name: a second study
/// with the same id lands beside the first as `<id>.1`, `<id>.2`, ...
public enum Publisher {
    /// Moves `temporary` to `outbox/<id>` (or the first free `<id>.N`); returns the final path.
    /// The filesystem is synced before the rename and after it: a power cut never leaves a
    /// published folder with empty files, and once this returns the caller may remove the input.
    @discardableResult
    public static func publish(_ temporary: String, into outbox: String, id: String) throws -> String {
        try FileSystem.syncFilesystem(of: temporary)
        let published = try moveAside(temporary, into: outbox, as: id)
        try FileSystem.syncFilesystem(of: outbox)
        return published
    }

    /// Moves `from` into `directory` as `name`, or `name.1`, `name.2`... when taken; returns the
    /// new path. The no-replace rename makes the check and the move one atomic step. With
    /// `maxLength`, the name is shortened (whole characters) so that name and suffix fit in that
    /// many bytes.
    @discardableResult
    public static func moveAside(_ from: String, into directory: String, as name: String,
                                 maxLength: Int? = nil) throws(SystemError) -> String {
        var n = 0
        while true {
            let suffix = n == 0 ? "" : ".\(n)"
            let base = maxLength.map { name.prefix(utf8Bytes: $0 - suffix.utf8.count) } ?? name
            let target = directory + "/" + base + suffix
            do { try FileSystem.rename(from, to: target) } catch where error.code == EEXIST || error.code == ENOTEMPTY {
                n += 1
                continue
            }
            return target
        }
    }

    /// Removes an unpublished temporary folder and everything in it.
    public static func discard(_ temporary: String) {
        try? FileSystem.removeTree(temporary)
    }

    /// A fresh hidden folder inside `outbox` to build a study's outputs in.
    public static func temporaryFolder(in outbox: String, id: String) throws -> String {
        let path = "\(outbox)/.tmp-\(id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileSystem.makeDirectory(path, mode: 0o755)
        return path
    }
}
