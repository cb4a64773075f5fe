import CLinux
import FoundationEssentials
import Glibc

/// Publishes a finished output folder into an outbox by one atomic rename, so a reader of the
/// outbox sees a study completely or not at all, and never overwrites: a second study with the
/// same id lands beside the first as `<id>.1`, `<id>.2`, ...
public enum Publisher {
    /// Moves `temporary` to `outbox/<id>` (or the first free `<id>.N`); returns the final path.
    public static func publish(_ temporary: String, into outbox: String, id: String) throws -> String {
        for n in 0..<10_000 {
            let target = outbox + "/" + (n == 0 ? id : "\(id).\(n)")
            // renameat2(RENAME_NOREPLACE) fails with EEXIST instead of replacing an existing folder.
            if clinux_rename_noreplace(temporary, target) == 0 { return target }
            guard errno == EEXIST || errno == ENOTEMPTY else {
                throw PublishError(path: target, reason: String(cString: strerror(errno)))
            }
        }
        throw PublishError(path: outbox + "/" + id, reason: "10000 studies with this id already published")
    }

    /// Removes an unpublished temporary folder and everything in it.
    public static func discard(_ temporary: String) {
        try? FileManager.default.removeItem(atPath: temporary)
    }

    /// A fresh hidden folder inside `outbox` to build a study's outputs in.
    public static func temporaryFolder(in outbox: String, id: String) throws -> String {
        let path = "\(outbox)/.tmp-\(id)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(path, 0o755) == 0 else {
            throw PublishError(path: path, reason: String(cString: strerror(errno)))
        }
        return path
    }
}

/// An output could not be created or published.
public struct PublishError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "\(path): cannot publish: \(reason)" }
}
