import Glibc

/// A failed system call: what was attempted, on which path, and the errno it returned. The
/// product's system calls work on its own files (outputs, the spool), so the category is that of
/// an output write.
public struct SystemError: CategorizedError, Equatable, Sendable {
    public let operation: String
    public let path: String
    public let code: Int32

    public init(_ operation: String, _ path: String, code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }

    public var category: FailureCategory { .ofOutputWrite(errno: code) }

    public var stage: String { "write" }
}
