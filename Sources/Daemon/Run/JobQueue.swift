/// Studies waiting for a worker: ready ones from the inbox, recovered or retried ones from work/.
/// A study is queued at most once at a time (the watcher may report one twice).
final class JobQueue: Sendable {
    enum Origin: Sendable, Hashable { case inbox, work }

    struct Job: Sendable, Hashable {
        var name: String
        var origin: Origin
        /// Monotonic time before which the job is not handed out (retry back-off).
        var notBefore = 0.0

        var key: Key { Key(name: name, origin: origin) }
        struct Key: Hashable { var name: String; var origin: Origin }
    }

    private struct State {
        var waiting: [Job] = []
        /// Keys of waiting and running jobs.
        var known: Set<Job.Key> = []
        var closed = false
    }

    private let state = Condition(State())

    /// Adds a job unless the same study is already waiting or running; false when it was.
    @discardableResult
    func add(_ job: Job) -> Bool {
        state.withLock { s in
            guard !s.closed, s.known.insert(job.key).inserted else { return false }
            s.waiting.append(job)
            return true
        }
    }

    /// Puts a running job back to wait until `notBefore`.
    func retry(_ job: Job) {
        state.withLock { s in if !s.closed { s.waiting.append(job) } else { s.known.remove(job.key) } }
    }

    /// Marks a running job done, so the same study can be queued again.
    func finish(_ job: Job) { state.withLock { _ = $0.known.remove(job.key) } }

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
