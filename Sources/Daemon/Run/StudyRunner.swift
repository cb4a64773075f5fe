import Glibc
import Logging
import Pipeline

/// Takes one job from claim to published output, or to failed/ with error.json, or back to the
/// queue for a retry. Runs on a worker thread.
struct StudyRunner: Sendable {
    let config: DaemonConfig
    let spool: Spool
    let processor: any StudyProcessor
    let software: String
    let queue: JobQueue
    let status: DaemonStatus
    let inFlight: InFlight
    let logger: Logger

    func run(_ job: JobQueue.Job, worker: Int) {
        let input: String
        switch job.origin {
        case .work:
            input = spool.work + "/" + job.name
        case .inbox:
            do {
                switch try spool.claim(job.name) {
                case .claimed(let path): input = path
                case .gone: return queue.finish(job)
                case .busy:
                    // The same id is still being processed; try again shortly.
                    return queue.retry(job, as: JobQueue.Job(name: job.name, origin: .inbox, notBefore: monotonicSeconds() + 0.5))
                }
            } catch {
                // Tried again, less and less often: whoever dropped it may fix it (a permission, a full disk).
                var next = job
                next.claimFailures += 1
                next.notBefore = monotonicSeconds() + config.retryBackoffSeconds * Double(1 << min(job.claimFailures, 5))
                logger.error("cannot claim \(job.name): \(claimProblem(error, folder: spool.inbox + "/" + job.name))",
                             metadata: [LogKey.studyID: "\(job.name)", LogKey.stage: "claim"])
                return queue.retry(job, as: next)
            }
        }
        var logger = logger
        logger[metadataKey: LogKey.studyID] = "\(job.name)"
        status.begin(worker, study: job.name)
        let outcome = process(job, input: input, worker: worker, logger: logger)
        status.end(worker, outcome)
        if outcome != .retried { queue.finish(job) }
    }

    /// Processes the claimed study at `input`; returns what became of it (nil: abandoned).
    private func process(_ job: JobQueue.Job, input: String, worker: Int, logger: Logger) -> DaemonStatus.Outcome? {
        let name = job.name, start = monotonicSeconds()
        var attempts = 1
        var temporary: String?
        do {
            attempts = try spool.recordAttempt(name)
            if attempts > config.maxAttempts {
                throw ProcessingFailure(stage: "process", DaemonFailure.tooManyAttempts(attempts - 1))
            }
            try StudyID.validate(name)
            let bytes = try FileSystem.totalBytes(input)
            if bytes > config.maxStudyBytes {
                throw ProcessingFailure(stage: "validate", DaemonFailure.tooLarge(bytes: bytes, limit: config.maxStudyBytes))
            }
            let output = try spool.makeTemporaryOutput(for: name)
            temporary = output
            inFlight.begin(worker, InFlight.Study(name: name, input: input, temporary: output))
            defer { inFlight.end(worker) }
            logger.info("processing", metadata: [LogKey.stage: "process", "attempt": "\(attempts)"])
            let result = Result(catching: { try processor.process(studyAt: input, into: output) { status.progress(worker, $0) } })
            // From here on a stop waits for this study; if it came first, the study is not ours.
            guard inFlight.startPublishing(worker) else {
                logger.notice("abandoned at shutdown")
                return nil
            }
            let summary = try result.get()
            let published = try spool.publish(output, id: name, input: input)
            temporary = nil
            let archived = try spool.retain(input, id: name)
            spool.clearAttempts(name)
            logger.info("published \(published)", metadata: [
                LogKey.stage: "publish", LogKey.durationMS: "\(milliseconds(since: start))",
                "files": "\(summary.files.count)", "archived": "\(archived ?? "deleted")",
                "stages": "\(summary.stageMilliseconds.map { "\($0.stage)=\($0.milliseconds)" }.joined(separator: " "))",
            ])
            return .published
        } catch {
            if let temporary { spool.discard(temporary) }
            return handleFailure(error, job: job, input: input, attempts: attempts, start: start, logger: logger)
        }
    }

    private func handleFailure(_ error: any Error, job: JobQueue.Job, input: String, attempts: Int, start: Double,
                               logger: Logger) -> DaemonStatus.Outcome? {
        let name = job.name
        let failure = FailureClassification(error, defaultStage: "process")
        var metadata: Logger.Metadata = [LogKey.stage: "\(failure.stage)", LogKey.error: "\(failure.reason)",
                                         LogKey.durationMS: "\(milliseconds(since: start))"]
        if failure.isTransient && attempts < config.maxAttempts {
            let delay = config.retryBackoffSeconds * Double(1 << min(attempts - 1, 16))
            logger.warning("attempt \(attempts) failed, retrying in \(delay) s: \(failure.detail)", metadata: metadata)
            queue.retry(job, as: JobQueue.Job(name: name, origin: .work, notBefore: monotonicSeconds() + delay))
            return .retried
        }
        let report = FailureReport(studyID: name, failure: failure, attempts: attempts, software: software)
        do {
            let path = try spool.fail(input, name: safeName(name), report: report.json())
            spool.clearAttempts(name)
            metadata["failed-path"] = "\(path)"
            logger.error("failed: \(failure.detail)", metadata: metadata)
            return .failed
        } catch let moveError {
            // The input stays in work/ and is tried again at the next start.
            logger.critical("failed (\(failure.detail)) and could not be moved to failed/: \(moveError)", metadata: metadata)
            return .failed
        }
    }

    private func milliseconds(since start: Double) -> Int { Int((monotonicSeconds() - start) * 1000) }
}

/// Why claiming `folder` failed, with what fixes it when a permission is the cause: renaming a
/// folder into work/ needs write permission on the folder itself (its ".." changes), which a
/// plain `cp -r` into the inbox does not give the daemon's group.
func claimProblem(_ error: any Error, folder: String) -> String {
    guard let error = error as? SystemError, error.code == EACCES || error.code == EPERM,
          let st = FileSystem.status(folder) else { return "\(error)" }
    let mode = String(st.st_mode & 0o7777, radix: 8)
    return "\(error); the folder (owner uid \(st.st_uid), group gid \(st.st_gid), mode \(mode)) must be writable by "
        + "the daemon (uid \(geteuid()), gid \(getegid())) to be moved: chmod -R g+rwX '\(folder)'"
}

/// A folder name for failed/ derived from any inbox name: control characters and a leading dot
/// replaced, length capped, so a rejected id still lands somewhere a person can look.
func safeName(_ name: String) -> String {
    var scalars = name.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "_" : Character($0) }
    if scalars.first == "." { scalars[0] = "_" }
    let cleaned = String(scalars)
    return cleaned.utf8.count <= StudyID.maxLength ? cleaned : String(decoding: cleaned.utf8.prefix(StudyID.maxLength), as: UTF8.self)
}

/// Failures the daemon itself detects.
enum DaemonFailure: Error, CustomStringConvertible {
    case tooManyAttempts(Int)
    case tooLarge(bytes: Int, limit: Int)

    var description: String {
        switch self {
        case .tooManyAttempts(let n):
            "given up after \(n) attempts that did not finish (the daemon crashed, was killed or timed out each time)"
        case .tooLarge(let bytes, let limit): "study folder holds \(bytes) bytes, more than max_study_bytes (\(limit))"
        }
    }
}
