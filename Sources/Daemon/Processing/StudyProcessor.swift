import Platform

/// What the daemon runs on each claimed study: the segmenter, or a stand-in in tests.
///
/// `process` is called on a dedicated worker thread (never on the Swift concurrency pool) and may
/// block for as long as the study takes. Errors it throws are classified by their `CategorizedError`
/// category when they adopt it; anything else is an internal, permanent failure of the "process" stage.
public protocol StudyProcessor: Sendable {
    /// Segments the study folder at `input`, writing every output file into the existing empty
    /// folder `output`. `progress` takes short human-readable notes ("segment 40/155"); they show in
    /// the service status and keep the worker's heartbeat fresh.
    func process(studyAt input: String, into output: String,
                 progress: @Sendable (String) -> Void) throws -> ProcessingSummary
}

/// The processor's account of one finished study, logged and counted by the daemon.
public struct ProcessingSummary: Sendable {
    /// The study id the outputs were named after.
    public var studyID: String
    /// Files written into the output folder, relative to it.
    public var files: [String]
    /// Milliseconds spent per stage, in order ("read", "segment"...).
    public var stageMilliseconds: [(stage: String, milliseconds: Int)]

    public init(studyID: String, files: [String], stageMilliseconds: [(stage: String, milliseconds: Int)] = []) {
        self.studyID = studyID
        self.files = files
        self.stageMilliseconds = stageMilliseconds
    }
}

/// A processor's error wrapped with an explicit stage and category, for errors whose type does
/// not adopt `CategorizedError` or that the daemon sees differently.
public struct ProcessingFailure: CategorizedError {
    public let stage: String
    public let category: FailureCategory
    public let underlying: any Error

    public init(stage: String, category: FailureCategory = .badInput, _ underlying: any Error) {
        self.stage = stage
        self.category = category
        self.underlying = underlying
    }

    public var description: String { String(describing: underlying) }
}
