import Glibc

/// An input file opened as it is now, checked on its descriptor: every read of a study's files,
/// whether decoded as NIfTI or digested as raw bytes, opens them this one way.
enum InputFile {
    /// Opens `path` read-only. Unless `followingLinks`, the file is opened relative to its folder,
    /// and neither the folder nor the file may be a symlink (refused, not followed). The opened file
    /// must be a regular file and, when `expecting` is given, that very file (checked on the
    /// descriptor, so nothing swapped in after a caller's own checks is read); a FIFO never blocks
    /// the open. Returns the descriptor, which the caller closes, and its status.
    static func open(_ path: String, followingLinks: Bool,
                     expecting identity: FileIdentity?) throws(VolumeError) -> (descriptor: Int32, status: stat) {
        let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK
        let fd = followingLinks ? Glibc.open(path, flags) : openWithoutLinks(path, flags: flags)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw .fileNotFound(path: path)
            case EACCES: throw .permissionDenied(path: path, uid: geteuid())
            case ELOOP, ENOTDIR: throw .notRegularFile(path: path)
            default: throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
        }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .notRegularFile(path: path)
        }
        if let identity, FileIdentity(st) != identity {
            close(fd)
            throw .replacedSinceChecked(path: path)
        }
        return (fd, st)
    }

    /// Opens the folder with O_NOFOLLOW, then the file in it with O_NOFOLLOW: a link in either
    /// place fails with ELOOP or ENOTDIR. Sets errno on failure, like open(2).
    private static func openWithoutLinks(_ path: String, flags: Int32) -> Int32 {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let dir = Glibc.open(folder, O_RDONLY | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW)
        guard dir >= 0 else { return -1 }
        let fd = openat(dir, name, flags | O_NOFOLLOW)
        let saved = errno
        close(dir)
        errno = saved
        return fd
    }
}

/// Reads the raw bytes of the file at `path`, opened as the NIfTI reader opens it (see
/// `NIfTIReader.followsLinks`; with `expecting`, it must be that very file), handing them to `body`
/// a chunk of at most `chunkSize` bytes at a time, so memory stays small whatever the file's size.
public func readRawChunks(of path: String, followingLinks: Bool, expecting identity: FileIdentity?,
                          chunkSize: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) -> Void) throws(VolumeError) {
    let (fd, _) = try InputFile.open(path, followingLinks: followingLinks, expecting: identity)
    defer { close(fd) }
    var chunk = [UInt8](repeating: 0, count: chunkSize)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        if n == 0 { return }
        chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<n])) }
    }
}
