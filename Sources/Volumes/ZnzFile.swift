import Glibc
internal import CNIfTI

/// A file opened through znzlib, which reads and writes plain and gzip files alike.
final class ZnzFile {
    private var handle: znzFile?
    let path: String
    let compressed: Bool

    init(path: String, mode: String = "rb", compressed: Bool = true) throws {
        errno = 0
        guard let h = znzopen(path, mode, compressed ? 1 : 0) else {
            if errno == EACCES { throw VolumeError.permissionDenied(path: path, uid: geteuid()) }
            throw VolumeError.unreadable(path: path, reason: errno == 0 ? "cannot open" : String(cString: strerror(errno)))
        }
        handle = h
        self.path = path
        self.compressed = compressed
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
        guard compressed else { return }
        var rest = [UInt8](repeating: 0, count: 64 * 1024)
        while znzread(&rest, 1, rest.count, handle) > 0 {}
        if let error = readError(cutOff: .gzipTrailerMissing(path: path)) { throw error }
    }

    /// The error behind failed reads, nil when there is none; a gzip stream that ends early (which
    /// zlib reads as ending there) gives `cutOff`.
    private func readError(cutOff: VolumeError? = nil) -> VolumeError? {
        var message: UnsafePointer<CChar>?
        switch cnifti_read_failure(handle, &message) {
        case CNIFTI_READ_SYSTEM: return .unreadable(path: path, reason: String(cString: strerror(errno)))
        case CNIFTI_READ_DAMAGED:
            // zlib's message reads "<path>: <reason>".
            let text = message.map { String(cString: $0) } ?? ""
            return .corruptCompressedData(path: path, reason: text.hasPrefix(path + ": ") ? String(text.dropFirst(path.count + 2)) : text)
        case CNIFTI_READ_CUT_OFF: return cutOff
        default: return nil
        }
    }

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
