internal import CNIfTI

/// A file opened through znzlib, which reads and writes plain and gzip files alike.
final class ZnzFile {
    private var handle: znzFile?
    let path: String

    init(path: String, mode: String = "rb", compressed: Bool = true) throws {
        guard let h = znzopen(path, mode, compressed ? 1 : 0) else {
            throw VolumeError.unreadable(path: path, reason: "cannot open")
        }
        handle = h
        self.path = path
    }

    /// Reads up to `buffer.count` bytes; returns how many arrived (fewer at the end or on a gzip error).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        return znzread(base, 1, buffer.count, handle)
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
