import Glibc

/// What kind of failure an error is. The CLI's exit status and the daemon's choice between
/// retrying a study and moving it to failed/ are both derived from it, so the two never disagree.
public enum FailureCategory: String, Sendable, CaseIterable {
    /// The input is wrong and stays wrong (a missing modality, a corrupt file, a bad option):
    /// the user fixes the input.
    case badInput
    /// ganet-seg's own output could not be written (full disk, read-only, permissions): the input
    /// is fine, and the output side needs fixing or time.
    case outputNotWritable
    /// A condition that may clear by itself (memory, descriptors, a lost compute device).
    case transient
    /// A fault of ganet-seg itself.
    case `internal`

    /// The sysexits(3) status the CLI exits with: EX_DATAERR, EX_IOERR, EX_TEMPFAIL, EX_SOFTWARE.
    public var exitCode: Int32 {
        switch self {
        case .badInput: 65
        case .outputNotWritable: 74
        case .transient: 75
        case .internal: 70
        }
    }

    /// Whether the daemon tries the same study again: the input is not to blame.
    public var isRetryable: Bool { self == .outputNotWritable || self == .transient }
}

/// An error that knows its `FailureCategory` and the pipeline stage it stopped ("validate",
/// "read", "segment", "report", "write"). Every module's error types adopt it; an error that does
/// not is `internal`.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: FailureCategory { get }
    var stage: String { get }
}

extension FailureCategory {
    /// The category of any error: its own when it is a `CategorizedError`, else `internal`.
    public init(of error: any Error) {
        self = (error as? any CategorizedError)?.category ?? .internal
    }

    /// The category of a failed write of ganet-seg's own output with errno `code`: transient
    /// conditions of the machine (memory, descriptors, I/O) or an output that cannot be written
    /// (full, read-only, denied).
    public static func ofOutputWrite(errno code: Int32) -> FailureCategory {
        [ENOMEM, EMFILE, ENFILE, EAGAIN, EINTR, EIO, EBUSY].contains(code) ? .transient : .outputNotWritable
    }
}
