import CLinux
import Platform

/// How the daemon sees any error thrown while handling a study: a stage, its category, a short
/// reason code and a one-line detail. Retry or failed/ follows from the category alone.
struct FailureClassification: Equatable {
    var stage: String
    var category: FailureCategory
    var reason: String
    var detail: String

    init(_ error: any Error, defaultStage: String) {
        stage = (error as? any CategorizedError)?.stage ?? defaultStage
        category = FailureCategory(of: error)
        let underlying = (error as? ProcessingFailure)?.underlying ?? error
        reason = Self.reasonCode(underlying)
        detail = String(describing: underlying).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// Whether a later attempt at the same study may succeed: the input is not to blame.
    var isRetryable: Bool { category.isRetryable }

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
