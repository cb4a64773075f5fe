import CLinux
import Pipeline
import Glibc

/// The few file operations the spool needs, as thin throwing wrappers that never follow symlinks
/// and never replace an existing entry (but for `replaceFile`, for the spool's own records).
enum FileSystem {
    /// lstat of `path`, or nil when it does not exist.
    static func status(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    static func isDirectory(_ path: String) -> Bool {
        status(path).map { ($0.st_mode & S_IFMT) == S_IFDIR } ?? false
    }

    /// Names in `path` other than "." and "..", sorted.
    static func list(_ path: String) throws -> [String] { try directoryEntries(path) }

    static func makeDirectory(_ path: String, mode: mode_t = 0o775) throws {
        guard mkdir(path, mode) == 0 else { throw SystemError("mkdir", path) }
    }

    /// Renames `from` to `to`, failing with EEXIST rather than replacing.
    static func rename(_ from: String, to: String) throws {
        guard clinux_rename_noreplace(from, to) == 0 else { throw SystemError("rename to \(to)", from) }
    }

    /// Deletes `path` and, for a directory, everything below it, without following symlinks.
    static func removeTree(_ path: String) throws {
        guard let st = status(path) else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw SystemError("rmdir", path) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemError("unlink", path) }
        }
    }

    /// Total size of the regular files in `folder` and below (lstat: links are not followed).
    static func totalBytes(_ folder: String) throws -> Int {
        var total = 0
        for name in try list(folder) {
            guard let st = status(folder + "/" + name) else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: total += Int(st.st_size)
            case S_IFDIR: total += try totalBytes(folder + "/" + name)
            default: continue
            }
        }
        return total
    }

    /// Writes `bytes` to a new file at `path` (failing if it exists) and flushes it to disk.
    static func createFile(_ path: String, bytes: [UInt8]) throws {
        guard clinux_write_file(path, bytes, bytes.count, 1, 1) == 0 else { throw SystemError("write", path) }
    }

    /// Replaces the file at `path` with `bytes` in one rename (via `<path>.new`), durably: a crash
    /// leaves the old contents or the new, never a mix.
    static func replaceFile(_ path: String, bytes: [UInt8]) throws {
        let staged = path + ".new"
        try removeTree(staged)
        try createFile(staged, bytes: bytes)
        guard Glibc.rename(staged, path) == 0 else { throw SystemError("rename to \(path)", staged) }
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError("fsync", folder) }
    }

    /// The contents of a small file, at most `limit` bytes, or nil when it cannot be read.
    static func readSmallFile(_ path: String, limit: Int = 4096, followLinks: Bool = false) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, limit) }
        return n >= 0 ? Array(buffer.prefix(n)) : nil
    }
}
