import CLinux
import Glibc

/// The file operations the product needs, as thin throwing wrappers over the system calls: they
/// never follow symlinks and never replace an existing entry, except where a name says so
/// (`replaceFile`, `writeAtomically`).
public enum FileSystem {
    /// lstat of `path`, or nil when it does not exist.
    public static func status(_ path: String) -> stat? {
        var st = stat()
        return lstat(path, &st) == 0 ? st : nil
    }

    public static func isDirectory(_ path: String) -> Bool {
        status(path).map { ($0.st_mode & S_IFMT) == S_IFDIR } ?? false
    }

    /// Names in `path` other than "." and "..", sorted (never following what they point to).
    public static func list(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Creates the folder `path`; fails when it exists.
    public static func makeDirectory(_ path: String, mode: mode_t = 0o775) throws(SystemError) {
        guard mkdir(path, mode) == 0 else { throw SystemError("mkdir", path) }
    }

    /// Creates `path` and its missing parents (`mkdir -p`); an existing folder is fine, an
    /// existing file is `EEXIST`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        if mkdir(path, mode) == 0 { return }
        var code = errno
        if code == ENOENT, let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]), mode: mode)
            if mkdir(path, mode) == 0 { return }
            code = errno
        }
        var st = stat()
        if code == EEXIST && stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { return }
        throw SystemError("mkdir", path, code: code)
    }

    /// Renames `from` to `to`, failing with EEXIST rather than replacing (renameat2 with
    /// RENAME_NOREPLACE: the check and the move are one atomic step).
    public static func rename(_ from: String, to: String) throws(SystemError) {
        guard clinux_rename_noreplace(from, to) == 0 else { throw SystemError("rename to \(to)", from) }
    }

    /// Deletes `path` and, for a directory, everything below it, without following symlinks.
    public static func removeTree(_ path: String) throws(SystemError) {
        guard let st = status(path) else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) { try removeTree(path + "/" + name) }
            guard rmdir(path) == 0 else { throw SystemError("rmdir", path) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw SystemError("unlink", path) }
        }
    }

    /// Total size of the regular files in `folder` and below (lstat: links are not followed).
    public static func totalBytes(_ folder: String) throws(SystemError) -> Int {
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
    public static func createFile(_ path: String, bytes: [UInt8]) throws(SystemError) {
        guard clinux_write_file(path, bytes, bytes.count, 1, 1) == 0 else { throw SystemError("write", path) }
    }

    /// Replaces the file at `path` with `bytes` in one rename, durably: a crash leaves the old
    /// contents or the new, never a mix. The contents are staged under the hidden name
    /// `.<name>.tmp-<pid>` (`isStagingName`), which no other file of the folder can have when
    /// the folder's own names never start with a dot or are dot-prefixed records (the spool's).
    public static func replaceFile(_ path: String, bytes: [UInt8]) throws(SystemError) {
        let staged = temporaryPath(beside: path)
        try removeTree(staged)
        try createFile(staged, bytes: bytes)
        guard Glibc.rename(staged, path) == 0 else {
            let error = SystemError("rename to \(path)", staged)
            unlink(staged)
            throw error
        }
        let folder = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let fd = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open", folder) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError("fsync", folder) }
    }

    /// Whether `name` is a staging name of `replaceFile` or `writeAtomically` for a dot-prefixed
    /// file (`..attempts-X.tmp-12`): what a crash between staging and renaming leaves behind.
    public static func isStagingName(ofHidden name: String) -> Bool {
        name.hasPrefix("..") && name.contains(".tmp-")
    }

    /// Has `write` fill a hidden temporary file beside `path`, then renames it over `path`: a
    /// reader sees the old file or the complete new one, never a partial one. The temporary is
    /// removed when `write` throws or the rename fails (a `SystemError`).
    public static func writeAtomically(to path: String, _ write: (_ temporary: String) throws -> Void) throws {
        let temporary = temporaryPath(beside: path)
        do {
            try write(temporary)
            guard Glibc.rename(temporary, path) == 0 else { throw SystemError("rename to \(path)", temporary) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// Writes `bytes` to `path` atomically, as `writeAtomically(to:_:)` does.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(SystemError) {
        let temporary = temporaryPath(beside: path)
        let error: SystemError
        if clinux_write_file(temporary, bytes, bytes.count, 0, 0) != 0 {
            error = SystemError("write", temporary)
        } else if Glibc.rename(temporary, path) != 0 {
            error = SystemError("rename to \(path)", temporary)
        } else {
            return
        }
        unlink(temporary)
        throw error
    }

    /// `.<name>.tmp-<pid>` in the folder of `path`: hidden, and unique to this process.
    private static func temporaryPath(beside path: String) -> String {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        return "\(folder).\(name).tmp-\(getpid())"
    }

    /// syncfs(2) of the filesystem holding `directory`: everything written to it reaches the disk.
    public static func syncFilesystem(of directory: String) throws(SystemError) {
        guard clinux_syncfs(directory) == 0 else { throw SystemError("syncfs", directory) }
    }

    /// The contents of a small regular file, at most `limit` bytes, or nil when it cannot be read
    /// or is not a regular file. The open never blocks: a FIFO or device put in a file's place is
    /// refused, not waited on.
    public static func readSmallFile(_ path: String, limit: Int = 4096, followLinks: Bool = false) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            errno = EINVAL
            return nil
        }
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress!, limit) }
        return n >= 0 ? Array(buffer.prefix(n)) : nil
    }
}
