import Platform

/// Studies waiting for a worker: ready ones from the inbox, recovered or retried ones from work/.
/// A study is queued at most once at a time (the watcher may report one twice).
final class JobQueue: Sendable {
    enum Origin: Sendable, Hashable { case inbox, work }

    struct Job: Sendable, Hashable {
        var name: String
        var origin: Origin
        /// Monotonic time before which the job is not handed out (retry back-off).
        var notBefore = 0.0
        /// Failed moves so far (claims into work/, archiving after publishing): their back-off grows.
        var moveFailures = 0
        /// Attempts in a row that failed on the output side (outbox or work/ full, read-only or
        /// denied): their back-off grows, and they never count toward `max_attempts`.
        var outputFailures = 0

        var key: Key { Key(name: name, origin: origin) }
        struct Key: Hashable { var name: String; var origin: Origin }
    }

    private struct State {
        var waiting: [Job] = []
        /// Keys of waiting and running jobs.
        var known: Set<Job.Key> = []
        /// Running studies reported again while they ran (the same id dropped anew): queued once
        /// more when they finish.
        var again: Set<Job.Key> = []
        var closed = false

        /// Queues `job` unless the queue is closed or the same study is waiting or running already.
        @discardableResult
        mutating func enqueue(_ job: Job) -> Bool {
            guard !closed, known.insert(job.key).inserted else { return false }
            waiting.append(job)
            return true
        }
    }

    private let state = Condition(State())

    /// Adds a job unless the same study is already waiting or running; false when it was. A study
    /// reported while it runs is queued again when it finishes (its claim then finds the new folder).
    @discardableResult
    func add(_ job: Job) -> Bool {
        state.withLock { s in
            guard !s.closed else { return false }
            if s.enqueue(job) { return true }
            if !s.waiting.contains(where: { $0.key == job.key }) { s.again.insert(job.key) }
            return false
        }
    }

    /// Puts the running job `running` back to wait as `next`: the same study, due later, perhaps
    /// now from work/.
    func retry(_ running: Job, as next: Job) {
        state.withLock { s in
            s.known.remove(running.key)
            s.enqueue(next)
            if s.again.remove(running.key) != nil { s.enqueue(Job(name: running.name, origin: running.origin)) }
        }
    }

    /// Marks a running job done, so the same study can be queued again (and is, if it was reported
    /// while it ran).
    func finish(_ job: Job) {
        state.withLock { s in
            s.known.remove(job.key)
            if s.again.remove(job.key) != nil { s.enqueue(Job(name: job.name, origin: job.origin)) }
        }
    }

    /// The next due job, waiting at most until `deadline`: `.job`, `.idle` on time-out, `.closed`
    /// once the queue is closed. A job coming due while waiting is seen at the next wake-up, so
    /// callers wait in short slices.
    func next(until deadline: Double) -> Next {
        let result: Next? = state.wait(until: deadline) { s in
            if s.closed { return .closed }
            let now = monotonicSeconds()
            guard let index = s.waiting.indices.min(by: { s.waiting[$0].notBefore < s.waiting[$1].notBefore }),
                  s.waiting[index].notBefore <= now else { return nil }
            return .job(s.waiting.remove(at: index))
        }
        return result ?? .idle
    }

    enum Next: Sendable { case job(Job), idle, closed }

    /// Stops handing out jobs; waiting workers return `.closed`.
    func close() { state.withLock { $0.closed = true } }

    /// Counts for the service status.
    var counts: (waiting: Int, retrying: Int) {
        state.withLock { s in (s.waiting.count, s.waiting.filter { $0.notBefore > 0 }.count) }
    }
}
