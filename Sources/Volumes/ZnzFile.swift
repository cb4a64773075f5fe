import Glibc
internal import CNIfTI

/// A file opened through znzlib, which reads and writes plain and gzip files alike.
final class ZnzFile {
    private var handle: znzFile?
    let path: String

    /// Opens `path` for reading as `InputFile.open` does; the file must also be non-empty.
    static func openForReading(path: String, followingLinks: Bool,
                               expecting identity: FileIdentity? = nil) throws(VolumeError) -> ZnzFile {
        let (fd, st) = try InputFile.open(path, followingLinks: followingLinks, expecting: identity)
        guard st.st_size > 0 else {
            Glibc.close(fd)
            throw .emptyFile(path: path)
        }
        guard let handle = cnifti_open_fd(fd) else {
            Glibc.close(fd)
            throw .unreadable(path: path, reason: "cannot open")
        }
        return ZnzFile(handle: handle, path: path)
    }

    private init(handle: znzFile, path: String) {
        self.handle = handle
        self.path = path
    }

    /// Creates `path` for writing, gzip-compressed when `compressed`.
    init(creating path: String, compressed: Bool) throws {
        errno = 0
        guard let h = znzopen(path, "wb", compressed ? 1 : 0) else {
            throw VolumeError.unreadable(path: path, reason: errno == 0 ? "cannot open" : String(cString: strerror(errno)))
        }
        handle = h
        self.path = path
    }

    /// Reads up to `buffer.count` bytes; returns how many arrived, fewer only at the end of the
    /// file. A gzip stream that is cut off (a copy still arriving) reads as ending there. Throws
    /// `corruptCompressedData` for a damaged gzip stream and `unreadable` for a failed read.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(VolumeError) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let n = znzread(base, 1, buffer.count, handle)
        if n >= 0 { return n }
        if let error = readError() { throw error }
        return 0
    }

    /// Reads a gzip stream to its end, so that zlib checks the data against the trailer's CRC-32
    /// and length: throws `gzipTrailerMissing` when the stream stops short of its trailer and
    /// `corruptCompressedData` when they disagree. A plain file's bytes past the data are allowed.
    func checkTrailer() throws(VolumeError) {
        // A plain file has no trailer: bytes past the data (padding, a sparse tail) are not read.
        guard cnifti_is_plain(handle) == 0 else { return }
        // zlib checks the trailer where the deflate stream ends, right after the data; whatever
        // follows (padding, a sparse tail) is read at most this far, not to its end.
        var rest = [UInt8](repeating: 0, count: 64 * 1024)
        var budget = 1 << 20
        while budget > 0 {
            let n = znzread(&rest, 1, rest.count, handle)
            if n <= 0 { break }
            budget -= n
        }
        if let error = readError(cutOff: .gzipTrailerMissing(path: path)) { throw error }
    }

    /// The error behind failed reads, nil when there is none; a gzip stream that ends early (which
    /// zlib reads as ending there) gives `cutOff`.
    private func readError(cutOff: VolumeError? = nil) -> VolumeError? {
        var message: UnsafePointer<CChar>?
        switch cnifti_read_failure(handle, &message) {
        case CNIFTI_READ_SYSTEM: return .unreadable(path: path, reason: String(cString: strerror(errno)))
        case CNIFTI_READ_DAMAGED:
            // zlib's message reads "<path>: <reason>", or "<fd:N>: <reason>" for a descriptor.
            let text = message.map { String(cString: $0) } ?? ""
            var reason = Substring(text)
            if reason.hasPrefix(path + ": ") {
                reason = reason.dropFirst(path.count + 2)
            } else if reason.hasPrefix("<fd:"), let colon = reason.firstRange(of: ": ") {
                reason = reason[colon.upperBound...]
            }
            return .corruptCompressedData(path: path, reason: String(reason))
        case CNIFTI_READ_CUT_OFF: return cutOff
        default: return nil
        }
    }

    /// Bytes read so far (of the uncompressed stream).
    var position: Int { Int(znztell(handle)) }

    /// Writes all of `buffer`; returns false when fewer bytes were accepted.
    func write(_ buffer: UnsafeRawBufferPointer) -> Bool {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return true }
        return znzwrite(base, 1, buffer.count, handle) == buffer.count
    }

    /// Closes the file; false when the final flush failed (for gzip, the trailer was not written).
    @discardableResult
    func close() -> Bool {
        guard handle != nil else { return true }
        return Xznzclose(&handle) == 0
    }

    deinit { close() }
}
