import FoundationEssentials

/// The error.json written beside a failed study's untouched inputs.
struct FailureReport: Encodable {
    let schema = "ganet-seg/error/v1"
    var studyID: String
    var stage: String
    var reason: String
    var detail: String
    /// The `FailureCategory`: badInput, outputNotWritable, transient or internal.
    var category: String
    /// Whether the daemon would have tried again (it gave up after `attempts`).
    var transient: Bool
    var attempts: Int
    var time: String
    var software: String

    init(studyID: String, failure: FailureClassification, attempts: Int, software: String) {
        self.studyID = studyID
        stage = failure.stage
        reason = failure.reason
        detail = failure.detail
        category = failure.category.rawValue
        transient = failure.isRetryable
        self.attempts = attempts
        time = utcTimestamp()
        self.software = software
    }

    func json() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Strings and numbers only: encoding cannot fail.
        return Array(try! encoder.encode(self)) + [UInt8(ascii: "\n")]
    }
}
