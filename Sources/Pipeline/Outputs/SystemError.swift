import Glibc

/// A failed system call: what was attempted, on which path, and the errno it returned.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }

    /// Conditions that can clear up by themselves (full disk, quota, memory, descriptors, I/O
    /// hiccups), so a later attempt may succeed.
    public var isTransient: Bool { Self.isTransient(code) }

    /// Whether the errno `code` is one of the conditions `isTransient` names.
    public static func isTransient(_ code: Int32) -> Bool {
        [ENOSPC, EDQUOT, ENOMEM, EMFILE, ENFILE, EAGAIN, EINTR, EIO, EBUSY].contains(code)
    }
}
