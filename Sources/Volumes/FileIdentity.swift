import Glibc

/// A file's device and inode: what stays the same however the file is named, so a reader can
/// check that the file it opened is the one a caller inspected earlier, not one renamed, copied or
/// linked into its place since.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }

    /// The identity in a stat result.
    public init(_ st: stat) {
        self.init(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
    }
}
