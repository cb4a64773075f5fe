import CLinux
import Compute
import Pipeline
import Reports
import Volumes

/// How the daemon sees any error thrown while handling a study: a stage, a short reason code, a
/// one-line detail and whether to retry.
struct FailureClassification: Equatable {
    var stage: String
    var reason: String
    var detail: String
    var isTransient: Bool

    init(_ error: any Error, defaultStage: String) {
        let classified = error as? ClassifiedError
        stage = classified?.stage ?? defaultStage
        isTransient = classified?.isTransient ?? false
        let underlying = (error as? ProcessingFailure)?.underlying ?? error
        reason = Self.reasonCode(underlying)
        detail = String(describing: underlying).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// The enum case name ("missingModality"), the errno name for system errors, else the type
    /// name: stable and greppable, without paths.
    private static func reasonCode(_ error: any Error) -> String {
        if let system = error as? SystemError, let name = clinux_errno_name(system.code) { return String(cString: name) }
        if let label = Mirror(reflecting: error).children.first?.label, Mirror(reflecting: error).displayStyle == .enum {
            return label
        }
        return "\(type(of: error))"
    }
}

extension StudyError: ClassifiedError {
    public var stage: String {
        if case .unreadableVolume = self { return "read" }
        return "validate"
    }

    public var isTransient: Bool { false }
}

extension VolumeError: ClassifiedError {
    public var stage: String {
        if case .writeFailed = self { return "write" }
        return "read"
    }

    /// Output write failures (full disk, quota) may clear; bad input files never do.
    public var isTransient: Bool {
        if case .writeFailed = self { return true }
        return false
    }
}

/// Writing a report can fail for a full disk like any output.
extension ReportError: ClassifiedError {
    public var stage: String { "report" }

    public var isTransient: Bool {
        switch self {
        case .png(.writeFailed(_, let code)), .folderFailed(_, let code): SystemError.isTransient(code)
        default: false
        }
    }
}

/// A compute device that failed (lost, out of memory) may work again: the processor reopens it.
extension DeviceFailure: ClassifiedError {
    public var stage: String { "segment" }
    public var isTransient: Bool { true }
}

extension SystemError: ClassifiedError {
    public var stage: String { "spool" }
}
