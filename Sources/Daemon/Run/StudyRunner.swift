import Glibc
import Logging
import Pipeline
import Platform

/// Takes one job from claim to published output, or to failed/ with error.json, or back to the
/// queue for a retry. Runs on a worker thread.
struct StudyRunner: Sendable {
    let config: DaemonConfig
    let spool: Spool
    let processors: ProcessorSlot
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
                logger.error("cannot claim \(job.name): \(claimProblem(error, folder: spool.inbox + "/" + job.name))",
                             metadata: [LogKey.studyID: "\(job.name)", LogKey.stage: "claim"])
                return queue.retry(job, as: afterMoveFailure(job, origin: .inbox))
            }
        }
        var logger = logger
        logger[metadataKey: LogKey.studyID] = "\(job.name)"
        status.begin(worker, study: job.name)
        let disposition: Disposition
        if job.origin == .work && spool.isPublished(job.name) {
            // A crash, or a failed archive, came between publishing and archiving.
            logger.notice("already published; archiving the input only", metadata: [LogKey.stage: "archive"])
            disposition = Disposition(outcome: nil, next: retain(job, input: input, logger: logger).next)
        } else {
            disposition = process(job, input: input, worker: worker, logger: logger)
        }
        status.end(worker, disposition.outcome)
        if let next = disposition.next { queue.retry(job, as: next) } else { queue.finish(job) }
    }

    /// What became of a job: how the status counts it (nil: not at all) and, when the study stays
    /// queued, the job that follows it.
    private struct Disposition {
        var outcome: DaemonStatus.Outcome?
        var next: JobQueue.Job?
    }

    /// The job again after a failed claim or archive, due after a back-off that doubles with each
    /// failure (up to 32 times `retry_backoff_seconds`).
    private func afterMoveFailure(_ job: JobQueue.Job, origin: JobQueue.Origin) -> JobQueue.Job {
        var next = JobQueue.Job(name: job.name, origin: origin)
        next.moveFailures = job.moveFailures + 1
        next.notBefore = monotonicSeconds() + config.retryBackoffSeconds * Double(1 << min(job.moveFailures, 5))
        return next
    }

    /// Processes the claimed study at `input`; nil outcome: abandoned at shutdown.
    private func process(_ job: JobQueue.Job, input: String, worker: Int, logger: Logger) -> Disposition {
        let name = job.name, start = monotonicSeconds()
        var attempts = 1, counted = false
        var temporary: String?
        do {
            attempts = try spool.recordAttempt(name)
            counted = true
            if attempts > config.maxAttempts {
                throw ProcessingFailure(stage: "process", category: .internal, DaemonFailure.tooManyAttempts(attempts - 1))
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
            let result = Result(catching: { try processors.current.process(studyAt: input, into: output) { status.progress(worker, $0) } })
            // From here on a stop waits for this study; if it came first, the study is not ours.
            guard inFlight.startPublishing(worker) else {
                logger.notice("abandoned at shutdown")
                return Disposition(outcome: nil)
            }
            let summary = try result.get()
            let published = try spool.publish(output, id: name)
            temporary = nil
            let retained = retain(job, input: input, logger: logger)
            logger.info("published \(published)", metadata: [
                LogKey.stage: "publish", LogKey.durationMS: "\(milliseconds(since: start))",
                "files": "\(summary.files.count)", "input": "\(retained.input)",
                "stages": "\(summary.stageMilliseconds.map { "\($0.stage)=\($0.milliseconds)" }.joined(separator: " "))",
            ])
            return Disposition(outcome: .published, next: retained.next)
        } catch {
            if let temporary { spool.discard(temporary) }
            return handleFailure(error, job: job, input: input, attempts: attempts, counted: counted, start: start, logger: logger)
        }
    }

    /// Archives or deletes a published study's input. A failure (the archive unwritable, say) is
    /// the spool's, not the study's: the input waits in work/ and the archiving is tried again,
    /// never the processing.
    private func retain(_ job: JobQueue.Job, input: String, logger: Logger) -> (input: String, next: JobQueue.Job?) {
        do {
            let archived = try spool.retain(input, id: job.name)
            spool.clearRecords(job.name)
            return (archived ?? "deleted", nil)
        } catch {
            let next = afterMoveFailure(job, origin: .work)
            let verb = config.inputRetention == .archive ? "archived" : "deleted"
            let delay = ((next.notBefore - monotonicSeconds()) * 10).rounded() / 10
            logger.error("published, but the input could not be \(verb): \(error); it stays in work/, tried again in \(delay) s",
                         metadata: [LogKey.stage: "archive"])
            return ("left in work/", next)
        }
    }

    private func handleFailure(_ error: any Error, job: JobQueue.Job, input: String, attempts: Int, counted: Bool,
                               start: Double, logger: Logger) -> Disposition {
        let name = job.name
        let failure = FailureClassification(error, defaultStage: "process")
        var metadata: Logger.Metadata = [LogKey.stage: "\(failure.stage)", LogKey.error: "\(failure.reason)",
                                         LogKey.durationMS: "\(milliseconds(since: start))"]
        if failure.category == .outputNotWritable {
            // Our own output side, never the study's fault: it stays queued however long the
            // condition lasts, and the attempt does not count toward max_attempts.
            if counted { try? spool.uncountAttempt(name, attempts: attempts) }
            var next = JobQueue.Job(name: name, origin: .work)
            next.outputFailures = job.outputFailures + 1
            let delay = config.retryBackoffSeconds * Double(1 << min(job.outputFailures, 5))
            next.notBefore = monotonicSeconds() + delay
            status.outputNotWritable(failure.detail)
            logger.error("output not writable (\(next.outputFailures) in a row); the study stays queued, tried again in \(delay) s: \(failure.detail)",
                         metadata: metadata)
            return Disposition(outcome: .retried, next: next)
        }
        if failure.isRetryable && attempts < config.maxAttempts {
            let delay = config.retryBackoffSeconds * Double(1 << min(attempts - 1, 16))
            logger.warning("attempt \(attempts) failed, retrying in \(delay) s: \(failure.detail)", metadata: metadata)
            return Disposition(outcome: .retried, next: JobQueue.Job(name: name, origin: .work, notBefore: monotonicSeconds() + delay))
        }
        let report = FailureReport(studyID: name, failure: failure, attempts: attempts, software: software)
        do {
            let path = try spool.fail(input, name: safeName(name), report: report.json())
            spool.clearRecords(name)
            metadata["failed-path"] = "\(path)"
            logger.error("failed: \(failure.detail)", metadata: metadata)
            return Disposition(outcome: .failed)
        } catch let moveError {
            // The input stays in work/ and is tried again at the next start.
            logger.critical("failed (\(failure.detail)) and could not be moved to failed/: \(moveError)", metadata: metadata)
            return Disposition(outcome: .failed)
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
    return cleaned.prefix(utf8Bytes: StudyID.maxLength)
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
